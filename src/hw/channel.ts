// One channel of a card: a B-channel or time slot, an analog port, or a
// D-channel. Reaches the addon only through its Card (the one boundary).
import { EventEmitter } from 'node:events';
import type { NativeCard, NativeChannelCounters } from './addon.js';
import type { CallerId, DspConfig, DspEvent, DspLevels } from './dsp.js';
import { CardClosedError, CardError, native } from './errors.js';

export type ChannelMode = 'audio' | 'hdlc';

/** DAHDI_HOOK operations: seize/release, wink, hook flash, ring and stop ringing (FXS ports). */
export type HookOperation = 'onhook' | 'offhook' | 'wink' | 'flash' | 'ring' | 'ringoff';

/**
 * Signalling events as DAHDI reports them (dahdi/user.h DAHDI_EVENT_*):
 * ringBegin / ringOffhook (ringing voltage starts / the burst ends, on an
 * FXO port; the far phone goes off hook, on an FXS port), onhook, winkFlash,
 * hookComplete (our wink or flash finished), ringerOn / ringerOff (we ring an
 * FXS port), polarity, alarm / noAlarm, bitsChanged (CAS), dtmfDown / dtmfUp
 * (the card's own detector), hdlcAbort / hdlcBadFcs / hdlcOverrun (D-channel),
 * removed (the card went away), error (the kernel refused the channel; it
 * is no longer polled).
 */
export type ChannelEventKind =
  | 'ringBegin'
  | 'ringOffhook'
  | 'onhook'
  | 'winkFlash'
  | 'hookComplete'
  | 'ringerOn'
  | 'ringerOff'
  | 'polarity'
  | 'alarm'
  | 'noAlarm'
  | 'bitsChanged'
  | 'dtmfDown'
  | 'dtmfUp'
  | 'pulseDigit'
  | 'hdlcAbort'
  | 'hdlcBadFcs'
  | 'hdlcOverrun'
  | 'dialComplete'
  | 'pulseStart'
  | 'ecDisabled'
  | 'readOverrun'
  | 'writeUnderrun'
  | 'removed'
  | 'error';

export interface ChannelEvent {
  kind: ChannelEventKind;
  /** dtmfDown, dtmfUp, pulseDigit: the digit. */
  digit?: string;
  /** bitsChanged: the received ABCD bits. */
  bits?: number;
  message?: string;
}

export interface ChannelEvents {
  event: [ChannelEvent];
  /** A received audio frame (emitted only while someone listens). */
  audio: [Int16Array];
  /** A whole HDLC frame from a D-channel. */
  frame: [Buffer];
  /** DSP results on received audio: DTMF, caller ID, zone tones. */
  dsp: [DspEvent];
  close: [];
}

export type ChannelCounters = NativeChannelCounters;

export interface ChannelInfo {
  number: number;
  span: number;
  mode: ChannelMode;
  blockSize: number;
  dsp?: DspConfig;
}

export class Channel extends EventEmitter<ChannelEvents> {
  #closed = false;
  readonly number: number;
  readonly span: number;
  readonly mode: ChannelMode;
  /** Samples per frame (160 = 20 ms). */
  readonly blockSize: number;
  /** The channel's DSP settings, when its frames run through the DSP. */
  readonly dspConfig: DspConfig | undefined;

  /** @internal Built by Card; `handle` addresses it in the addon. */
  constructor(
    private readonly card: () => NativeCard,
    readonly handle: number,
    info: ChannelInfo,
  ) {
    super();
    this.number = info.number;
    this.span = info.span;
    this.mode = info.mode;
    this.blockSize = info.blockSize;
    this.dspConfig = info.dsp;
  }

  get closed(): boolean {
    return this.#closed;
  }

  private call<T>(what: string, fn: (c: NativeCard) => T): T {
    if (this.#closed) throw new CardClosedError(`channel ${this.number}`);
    return native(`channel ${this.number}: ${what}`, () => fn(this.card()));
  }

  /** Queues whole frames towards the line; beyond the queue's bound the oldest frame is dropped (counted as an overrun). */
  writeAudio(samples: Int16Array): void {
    if (this.mode !== 'audio') throw new CardError(`channel ${this.number} is a D-channel; use writeFrame`, 'EINVAL');
    this.call('write audio', (c) => c.writeAudio(this.handle, samples));
  }

  /** Sends one HDLC frame (address, control, information; the driver adds the FCS). */
  writeFrame(frame: Uint8Array): void {
    if (this.mode !== 'hdlc') throw new CardError(`channel ${this.number} is not a D-channel`, 'EINVAL');
    this.call('write frame', (c) => c.writeFrame(this.handle, frame));
  }

  hook(op: HookOperation): void {
    this.call(`hook ${op}`, (c) => c.hook(this.handle, op));
  }

  /** Received CAS ABCD bits (A = 8, B = 4, C = 2, D = 1). */
  rxBits(): number {
    return this.call('read bits', (c) => c.rxBits(this.handle));
  }

  setTxBits(abcd: number): void {
    this.call('set bits', (c) => c.setTxBits(this.handle, abcd));
  }

  /** Reverses loop polarity on an FXS port (answer supervision towards the phone). */
  setPolarity(reversed: boolean): void {
    this.call('set polarity', (c) => c.setPolarity(this.handle, reversed));
  }

  /** Sends DTMF digits (0-9 * # A-D) into the outgoing audio. */
  sendDigits(digits: string): void {
    this.call('send digits', (c) => c.sendDigits(this.handle, digits));
  }

  /** Plays a tone of the channel's tone zone (dial, ringback, busy, ...) until stopTone or another tone. */
  playTone(name: string): void {
    this.call(`play tone ${name}`, (c) => c.playTone(this.handle, name));
  }

  stopTone(): void {
    this.call('stop tone', (c) => c.stopTone(this.handle));
  }

  /** Sends a caller ID message in the channel's callerIdTx standard. */
  sendCallerId(callerId: CallerId): void {
    this.call('send caller ID', (c) => c.sendCallerId(this.handle, callerId));
  }

  /** Power meter (dBm0) of each direction and the echo canceller's ERLE, as of the last tick. */
  levels(): DspLevels {
    return this.call('read levels', (c) => c.levels(this.handle));
  }

  counters(): ChannelCounters {
    return this.call('read counters', (c) => c.counters(this.handle));
  }

  /** @internal Card delivers this channel's part of a tick. */
  deliver(event: ChannelEvent): void {
    if (!this.#closed) this.emit('event', event);
  }

  /** @internal */
  deliverDsp(event: DspEvent): void {
    if (!this.#closed) this.emit('dsp', event);
  }

  /** Stops delivering events; the kernel channel closes with its card. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close');
    this.removeAllListeners();
  }
}
