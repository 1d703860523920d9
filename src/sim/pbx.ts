// A legacy PBX on the user side of a PRI span of the emulated card: our own
// Q.921/Q.931 stack (src/isdn/) in the user role over the card's far-end
// D-channel. It places calls to the gateway with a calling number, answers
// calls from it, and puts audio (tones, DTMF, a WAV file) on the B-channels.
import { EventEmitter, once } from 'node:events';
import type { PartyNumber } from '../call/pstn-leg.js';
import { Cause, type Q850Cause } from '../call/q850.js';
import type { SimCard } from '../hw/sim-card.js';
import type { PriCall } from '../isdn/pri-call.js';
import { PriSpan, type PriSpanOptions } from '../isdn/pri-span.js';
import { SimFramePipe } from '../isdn/channel-frame-pipe.js';
import { dtmfSignal, sineSignal } from './sim-signals.js';

export interface SimPbxOptions {
  sim: SimCard;
  /** Card channel number of the span's first B-channel (1 on the first span). */
  firstChannel: number;
  /** Card channel number of the D-channel (24 on the first T1 span). */
  dchannel: number;
  name?: string;
  span?: Partial<Omit<PriSpanOptions, 'side' | 'name'>>;
  /** Answer calls from the gateway after this many ms of ringing; null: only answer(). */
  answerAfterMs?: number | null;
}

export interface SimPbxEvents {
  /** A call from the gateway reached the PBX. */
  incoming: [call: PriCall];
  /** One line per thing the PBX did, for the demo's output. */
  said: [line: string];
}

/** What the PBX's phones put on an answered call: a 440 Hz tone at -18 dBm0, repeating. */
const TALK = sineSignal(440, 1000, -18);
const SILENCE = new Int16Array(0);

export class SimPbx extends EventEmitter<SimPbxEvents> {
  readonly span: PriSpan;
  readonly #pipe: SimFramePipe;
  readonly #calls = new Set<PriCall>();
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: SimPbxOptions) {
    super();
    this.#pipe = new SimFramePipe(options.sim, options.dchannel);
    this.span = new PriSpan(this.#pipe, {
      name: options.name ?? 'pbx',
      side: 'user',
      switchVariant: 'national',
      type: 't1',
      // The gateway (network side) restarts the interface at link-up; the PBX does not repeat it.
      restartAtLinkUp: 'none',
      ...options.span,
    });
    this.span.on('incoming', (leg) => this.#incoming(leg as PriCall));
  }

  /** Brings the D-channel up; resolves once Q.921 multiple frame operation is established. */
  async start(timeoutMs = 10_000): Promise<void> {
    const up = once(this.span.signalling, 'up', { signal: AbortSignal.timeout(timeoutMs) });
    this.span.start();
    await up.catch(() => {
      throw new Error(`PBX: the D-channel did not come up within ${timeoutMs} ms (is the gateway's span running?)`);
    });
  }

  /** Calls in progress at the PBX. */
  get calls(): PriCall[] {
    return [...this.#calls];
  }

  /** Card channel number of a B-channel of the span. */
  cardChannel(bchannel: number): number {
    return this.options.firstChannel + bchannel - 1;
  }

  /** Places a call to the gateway; null when no B-channel is free or the D-channel is down. */
  call(calling: PartyNumber, called: PartyNumber): PriCall | null {
    const call = this.span.originate(calling, called);
    if (!call) return null;
    this.#track(call);
    call.on('answered', () => this.#talk(call));
    call.setup();
    this.emit('said', `PBX calls ${called.digits} from ${calling.digits}${calling.name ? ` (${calling.name})` : ''} on B-channel ${call.channel}`);
    return call;
  }

  /** Answers a call from the gateway that is ringing at the PBX. */
  answer(call: PriCall): void {
    call.answer();
    this.#talk(call);
    this.emit('said', `PBX answers the call to ${call.called.digits} on B-channel ${call.channel}`);
  }

  /** Sends DTMF in-band on the call's B-channel. */
  sendDigits(call: PriCall, digits: string): void {
    this.play(call, dtmfSignal(digits, 100, 100), { thenTalk: true });
    this.emit('said', `PBX sends DTMF ${digits} on B-channel ${call.channel}`);
  }

  /** Plays samples into the call's B-channel, replacing what plays now; thenTalk: the talk tone again after them. */
  play(call: PriCall, samples: Int16Array, options: { loop?: boolean; thenTalk?: boolean } = {}): void {
    this.options.sim.sendAudio(this.cardChannel(call.channel), samples, { loop: options.loop ?? false });
    if (!options.thenTalk) return;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!call.isReleased) this.#talk(call);
    }, (samples.length / 8000) * 1000 + 100);
    this.#timers.add(t);
  }

  hangup(call: PriCall, cause: Q850Cause = Cause.NORMAL_CLEARING): void {
    this.emit('said', `PBX hangs up B-channel ${call.channel} (cause ${cause})`);
    call.release(cause);
  }

  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.span.close();
  }

  #track(call: PriCall): void {
    this.#calls.add(call);
    call.on('released', (cause) => {
      this.#calls.delete(call);
      try {
        this.play(call, SILENCE, { loop: true });
      } catch {
        // the card is closing
      }
      this.emit('said', `PBX: B-channel ${call.channel} released (cause ${cause})`);
    });
  }

  #talk(call: PriCall): void {
    try {
      this.play(call, TALK, { loop: true });
    } catch {
      // the card is closing
    }
  }

  #incoming(call: PriCall): void {
    this.#track(call);
    call.alert();
    this.emit('said', `PBX: call from ${call.calling.digits || 'unknown'} to ${call.called.digits} rings on B-channel ${call.channel}`);
    this.emit('incoming', call);
    const after = this.options.answerAfterMs;
    if (after === null || after === undefined) return;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!call.isReleased) this.answer(call);
    }, after);
    this.#timers.add(t);
  }
}
