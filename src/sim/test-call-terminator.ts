// The gateway's end of PRI calls while no call bridge routes them to SIP: a
// test call terminator on the span, as a carrier's milliwatt test line. It
// answers calls (after a ring, or when told), sends a 1004 Hz test tone at
// -16 dBm0 (ITU-T O.6 test frequency) into the B-channel through the card,
// reports the DTMF the card's DSP detects, and places test calls.
import { EventEmitter } from 'node:events';
import type { PartyNumber } from '../call/pstn-leg.js';
import type { Card } from '../hw/card.js';
import type { PriCall } from '../isdn/pri-call.js';
import type { PriSpan } from '../isdn/pri-span.js';
import { sineSignal } from './sim-signals.js';

export interface TestCallTerminatorOptions {
  card: Card;
  pri: PriSpan;
  /** Card channel number of B-channel 1. */
  firstChannel: number;
  /** Answer calls after this many ms of ALERTING; null: leave them ringing until answer(). */
  answerAfterMs: number | null;
}

export interface TestCallTerminatorEvents {
  incoming: [call: PriCall];
  /** A test call placed, before its SETUP goes out. */
  outgoing: [call: PriCall];
  /** A DTMF digit the card's DSP detected on a call's B-channel. */
  digit: [call: PriCall, digit: string];
  said: [line: string];
}

const FRAME = 160;
const TEST_TONE = sineSignal(1004, 1000, -16);

export class TestCallTerminator extends EventEmitter<TestCallTerminatorEvents> {
  readonly #players = new Map<PriCall, NodeJS.Timeout>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #calls = new Set<PriCall>();

  constructor(private readonly options: TestCallTerminatorOptions) {
    super();
    options.pri.on('incoming', (leg) => this.#incoming(leg as PriCall));
  }

  get calls(): PriCall[] {
    return [...this.#calls];
  }

  /** Places a test call from the gateway's span; null when no B-channel is free. */
  call(calling: PartyNumber, called: PartyNumber): PriCall | null {
    const call = this.options.pri.originate(calling, called);
    if (!call) return null;
    this.#track(call);
    call.on('answered', () => this.#play(call));
    this.emit('outgoing', call);
    call.setup();
    return call;
  }

  answer(call: PriCall): void {
    if (call.isReleased) return;
    call.answer();
    this.#play(call);
  }

  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    for (const t of this.#players.values()) clearInterval(t);
    this.#players.clear();
  }

  #track(call: PriCall): void {
    this.#calls.add(call);
    const channel = this.options.card.channel(this.options.firstChannel + call.channel - 1);
    const onDsp = (e: { kind: string; digit?: string }): void => {
      if (e.kind === 'dtmf' && e.digit) this.emit('digit', call, e.digit);
    };
    channel.on('dsp', onDsp);
    call.on('released', () => {
      this.#calls.delete(call);
      channel.off('dsp', onDsp);
      const t = this.#players.get(call);
      if (t) clearInterval(t);
      this.#players.delete(call);
    });
  }

  #incoming(call: PriCall): void {
    this.#track(call);
    call.alert();
    this.emit('incoming', call);
    const after = this.options.answerAfterMs;
    if (after === null) return;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      this.answer(call);
    }, after);
    this.#timers.add(t);
  }

  /** 20 ms frames of the test tone into the B-channel, paced by a timer (the card queues a few frames). */
  #play(call: PriCall): void {
    if (this.#players.has(call)) return;
    const channel = this.options.card.channel(this.options.firstChannel + call.channel - 1);
    let pos = 0;
    this.#players.set(
      call,
      setInterval(() => {
        if (channel.closed) return;
        const out = new Int16Array(FRAME);
        for (let i = 0; i < FRAME; i++) out[i] = TEST_TONE[(pos + i) % TEST_TONE.length]!;
        pos = (pos + FRAME) % TEST_TONE.length;
        channel.writeAudio(out);
      }, 20),
    );
  }
}
