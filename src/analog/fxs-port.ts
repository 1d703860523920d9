// An FXS port: we face a phone. We feed it dial tone and collect its digits
// (an incoming leg, from the gateway's view), or ring it with caller ID (an
// outgoing leg), play call-progress tones and watch its hook.
import { EventEmitter } from 'node:events';
import type { Channel, ChannelEvent } from '../hw/channel.js';
import { encodeCallerId, type CallerId, type DspEvent } from '../hw/dsp.js';
import type { DialState } from '../call/pstn-leg.js';
import type { PartyNumber, PstnLine, PstnLineEvents } from '../call/pstn-leg.js';
import { Cause, type Q850Cause } from '../call/q850.js';
import { AnalogLeg, silentLog, type AnalogLog } from './analog-leg.js';
import { dspCallerIdStandard } from './zone-dsp.js';
import { toneZone, type CallerIdStandard, type ToneZone } from './tone-zones.js';

export interface FxsPortOptions {
  name: string;
  channel: Channel;
  zone: ToneZone | string;
  /** Caller ID sent to the phone; default the zone's. The channel's callerIdTx must match its modem. */
  callerId?: CallerIdStandard | 'none';
  /** Single Data Message Format (Bell 202 only, number and date only) instead of MDMF. */
  sdmf?: boolean;
  /** Ring cadence on/off ms; default the zone's. */
  ringCadence?: readonly number[];
  /** The calling number of calls made from this phone (the extension's own number). */
  number?: string;
  /** The calling name of calls made from this phone (SIP display name). */
  callerName?: string;
  /** Asked after every digit: whether the digits so far make a number. Without it every number completes on the inter-digit timeout. */
  dialState?: (digits: string) => DialState;
  /** No first digit after dial tone: ms; default 10000. */
  firstDigitMs?: number;
  /** Pause after a digit that ends the number, ms; default 4000. */
  interDigitMs?: number;
  /** Ringing without answer: ms; default 60000. */
  noAnswerMs?: number;
  /** Reverse loop polarity towards the phone on answer (answer supervision for payphones and PBXs). */
  reverseOnAnswer?: boolean;
  /** Date and time for caller ID; default now. */
  clock?: () => Date;
  log?: AnalogLog;
}

type PortState = 'idle' | 'collecting' | 'call' | 'tone' | 'ringing';

export class FxsLeg extends AnalogLeg {
  state: 'idle' | 'ringing' | 'dialed' | 'answered' = 'idle';
  /** Called on a hook flash from the phone during the call (register recall: transfer, call waiting). */
  onFlash: (() => void) | undefined;

  constructor(
    private readonly port: FxsPort,
    direction: 'incoming' | 'outgoing',
    calling: PartyNumber,
    called: PartyNumber,
    channel: Channel,
    log: AnalogLog,
  ) {
    super(direction, { kind: 'fxs', line: port.name, channel: 1 }, calling, called, channel, log);
    if (direction === 'incoming') this.state = 'dialed';
  }

  /** Rings the phone with caller ID. */
  setup(): void {
    if (this.direction !== 'outgoing' || this.state !== 'idle' || this.released) return;
    this.state = 'ringing';
    this.emit('proceeding');
    this.port.ringPhone(this);
    this.after(this.port.noAnswerMs, () => this.port.legEnded(this, Cause.NO_ANSWER, `no answer within ${this.port.noAnswerMs} ms`));
  }

  /**
   * Ringback to the phone that dialled. With inbandAudio the call brings the
   * audio (the far end's early media, or the call's own ringback): a tone of
   * ours would be mixed over it (RFC 3398 §8.2.1: the early media replaces ringback).
   */
  alert(inbandAudio = false): void {
    if (this.direction !== 'incoming' || this.state !== 'dialed' || this.released) return;
    if (!inbandAudio) this.port.tone('ringback');
  }

  answer(): void {
    if (this.direction !== 'incoming' || this.state !== 'dialed' || this.released) return;
    this.state = 'answered';
    this.port.tone(null);
    if (this.port.reverseOnAnswer) this.port.polarity(true);
    this.emit('answered');
  }

  release(cause: Q850Cause): void {
    this.port.legEnded(this, cause, 'released by the call', true);
  }

  /** DTMF towards the phone. */
  sendDigits(digits: string): void {
    if (this.released || this.state !== 'answered') return;
    this.channel.sendDigits(digits);
  }

  /** @internal */
  finishLeg(cause: Q850Cause, why: string): boolean {
    return this.finish(cause, why);
  }

  /** @internal */
  phoneAnswered(): void {
    if (this.state !== 'ringing') return;
    this.state = 'answered';
    this.emit('answered');
  }

  /** @internal */
  phoneSignal(e: DspEvent | ChannelEvent): void {
    if (this.state !== 'answered') return;
    if (e.kind === 'dtmf' || e.kind === 'pulseDigit') this.emit('digit', e.digit as never);
    else if (e.kind === 'winkFlash') this.onFlash?.();
  }

  /** @internal */
  schedule(ms: number, fn: () => void): NodeJS.Timeout {
    return this.after(ms, fn);
  }
}

export class FxsPort extends EventEmitter<PstnLineEvents> implements PstnLine {
  readonly name: string;
  readonly zone: ToneZone;
  readonly channel: Channel;
  readonly log: AnalogLog;
  readonly callerIdStandard: CallerIdStandard | 'none';
  readonly ringCadence: readonly number[];
  readonly noAnswerMs: number;
  readonly reverseOnAnswer: boolean;
  #state: PortState = 'idle';
  #offhook = false;
  #digits = '';
  #digitTimer: NodeJS.Timeout | undefined;
  #leg: FxsLeg | undefined;
  #reversed = false;
  #blocked = false;
  readonly #onEvent = (e: ChannelEvent): void => this.onEvent(e);
  readonly #onDsp = (e: DspEvent): void => this.onDsp(e);

  constructor(private readonly options: FxsPortOptions) {
    super();
    this.name = options.name;
    this.zone = typeof options.zone === 'string' ? toneZone(options.zone) : options.zone;
    this.channel = options.channel;
    this.log = options.log ?? silentLog;
    this.callerIdStandard = options.callerId ?? this.zone.callerId;
    this.ringCadence = options.ringCadence ?? this.zone.ringCadence;
    this.noAnswerMs = options.noAnswerMs ?? 60000;
    this.reverseOnAnswer = options.reverseOnAnswer ?? false;
    this.channel.on('event', this.#onEvent);
    this.channel.on('dsp', this.#onDsp);
    this.channel.once('close', () => this.close());
  }

  /** The extension's own number, if configured. */
  get number(): string | undefined {
    return this.options.number;
  }

  /** What the port is doing: idle, collecting digits, in a call, playing a tone to a phone left off hook, ringing. */
  get state(): PortState {
    return this.#state;
  }

  /** The phone's hook as the operator sees it; ringing while we ring an on-hook phone. */
  get hookState(): 'on-hook' | 'off-hook' | 'ringing' {
    return this.#offhook ? 'off-hook' : this.#state === 'ringing' ? 'ringing' : 'on-hook';
  }

  freeChannels(): number {
    return this.#state === 'idle' && !this.#offhook && !this.#blocked && !this.channel.closed ? 1 : 0;
  }

  /** Taken out of service by the operator: the phone is not rung, and off hook it gets congestion tone, not dial tone. */
  get blocked(): boolean {
    return this.#blocked;
  }

  /** Out of service; a call in progress goes on to its end, a phone collecting digits gets congestion tone. */
  block(): void {
    if (this.#blocked) return;
    this.#blocked = true;
    this.log.info({ port: this.name }, 'blocked');
    if (this.#state === 'collecting') {
      clearTimeout(this.#digitTimer);
      this.giveUp('the port was blocked');
    }
  }

  unblock(): void {
    if (!this.#blocked) return;
    this.#blocked = false;
    this.log.info({ port: this.name }, 'unblocked');
  }

  originate(calling: PartyNumber, called: PartyNumber): FxsLeg | null {
    if (this.freeChannels() === 0) return null;
    const leg = new FxsLeg(this, 'outgoing', calling, called, this.channel, this.log);
    this.#leg = leg;
    this.#state = 'ringing';
    return leg;
  }

  close(): void {
    if (this.#leg) this.legEnded(this.#leg, Cause.TEMPORARY_FAILURE, 'port closed', true);
    clearTimeout(this.#digitTimer);
    this.channel.off('event', this.#onEvent);
    this.channel.off('dsp', this.#onDsp);
  }

  /** @internal Plays a zone tone to the phone, or stops it. */
  tone(name: 'dial' | 'ringback' | 'busy' | 'congestion' | null): void {
    try {
      if (name) this.channel.playTone(name);
      else this.channel.stopTone();
    } catch (err) {
      this.log.warn({ port: this.name, tone: name, err: String(err) }, 'tone refused');
    }
  }

  /** @internal */
  polarity(reversed: boolean): void {
    if (this.#reversed === reversed) return;
    this.#reversed = reversed;
    try {
      this.channel.setPolarity(reversed);
    } catch (err) {
      this.log.warn({ port: this.name, err: String(err) }, 'polarity reversal refused');
    }
  }

  private hook(op: 'ring' | 'ringoff'): void {
    try {
      this.channel.hook(op);
    } catch (err) {
      this.log.warn({ port: this.name, op, err: String(err) }, 'ringer operation refused');
    }
  }

  /** Caller ID message fields for a leg (date as MMDDHHMM, GR-30-CORE §5.3 / EN 300 659-3 §5.4.1). */
  private callerIdOf(leg: FxsLeg): CallerId {
    const d = (this.options.clock ?? (() => new Date()))();
    const two = (n: number): string => String(n).padStart(2, '0');
    const c = leg.calling;
    const cid: CallerId = { dateTime: `${two(d.getMonth() + 1)}${two(d.getDate())}${two(d.getHours())}${two(d.getMinutes())}` };
    if (c.presentation === 'restricted') cid.numberAbsence = 'P';
    else if (!c.digits) cid.numberAbsence = 'O';
    else cid.number = c.digits;
    if (this.options.sdmf && this.callerIdStandard === 'bell202') cid.mdmf = false;
    else if (c.presentation === 'restricted') cid.nameAbsence = 'P';
    else if (c.name) cid.name = c.name;
    else cid.nameAbsence = 'O';
    return cid;
  }

  /** ms the caller ID takes on the line (FSK: seizure, marks and 10 bits an octet at 1200 bit/s; DTMF: per digit). */
  private callerIdMs(cid: CallerId): number {
    const std = dspCallerIdStandard(this.callerIdStandard);
    if (std === 'none') return 0;
    const bytes = encodeCallerId(std, cid).length;
    if (std === 'etsi-dtmf') {
      const cfg = this.channel.dspConfig;
      return bytes * ((cfg?.dtmfTxOnMs ?? 100) + (cfg?.dtmfTxOffMs ?? 100)) + 100;
    }
    return Math.ceil(((300 + 180 + (bytes + 3) * 10) / 1200) * 1000) + 60;
  }

  /** @internal Rings the phone in the cadence, with caller ID where the zone sends it. */
  ringPhone(leg: FxsLeg): void {
    const cadence = this.ringCadence;
    const std = this.callerIdStandard;
    const cid = std === 'none' ? undefined : this.callerIdOf(leg);
    let step = 0;
    const next = (): void => {
      if (leg.state !== 'ringing') return;
      const i = step % cadence.length;
      const ms = cadence[i]!;
      if (i % 2 === 0) {
        this.hook('ring');
        if (step === 0) leg.emit('alerting');
      } else {
        this.hook('ringoff');
        // GR-30-CORE §3 (and EN 300 659-1 §6.2 for V.23 after ringing): the burst
        // starts 500 ms after the first ring and must end 200 ms before the next.
        if (cid && step === 1 && (std === 'bell202' || std === 'v23-after-ring')) leg.schedule(500, () => this.sendCallerId(cid));
      }
      step++;
      leg.schedule(ms, next);
    };
    if (cid && (std === 'v23-etsi' || std === 'v23-bt' || std === 'dtmf')) {
      // Before ringing: EN 300 659-1 §6.1.2 and BT SIN 227 §3.2 start with a line
      // reversal, then the DT-AS; the FSK follows; ringing comes after it.
      // DTMF caller ID (ETSI TS 101 315 style) goes before the first ring too.
      const fsk = std !== 'dtmf';
      if (fsk) this.polarity(true);
      const dtas = fsk ? 100 : 0;
      leg.schedule(dtas, () => {
        if (fsk) this.writeDtas();
        leg.schedule(fsk ? 250 : 0, () => {
          this.sendCallerId(cid);
          leg.schedule(this.callerIdMs(cid) + 200, () => {
            if (fsk) this.polarity(false);
            next();
          });
        });
      });
    } else next();
  }

  private sendCallerId(cid: CallerId): void {
    try {
      this.channel.sendCallerId(cid);
    } catch (err) {
      this.log.warn({ port: this.name, err: String(err) }, 'caller ID not sent');
    }
  }

  /** DT-AS: 2130 + 2750 Hz for 100 ms (EN 300 659-1 §5.2). */
  private writeDtas(): void {
    const a = 32767 * 10 ** ((-15 - 3.14) / 20);
    const samples = new Int16Array(800);
    for (let i = 0; i < samples.length; i++) samples[i] = Math.round(a * (Math.sin((2 * Math.PI * 2130 * i) / 8000) + Math.sin((2 * Math.PI * 2750 * i) / 8000)));
    try {
      for (let at = 0; at < samples.length; at += 160) this.channel.writeAudio(samples.subarray(at, at + 160));
    } catch (err) {
      this.log.warn({ port: this.name, err: String(err) }, 'DT-AS not sent');
    }
  }

  /** @internal Ends a leg; the port plays busy or congestion while the phone stays off hook. */
  legEnded(leg: FxsLeg, cause: Q850Cause, why: string, byUs = false): void {
    if (leg.released) return;
    if (leg.state === 'ringing') this.hook('ringoff');
    leg.finishLeg(cause, why);
    if (this.#leg === leg) this.#leg = undefined;
    this.polarity(false);
    if (this.#offhook) {
      this.#state = 'tone';
      if (byUs) this.tone(cause === Cause.USER_BUSY ? 'busy' : 'congestion');
    } else {
      this.#state = 'idle';
      this.tone(null);
    }
  }

  private onEvent(e: ChannelEvent): void {
    if (e.kind === 'ringOffhook') {
      // The phone went off hook (DAHDI reports it as RINGOFFHOOK on an FXO-signalled channel).
      this.#offhook = true;
      const leg = this.#leg;
      if (leg && leg.state === 'ringing') {
        this.hook('ringoff');
        this.polarity(false);
        this.#state = 'call';
        leg.phoneAnswered();
        return;
      }
      if (this.#state === 'idle' && this.#blocked) this.giveUp('the port is blocked: congestion tone, no dial tone');
      else if (this.#state === 'idle') this.startCollecting();
      return;
    }
    if (e.kind === 'onhook') {
      this.#offhook = false;
      clearTimeout(this.#digitTimer);
      const leg = this.#leg;
      if (leg) this.legEnded(leg, Cause.NORMAL_CLEARING, 'the phone hung up');
      this.#state = 'idle';
      this.tone(null);
      return;
    }
    if (e.kind === 'pulseDigit' && e.digit) {
      if (this.#state === 'collecting') this.collect(e.digit);
      else this.#leg?.phoneSignal(e);
      return;
    }
    if (e.kind === 'winkFlash') this.#leg?.phoneSignal(e);
  }

  private onDsp(e: DspEvent): void {
    if (e.kind !== 'dtmf') return;
    if (this.#state === 'collecting') this.collect(e.digit);
    else this.#leg?.phoneSignal(e);
  }

  private startCollecting(): void {
    this.#state = 'collecting';
    this.#digits = '';
    this.tone('dial');
    const ms = this.options.firstDigitMs ?? 10000;
    this.#digitTimer = setTimeout(() => this.giveUp(`no digit within ${ms} ms of dial tone`), ms);
  }

  private collect(digit: string): void {
    if (this.#digits === '') this.tone(null); // dial tone stops at the first digit
    this.#digits += digit;
    clearTimeout(this.#digitTimer);
    const state = this.options.dialState?.(this.#digits) ?? 'incomplete';
    if (state === 'complete') return this.place('the dial plan matched');
    if (state === 'never') return this.giveUp(`no route can match ${this.#digits}`);
    const ms = this.options.interDigitMs ?? 4000;
    this.#digitTimer = setTimeout(() => {
      if (state === 'incomplete' && this.options.dialState) this.giveUp(`${this.#digits} is incomplete after ${ms} ms`);
      else this.place(`inter-digit timeout (${ms} ms)`);
    }, ms);
  }

  private giveUp(why: string): void {
    this.log.info({ port: this.name, digits: this.#digits }, `digit collection ended: ${why}`);
    this.#state = 'tone';
    this.tone('congestion');
  }

  private place(why: string): void {
    this.#state = 'call';
    const { number, callerName } = this.options;
    const calling: PartyNumber = { digits: number ?? '', presentation: 'allowed', ...(number && callerName ? { name: callerName } : {}) };
    const leg = new FxsLeg(this, 'incoming', calling, { digits: this.#digits }, this.channel, this.log);
    this.#leg = leg;
    this.log.info({ port: this.name, leg: leg.id, called: this.#digits }, `call from the phone: ${why}`);
    this.emit('incoming', leg);
  }
}
