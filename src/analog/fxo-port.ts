// An FXO port: we face the central office on a loop-start line, as a phone
// would. Incoming calls are rings (with caller ID); outgoing calls seize the
// loop, wait for dial tone and dial; supervision comes from loop current,
// polarity and call-progress tones.
import { EventEmitter } from 'node:events';
import type { Channel, ChannelEvent } from '../hw/channel.js';
import type { DspEvent, ReceivedCallerId } from '../hw/dsp.js';
import type { PartyNumber, PstnLine, PstnLineEvents } from '../call/pstn-leg.js';
import { Cause, type Q850Cause } from '../call/q850.js';
import { AnalogLeg, silentLog, type AnalogLog } from './analog-leg.js';
import { toneZone, type CallerIdStandard, type ToneZone } from './tone-zones.js';

export type DisconnectSupervision = 'loopCurrent' | 'polarity' | 'tone' | 'dialTone';

export interface FxoPortOptions {
  name: string;
  channel: Channel;
  /** Tone zone (code or table entry): ring cadence, tones, caller ID standard. */
  zone: ToneZone | string;
  /** Overrides the zone's caller ID standard; 'none' expects none. */
  callerId?: CallerIdStandard | 'none';
  /** The line is taken off hook for an answer only once this many rings were seen; default 1. */
  answerAfterRings?: number;
  /** Shortest ring burst that counts, ms; default half the zone's shortest ring step. */
  minRingMs?: number;
  /** How long a caller ID after the first ring is waited for before announcing the call anyway, ms; default 6000. */
  callerIdWaitMs?: number;
  /** Outgoing: time allowed for dial tone after the seize, ms; default 3000. */
  dialToneTimeoutMs?: number;
  /** Outgoing: DTMF (ITU-T Q.23/Q.24) or loop-disconnect pulses; default 'dtmf'. */
  dialing?: 'dtmf' | 'pulse';
  /**
   * Outgoing answer supervision: 'polarity' waits for the office's line
   * reversal; 'assume' treats the call as answered answerAssumeMs after dialing.
   */
  answerSupervision?: 'polarity' | 'assume';
  answerAssumeMs?: number;
  /** Outgoing: time allowed for an answer, ms; default 60000. */
  noAnswerMs?: number;
  /** Called number given to incoming calls; default the line's own number. */
  destination?: string;
  /**
   * The line's own directory number (what the office presents as caller ID on
   * our outgoing calls). Not a stand-in calling number for incoming calls
   * without caller ID: those stay anonymous, as the office sent them.
   */
  number?: string;
  /** Which far-end disconnect signals release the call: loop current drop, polarity reversal, busy/congestion tone, dial tone after the call; default the first three. */
  disconnect?: readonly DisconnectSupervision[];
  /** Release an answered call after this long without received energy, ms; 0 turns it off; default 600000. */
  inactivityMs?: number;
  /** Received level (dBm0) above which the line counts as active; default -45. */
  activityThresholdDbm0?: number;
  /**
   * What a blocked line does: 'ignore-rings' stays on hook and lets the office
   * ring unanswered; 'busy-out' holds the loop so the office gives its
   * callers busy and hunts past the line; default 'ignore-rings'.
   */
  whenBlocked?: 'ignore-rings' | 'busy-out';
  log?: AnalogLog;
}

/** ms of one 10 pps loop-disconnect pulse: 60 break, 40 make (ETSI ES 201 187, TIA-968 §4.5.2). */
const PULSE_BREAK_MS = 60;
const PULSE_MAKE_MS = 40;
const PULSE_INTERDIGIT_MS = 700;
/** Caller ID older than this before the first ring belongs to no call. */
const CALLER_ID_MAX_AGE_MS = 10000;

interface RingState {
  bursts: number;
  rings: number;
  burstStart: number;
  lastBurstEnd: number;
  callerId: ReceivedCallerId | undefined;
  callerIdAt: number;
  stopTimer: NodeJS.Timeout | undefined;
  waitTimer: NodeJS.Timeout | undefined;
}

export class FxoLeg extends AnalogLeg {
  /** 'ringing' (incoming, not yet answered), 'seized', 'dialing', 'waiting', 'answered'. */
  state: 'ringing' | 'idle' | 'seized' | 'dialing' | 'waiting' | 'answered' = 'idle';
  #answerPending = false;
  #alerted = false;
  #lastActive = 0;

  constructor(
    private readonly port: FxoPort,
    direction: 'incoming' | 'outgoing',
    calling: PartyNumber,
    called: PartyNumber,
    channel: Channel,
    log: AnalogLog,
  ) {
    super(direction, { kind: 'fxo', line: port.name, channel: 1 }, calling, called, channel, log);
    if (direction === 'incoming') this.state = 'ringing';
  }

  private get o(): FxoSettings {
    return this.port.settings;
  }

  /** Seize the loop, wait for dial tone, dial the called number. */
  setup(): void {
    if (this.direction !== 'outgoing' || this.state !== 'idle' || this.released) return;
    this.hook('offhook');
    this.state = 'seized';
    this.emit('proceeding');
    const timer = this.after(this.o.dialToneTimeoutMs, () =>
      this.fail(Cause.NO_CIRCUIT_AVAILABLE, `no dial tone within ${this.o.dialToneTimeoutMs} ms of seizing the line`),
    );
    this.onDialTone = () => {
      this.cancel(timer);
      this.onDialTone = undefined;
      this.dial(this.called.digits);
    };
  }

  /** @internal */
  onDialTone: (() => void) | undefined;

  private dial(digits: string): void {
    this.state = 'dialing';
    const done = (): void => {
      if (this.state !== 'dialing') return; // answered while the last digits were going out
      this.state = 'waiting';
      this.emit('progress', true);
      if (this.o.answerSupervision === 'assume') this.after(this.o.answerAssumeMs, () => this.answered('answer assumed after dialing (no answer supervision on this line)'));
      this.after(this.o.noAnswerMs, () => {
        if (this.state !== 'answered') this.fail(Cause.NO_ANSWER, `no answer within ${this.o.noAnswerMs} ms`);
      });
    };
    if (this.o.dialing === 'dtmf') {
      // ITU-T Q.23 frequencies, Q.24 timing: the DSP sends each digit on/off at its configured times.
      this.channel.sendDigits(digits);
      const cfg = this.channel.dspConfig;
      const per = (cfg?.dtmfTxOnMs ?? 100) + (cfg?.dtmfTxOffMs ?? 100);
      this.after(digits.length * per + 100, done);
      return;
    }
    // Loop-disconnect dialing: n breaks for digit n (10 for 0), then the interdigit pause.
    let at = 0;
    for (const d of digits) {
      const n = d === '0' ? 10 : Number(d);
      if (!Number.isInteger(n) || n < 1) {
        this.log.warn({ leg: this.id, digit: d }, 'pulse dialing cannot send this digit; skipped');
        continue;
      }
      for (let k = 0; k < n; k++) {
        this.after(at, () => this.hook('onhook'));
        at += PULSE_BREAK_MS;
        this.after(at, () => this.hook('offhook'));
        at += PULSE_MAKE_MS;
      }
      at += PULSE_INTERDIGIT_MS;
    }
    this.after(at, done);
  }

  alert(): void {
    // An FXO port cannot tell the office anything before answering.
  }

  /** Off hook; waits for the configured ring count first. */
  answer(): void {
    if (this.direction !== 'incoming' || this.state !== 'ringing' || this.released) return;
    this.#answerPending = true;
    this.port.tryAnswer();
  }

  /** @internal */
  get answerPending(): boolean {
    return this.#answerPending;
  }

  /** @internal The port saw enough rings. */
  takeOffHook(): void {
    this.#answerPending = false;
    this.hook('offhook');
    this.answered('off hook on the ringing line');
  }

  release(cause: Q850Cause): void {
    if (this.released) return;
    this.hook('onhook');
    this.finish(cause, 'released by the call', { by: 'us' });
    this.port.legGone(this);
  }

  sendDigits(digits: string): void {
    if (this.released || this.state === 'ringing' || this.state === 'idle') return;
    if (this.state === 'seized' || this.state === 'dialing') {
      // Overlap sending: before dial tone the digits wait to go out with the rest.
      this.called = { ...this.called, digits: this.called.digits + digits };
      if (this.state === 'seized' || this.o.dialing === 'pulse') return;
    }
    this.channel.sendDigits(digits);
  }

  /** Hook flash (register recall) towards the office. */
  flash(): void {
    if (this.released || this.state === 'ringing' || this.state === 'idle') return;
    this.hook('flash');
  }

  private hook(op: 'onhook' | 'offhook' | 'flash'): void {
    try {
      this.channel.hook(op);
    } catch (err) {
      this.log.warn({ leg: this.id, op, err: String(err) }, 'hook operation refused');
    }
  }

  private answered(why: string): void {
    if (this.state === 'answered' || this.released) return;
    this.state = 'answered';
    this.log.info({ leg: this.id }, `answered: ${why}`);
    this.emit('answered');
    this.#lastActive = Date.now();
    const limit = this.o.inactivityMs;
    if (limit > 0) {
      const step = Math.max(20, Math.min(250, limit / 8));
      this.every(step, () => {
        let level = -Infinity;
        try {
          level = this.channel.levels().rxDbm0;
        } catch {
          return;
        }
        if (level > this.o.activityThresholdDbm0) this.#lastActive = Date.now();
        else if (Date.now() - this.#lastActive >= limit) {
          this.fail(
            Cause.RECOVERY_ON_TIMER_EXPIRY,
            `inactivity limit: no received energy above ${this.o.activityThresholdDbm0} dBm0 for ${limit} ms and no disconnect signal from the line`,
          );
        }
      });
    }
  }

  private fail(cause: Q850Cause, why: string): void {
    if (this.released) return;
    this.hook('onhook');
    this.finish(cause, why);
    this.port.legGone(this);
  }

  /** @internal The port routes the channel's signalling here while the leg lives. */
  onChannelEvent(e: ChannelEvent): void {
    const off = this.state !== 'ringing' && this.state !== 'idle';
    if (e.kind === 'onhook' && off && this.o.disconnect.includes('loopCurrent')) {
      // Kewlstart / loop-start disconnect supervision: the office drops loop current (open switch interval).
      this.fail(Cause.NORMAL_CLEARING, 'loop current dropped by the office (disconnect supervision)');
      return;
    }
    if (e.kind === 'polarity' && off) {
      if (this.state !== 'answered' && this.o.answerSupervision === 'polarity') {
        // Answer supervision by battery reversal (GR-506-CORE reverse-battery, ETSI EN 300 001 §1.7).
        this.answered('line polarity reversed by the office (answer supervision)');
      } else if (this.state === 'answered' && this.o.disconnect.includes('polarity')) {
        this.fail(Cause.NORMAL_CLEARING, 'line polarity reversed again by the office (disconnect supervision)');
      }
    }
  }

  /** @internal */
  onDsp(e: DspEvent): void {
    if (e.kind === 'dtmf' && this.state === 'answered') {
      this.emit('digit', e.digit as never);
      return;
    }
    if (e.kind !== 'tone') return;
    if (e.tone === 'dial' && this.state === 'seized') this.onDialTone?.();
    else if (e.tone === 'ringback' && this.state === 'waiting' && !this.#alerted) {
      this.#alerted = true;
      this.emit('alerting');
    } else if ((e.tone === 'busy' || e.tone === 'congestion') && this.state === 'waiting') {
      // Not while dialing: where dial and busy tone share a frequency (425 Hz zones) the
      // end of dial tone at the first digit can look like one busy burst.
      this.fail(e.tone === 'busy' ? Cause.USER_BUSY : Cause.SWITCH_CONGESTION, `${e.tone} tone from the office before answer`);
    } else if ((e.tone === 'busy' || e.tone === 'congestion') && this.state === 'answered' && this.o.disconnect.includes('tone')) {
      this.fail(Cause.NORMAL_CLEARING, `${e.tone} tone after answer (disconnect supervision by tone)`);
    } else if (e.tone === 'dial' && this.state === 'answered' && this.o.disconnect.includes('dialTone')) {
      this.fail(Cause.NORMAL_CLEARING, 'dial tone after answer: the office cleared the call (disconnect supervision by tone)');
    }
  }

  /** @internal */
  ringingStopped(): void {
    if (this.state === 'ringing') this.fail(Cause.NORMAL_CLEARING, 'ringing stopped before answer (the caller gave up)');
  }
}

export class FxoPort extends EventEmitter<PstnLineEvents> implements PstnLine {
  readonly name: string;
  readonly zone: ToneZone;
  readonly callerIdStandard: CallerIdStandard | 'none';
  readonly channel: Channel;
  readonly log: AnalogLog;
  /** @internal */
  readonly settings: FxoSettings;
  readonly minRingMs: number;
  /** The line's own directory number, if configured. */
  readonly number: string | undefined;
  #leg: FxoLeg | undefined;
  #ring: RingState = freshRing();
  #blocked = false;
  #busiedOut = false;
  readonly #onEvent = (e: ChannelEvent): void => this.onEvent(e);
  readonly #onDsp = (e: DspEvent): void => this.onDsp(e);

  constructor(options: FxoPortOptions) {
    super();
    this.name = options.name;
    this.zone = typeof options.zone === 'string' ? toneZone(options.zone) : options.zone;
    this.callerIdStandard = options.callerId ?? this.zone.callerId;
    this.channel = options.channel;
    this.log = options.log ?? silentLog;
    this.settings = settingsOf(options);
    this.number = options.number;
    const onSteps = this.zone.ringCadence.filter((_, i) => i % 2 === 0);
    this.minRingMs = options.minRingMs ?? Math.min(...onSteps) / 2;
    this.channel.on('event', this.#onEvent);
    this.channel.on('dsp', this.#onDsp);
    this.channel.once('close', () => this.close());
  }

  freeChannels(): number {
    return this.#blocked || this.#leg || this.#ring.bursts > 0 || this.channel.closed ? 0 : 1;
  }

  /** Taken out of service by the operator: no call is placed on it and its rings are not answered. */
  get blocked(): boolean {
    return this.#blocked;
  }

  /** Out of service; a call on the line goes on to its end. With whenBlocked 'busy-out' the idle line is seized. */
  block(): void {
    if (this.#blocked) return;
    this.#blocked = true;
    this.log.info({ port: this.name, whenBlocked: this.settings.whenBlocked }, 'blocked');
    this.busyOut();
  }

  /** Back in service: a busied-out line goes back on hook. */
  unblock(): void {
    if (!this.#blocked) return;
    this.#blocked = false;
    if (this.#busiedOut) {
      this.#busiedOut = false;
      this.hookOp('onhook');
    }
    this.log.info({ port: this.name }, 'unblocked');
  }

  /** Busy-out (as analog gateways offer it): off hook while blocked and idle, so the office treats the line as busy. */
  private busyOut(): void {
    if (!this.#blocked || this.#busiedOut || this.#leg || this.settings.whenBlocked !== 'busy-out' || this.channel.closed) return;
    this.resetRing();
    this.#busiedOut = true;
    this.hookOp('offhook');
  }

  private hookOp(op: 'onhook' | 'offhook'): void {
    try {
      this.channel.hook(op);
    } catch (err) {
      this.log.warn({ port: this.name, op, err: String(err) }, 'hook operation refused');
    }
  }

  /** The line as the operator sees it: ringing while the office rings it, off hook while a leg holds the loop. */
  get hookState(): 'on-hook' | 'off-hook' | 'ringing' {
    if (this.#busiedOut) return 'off-hook';
    const leg = this.#leg;
    if (leg && leg.state !== 'ringing' && leg.state !== 'idle') return 'off-hook';
    return leg || this.#ring.bursts > 0 || this.#ring.burstStart > 0 ? 'ringing' : 'on-hook';
  }

  /** Loop-start state: the leg's (ringing, seized, dialing, waiting, answered), else ringing or idle. */
  get signallingState(): string {
    if (this.#busiedOut) return 'busy-out';
    return this.#leg?.state ?? (this.#ring.bursts > 0 || this.#ring.burstStart > 0 ? 'ringing' : 'idle');
  }

  originate(calling: PartyNumber, called: PartyNumber): FxoLeg | null {
    if (this.freeChannels() === 0) return null;
    const leg = new FxoLeg(this, 'outgoing', calling, called, this.channel, this.log);
    this.#leg = leg;
    return leg;
  }

  /** Stops listening to the channel; a live leg is released with cause 41. */
  close(): void {
    this.#leg?.release(Cause.TEMPORARY_FAILURE);
    this.resetRing();
    this.channel.off('event', this.#onEvent);
    this.channel.off('dsp', this.#onDsp);
  }

  /** @internal */
  legGone(leg: FxoLeg): void {
    if (this.#leg === leg) this.#leg = undefined;
    this.resetRing();
    // A line blocked during its call is busied out once the call has left it, after an
    // on-hook the office takes for a clear (longer than a flash or a dial pulse).
    if (this.#blocked) setTimeout(() => this.busyOut(), 500).unref();
  }

  /** @internal */
  tryAnswer(): void {
    const leg = this.#leg;
    if (leg?.answerPending && this.#ring.rings >= this.settings.answerAfterRings) {
      this.resetRing();
      leg.takeOffHook();
    }
  }

  private resetRing(): void {
    clearTimeout(this.#ring.stopTimer);
    clearTimeout(this.#ring.waitTimer);
    this.#ring = freshRing();
  }

  /** Caller ID arrives before the first ring in these standards (ETSI EN 300 659-1 §6.1, BT SIN 227, DTMF CLIP). */
  private get callerIdBeforeRing(): boolean {
    return this.callerIdStandard === 'v23-etsi' || this.callerIdStandard === 'v23-bt' || this.callerIdStandard === 'dtmf';
  }

  private onEvent(e: ChannelEvent): void {
    const leg = this.#leg;
    if (leg && leg.state !== 'ringing') {
      leg.onChannelEvent(e);
      return;
    }
    // Blocked: rings are not counted, so no call is announced or answered.
    if (this.#blocked && !leg) return;
    const now = Date.now();
    const r = this.#ring;
    if (e.kind === 'ringBegin') {
      r.burstStart = now;
      clearTimeout(r.stopTimer);
      if (r.waitTimer && r.rings >= 1) this.announce('the second ring began');
    } else if (e.kind === 'ringOffhook' && r.burstStart > 0) {
      const ms = now - r.burstStart;
      r.burstStart = 0;
      if (ms < this.minRingMs) {
        this.log.info({ port: this.name, ms, minRingMs: this.minRingMs }, 'ring burst too short for the zone cadence; not a ring');
        if (r.bursts === 0) this.resetRing();
        return;
      }
      // Bursts closer than half the cadence's long pause are one ring (GB and AU double ring).
      const longOff = Math.max(...this.zone.ringCadence.filter((_, i) => i % 2 === 1));
      if (r.bursts === 0 || now - r.lastBurstEnd - ms > longOff / 2) r.rings++;
      r.bursts++;
      r.lastBurstEnd = now;
      // The caller gave up when no ring follows within the cadence's long pause and some margin.
      r.stopTimer = setTimeout(() => this.ringsStopped(), longOff * 1.5 + 1000);
      if (!leg) {
        const before = this.callerIdBeforeRing;
        const fresh = r.callerId && now - r.callerIdAt < CALLER_ID_MAX_AGE_MS;
        if (this.callerIdStandard === 'none' || before || fresh) this.announce(fresh ? 'caller ID and a ring' : 'a ring');
        else if (!r.waitTimer) {
          // GR-30-CORE §3 / EN 300 659-1 §6.2: the burst comes in the first silent interval.
          r.waitTimer = setTimeout(() => this.announce('no caller ID after the first ring'), this.settings.callerIdWaitMs);
        }
      }
      this.tryAnswer();
    }
  }

  private onDsp(e: DspEvent): void {
    const leg = this.#leg;
    if (leg && leg.state !== 'ringing') {
      leg.onDsp(e);
      return;
    }
    if (this.#blocked && !leg) return;
    if (e.kind === 'caller-id') {
      this.#ring.callerId = e.callerId;
      this.#ring.callerIdAt = Date.now();
      this.log.info({ port: this.name, number: e.callerId.number, name: e.callerId.name }, 'caller ID received');
      if (leg) {
        leg.calling = partyOf(e.callerId);
      } else if (this.#ring.waitTimer) this.announce('caller ID after the first ring');
    }
  }

  private announce(why: string): void {
    const r = this.#ring;
    clearTimeout(r.waitTimer);
    r.waitTimer = undefined;
    if (this.#leg) return;
    const cid = r.callerId && Date.now() - r.callerIdAt < CALLER_ID_MAX_AGE_MS ? r.callerId : undefined;
    const leg = new FxoLeg(this, 'incoming', cid ? partyOf(cid) : { digits: '', presentation: 'unavailable' }, { digits: this.settings.destination }, this.channel, this.log);
    this.#leg = leg;
    this.log.info({ port: this.name, leg: leg.id, calling: leg.calling.digits, rings: r.rings }, `incoming call: ${why}`);
    this.emit('incoming', leg);
  }

  private ringsStopped(): void {
    const leg = this.#leg;
    this.resetRing();
    if (leg) leg.ringingStopped();
    else this.log.info({ port: this.name }, 'ringing stopped without a call');
  }
}

function freshRing(): RingState {
  return { bursts: 0, rings: 0, burstStart: 0, lastBurstEnd: 0, callerId: undefined, callerIdAt: 0, stopTimer: undefined, waitTimer: undefined };
}

function partyOf(cid: ReceivedCallerId): PartyNumber {
  const presentation = cid.numberAbsence === 'P' ? 'restricted' : cid.numberAbsence === 'O' ? 'unavailable' : 'allowed';
  return { digits: cid.number ?? '', presentation, ...(cid.name ? { name: cid.name } : {}) };
}

type FxoSettings = ReturnType<typeof settingsOf>;

function settingsOf(o: FxoPortOptions) {
  return {
    answerAfterRings: o.answerAfterRings ?? 1,
    callerIdWaitMs: o.callerIdWaitMs ?? 6000,
    dialToneTimeoutMs: o.dialToneTimeoutMs ?? 3000,
    dialing: o.dialing ?? 'dtmf',
    answerSupervision: o.answerSupervision ?? 'assume',
    answerAssumeMs: o.answerAssumeMs ?? 0,
    noAnswerMs: o.noAnswerMs ?? 60000,
    disconnect: o.disconnect ?? (['loopCurrent', 'polarity', 'tone'] as readonly DisconnectSupervision[]),
    destination: o.destination ?? o.number ?? '',
    inactivityMs: o.inactivityMs ?? 600000,
    activityThresholdDbm0: o.activityThresholdDbm0 ?? -45,
    whenBlocked: o.whenBlocked ?? 'ignore-rings',
  };
}
