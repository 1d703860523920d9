// What FXO and FXS legs share: identity, the one-way 'released' rule, timers
// that die with the leg, and the channel's audio as an AudioPath.
import { EventEmitter } from 'node:events';
import type { Channel } from '../hw/channel.js';
import type { AudioFrame, AudioPath } from '../media/frame.js';
import type { LineAddress, PartyNumber, PstnLeg, PstnLegEvents } from '../call/pstn-leg.js';
import { type Q850Cause } from '../call/q850.js';
import { decodeG711, l16Frame } from '../hw/g711.js';

/** The log an analog port writes to (a pino Logger fits). */
export interface AnalogLog {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
}

export const silentLog: AnalogLog = { info: () => undefined, warn: () => undefined };

let nextId = 1;

/** The channel's audio, 20 ms frames of 16-bit linear, as an AudioPath. */
export class ChannelAudio implements AudioPath {
  #listener: ((samples: Int16Array) => void) | undefined;

  constructor(
    private readonly channel: Channel,
    private readonly log: AnalogLog,
  ) {}

  onFrame(receiver: ((frame: AudioFrame) => void) | null): void {
    if (this.#listener) this.channel.off('audio', this.#listener);
    this.#listener = undefined;
    if (!receiver || this.channel.closed) return;
    this.#listener = (samples) => receiver(l16Frame(samples));
    this.channel.on('audio', this.#listener);
  }

  write(frame: AudioFrame): void {
    if (this.channel.closed) return;
    const samples = decodeG711(frame);
    if (!samples) {
      this.log.warn({ channel: this.channel.number, encoding: frame.encoding, bytes: frame.data.length }, 'audio frame dropped: bad length for its encoding');
      return;
    }
    this.channel.writeAudio(samples);
  }

  detach(): void {
    this.onFrame(null);
  }
}

export abstract class AnalogLeg extends EventEmitter<PstnLegEvents> implements PstnLeg {
  readonly id: string;
  readonly audio: ChannelAudio;
  #released = false;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly direction: 'incoming' | 'outgoing',
    readonly address: LineAddress,
    public calling: PartyNumber,
    public called: PartyNumber,
    protected readonly channel: Channel,
    protected readonly log: AnalogLog,
  ) {
    super();
    this.id = `${address.kind}-${address.line}-${nextId++}`;
    this.audio = new ChannelAudio(channel, log);
  }

  get released(): boolean {
    return this.#released;
  }

  /** A timer cleared when the leg is released. */
  protected after(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!this.#released) fn();
    }, ms);
    this.#timers.add(t);
    return t;
  }

  protected every(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setInterval(() => {
      if (!this.#released) fn();
    }, ms);
    this.#timers.add(t);
    return t;
  }

  protected cancel(t: NodeJS.Timeout | undefined): void {
    if (!t) return;
    clearTimeout(t);
    this.#timers.delete(t);
  }

  /** Marks the leg released, stops its timers and raises 'released' once. */
  protected finish(cause: Q850Cause, why: string, fields: object = {}): boolean {
    if (this.#released) return false;
    this.#released = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.audio.detach();
    this.log.info({ leg: this.id, channel: this.channel.number, cause, ...fields }, `released: ${why}`);
    this.emit('released', cause);
    return true;
  }

  abstract setup(): void;
  abstract alert(inbandAudio?: boolean): void;
  abstract answer(): void;
  abstract release(cause: Q850Cause): void;
  abstract sendDigits(digits: string): void;
}
