// The emulated card's far end: what a central office, a phone or a PRI
// switch does to the line (src/sim/ plays those parts through this class).
// A Card opened on it runs the DAHDI backend code unchanged.
import { EventEmitter } from 'node:events';
import { addon, type NativeFarEvent, type NativeSimCard, type NativeSimChannelState, type NativeSimChannelStats, type NativeSimSpan } from './addon.js';
import { CardClosedError, native } from './errors.js';
import { alarmBits, type SpanAlarm } from './span.js';

export type SimSpanSpec = NativeSimSpan;

/** What the card did on a channel, as the far end sees it. */
export type FarEvent =
  | { channel: number; kind: 'hook'; offhook: boolean }
  | { channel: number; kind: 'ring'; on: boolean }
  | { channel: number; kind: 'flash' }
  | { channel: number; kind: 'wink' }
  | { channel: number; kind: 'polarity'; reversed: boolean }
  | { channel: number; kind: 'bits'; bits: number }
  | { channel: number; kind: 'frame'; frame: Buffer };

export interface SimCardEvents {
  far: [FarEvent];
}

function toFarEvent(e: NativeFarEvent): FarEvent {
  switch (e.kind) {
    case 'hook': return { channel: e.channel, kind: 'hook', offhook: e.value === 1 };
    case 'ring': return { channel: e.channel, kind: 'ring', on: e.value === 1 };
    case 'polarity': return { channel: e.channel, kind: 'polarity', reversed: e.value === 1 };
    case 'bits': return { channel: e.channel, kind: 'bits', bits: e.value };
    case 'frame': return { channel: e.channel, kind: 'frame', frame: e.data ?? Buffer.alloc(0) };
    default: return { channel: e.channel, kind: e.kind };
  }
}

export class SimCard extends EventEmitter<SimCardEvents> {
  #native: NativeSimCard | undefined;

  /** T1 spans have 24 channels (D-channel on 24), E1 31 time slots (D-channel on 16), analog spans one channel per port. */
  constructor(readonly spanSpecs: readonly SimSpanSpec[]) {
    super();
    this.#native = native('emulated card', () => new (addon().SimCard)([...spanSpecs], () => this.drain()));
  }

  /** @internal For Card.open only. */
  nativeCard(): NativeSimCard {
    return this.n('open');
  }

  private n(what: string): NativeSimCard {
    if (!this.#native) throw new CardClosedError(`emulated card (${what})`);
    return this.#native;
  }

  private call<T>(what: string, fn: (n: NativeSimCard) => T): T {
    const n = this.n(what);
    return native(`emulated card: ${what}`, () => fn(n));
  }

  /** Emits what the card did since the last call; also runs on its own when the card acts. */
  drain(): FarEvent[] {
    if (!this.#native) return [];
    const events = this.#native.takeEvents().map(toFarEvent);
    for (const e of events) this.emit('far', e);
    return events;
  }

  get channelCount(): number {
    return this.n('channel count').channelCount();
  }

  /** Central office: ringing voltage on an FXO port on (true) or off at the end of the burst. */
  ring(channel: number, on: boolean): void {
    this.call(`ring channel ${channel}`, (n) => n.ring(channel, on));
  }

  /** Phone on an FXS port (or far E&M end of a CAS channel) lifts the handset. */
  offhook(channel: number): void {
    this.call(`off-hook on channel ${channel}`, (n) => n.setFarHook(channel, true));
  }

  onhook(channel: number): void {
    this.call(`on-hook on channel ${channel}`, (n) => n.setFarHook(channel, false));
  }

  /** Phone on an FXS port flashes the hook. */
  hookFlash(channel: number): void {
    this.call(`hook flash on channel ${channel}`, (n) => n.flash(channel));
  }

  /** Far CAS end winks (E&M wink start). */
  wink(channel: number): void {
    this.call(`wink on channel ${channel}`, (n) => n.wink(channel));
  }

  /** Central office reverses loop polarity on an FXO port (answer or disconnect supervision). */
  reversePolarity(channel: number, reversed: boolean): void {
    this.call(`polarity on channel ${channel}`, (n) => n.setPolarity(channel, reversed));
  }

  /** Central office drops loop current (disconnect supervision) or restores it. */
  setLoopCurrent(channel: number, present: boolean): void {
    this.call(`loop current on channel ${channel}`, (n) => n.setBattery(channel, present));
  }

  /** Far CAS end sets its ABCD bits (A = 8, B = 4, C = 2, D = 1). */
  setBits(channel: number, abcd: number): void {
    this.call(`CAS bits on channel ${channel}`, (n) => n.setRxBits(channel, abcd));
  }

  /** Raises span alarms (an empty list clears them). */
  setAlarms(span: number, alarms: readonly SpanAlarm[]): void {
    this.call(`alarms on span ${span}`, (n) => n.setAlarms(span, alarmBits(alarms)));
  }

  addLineErrors(span: number, errors: { bpv?: number; crc4?: number; ebit?: number; fas?: number }): void {
    this.call(`line errors on span ${span}`, (n) => n.addLineErrors(span, errors.bpv ?? 0, errors.crc4 ?? 0, errors.ebit ?? 0, errors.fas ?? 0));
  }

  /** Audio towards the card (caller ID, dial tone, speech). With loop it repeats until replaced; an empty loop stops it. */
  sendAudio(channel: number, samples: Int16Array, options: { loop?: boolean } = {}): void {
    this.call(`audio to channel ${channel}`, (n) => n.writeAudio(channel, samples, options.loop ?? false));
  }

  /** Hybrid echo on the line: the card hears what it sends, delayMs later and lossDb quieter; `null` removes it. */
  setEcho(channel: number, echo: { lossDb: number; delayMs: number } | null): void {
    this.call(`echo on channel ${channel}`, (n) => n.setEcho(channel, echo ? echo.lossDb : -1, echo ? echo.delayMs : 0));
  }

  /** Audio the card sent on a channel, oldest first (the far end keeps the last second). */
  receiveAudio(channel: number, maxSamples = 8000): Int16Array {
    return this.call(`audio from channel ${channel}`, (n) => n.readAudio(channel, maxSamples));
  }

  /** Switch: one whole D-channel frame to the card. */
  sendFrame(channel: number, frame: Uint8Array): void {
    this.call(`frame to channel ${channel}`, (n) => n.writeFrame(channel, frame));
  }

  /** Switch: a damaged frame (bad FCS) or an aborted one. */
  sendBadFrame(channel: number, what: 'badFcs' | 'abort'): void {
    this.call(`bad frame to channel ${channel}`, (n) => n.frameError(channel, what));
  }

  /** A DTMF digit seen by the card's hardware detector; false when the channel has not asked for it. */
  hardwareDtmf(channel: number, digit: string): boolean {
    return this.call(`hardware DTMF on channel ${channel}`, (n) => n.hardwareDtmf(channel, digit));
  }

  /** Phone on an FXS port dials one digit by loop disconnect (the card reports the counted digit). */
  pulseDigit(channel: number, digit: string): void {
    this.call(`pulse digit on channel ${channel}`, (n) => n.pulseDigit(channel, digit));
  }

  state(channel: number): NativeSimChannelState {
    return this.call(`state of channel ${channel}`, (n) => n.state(channel));
  }

  /** blocksLost counts frames the card had to drop because its reader came too late. */
  stats(channel: number): NativeSimChannelStats {
    return this.call(`stats of channel ${channel}`, (n) => n.stats(channel));
  }

  /** Stops far-end notifications; cards opened on it keep running until they close. */
  close(): void {
    const n = this.#native;
    if (!n) return;
    this.#native = undefined;
    n.close();
    this.removeAllListeners();
  }
}
