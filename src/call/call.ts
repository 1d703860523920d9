// A call through the gateway: one PSTN leg and one SIP leg joined in both
// directions. Neither leg knows the other; this class maps progress, answer,
// digits, media and release between them (RFC 3398, RFC 3326) and yields
// the CDR when the call ends.
import { EventEmitter } from 'node:events';
import type { Tone } from '../analog/tone-zones.js';
import type { CallState, CallStatus } from './call-status.js';
import type { Cdr, HungUpBy } from './cdr-store.js';
import { causeToSipStatus, sipStatusToCause, BYE_CAUSE } from './cause-mapping.js';
import { sipProvisionalToPstn, pstnToSipProvisional } from './progress-mapping.js';
import { HairpinLeg } from './hairpin-leg.js';
import type { PstnLeg } from './pstn-leg.js';
import { Cause, type Q850Cause } from './q850.js';
import { CallRecording } from '../media/call-recording.js';
import { Ringback } from './ringback.js';
import type { SipLeg, SipRelease } from './sip-leg.js';

export interface CallOptions {
  id: string;
  route?: string;
  emergency?: boolean;
  /** Caller and callee as routed (after rewriting), for status and CDR. */
  calling: string;
  called: string;
  /** No answer within this time: release with cause 19 (-> 480 towards SIP, RFC 3398 §7.2.4.1). */
  noAnswerMs: number;
  /** Ringback of the line's tone zone, played to a PSTN caller while SIP rings without early media. */
  ringback?: Tone;
  /** Wall clock for CDRs (ms since the epoch). */
  now?: () => number;
  /** Record both directions into this WAV file once media flows. */
  recordTo?: string;
  /** An answered call is released after this long with cause 102 (recovery on timer expiry). */
  maxDurationMs?: number;
}

export interface CallEvents {
  state: [state: CallState];
  /** The call is over; the record is complete. */
  ended: [cdr: Cdr];
  /** The PSTN leg of the call was created (sip-to-pstn) or is known (pstn-to-sip). */
  line: [leg: PstnLeg];
  /** The call lasted maxDurationMs after its answer; it is released next. */
  expired: [];
}

/** RFC 3398 §8.2.6.1 leaves retry to the gateway: a server or transport failure may succeed on another trunk. */
function sipFailover(r: SipRelease): boolean {
  if (r.status === undefined) return r.by !== 'remote';
  return r.status === 408 || r.status === 503 || r.status === 500 || r.status === 502 || r.status === 504;
}

/** Causes after which another channel or line of the group may still take the call (Q.850 resource unavailable class). */
const PSTN_RETRY = new Set<Q850Cause>([Cause.NO_CIRCUIT_AVAILABLE, Cause.REQUESTED_CHANNEL_UNAVAILABLE, Cause.TEMPORARY_FAILURE, Cause.SWITCH_CONGESTION]);

export class Call extends EventEmitter<CallEvents> {
  readonly id: string;
  readonly direction: 'pstn-to-sip' | 'sip-to-pstn';
  pstn: PstnLeg | null = null;
  sip: SipLeg | null = null;
  private _state: CallState = 'seized';
  private readonly started: number;
  private answeredAt: number | undefined;
  private noAnswer: NodeJS.Timeout | null = null;
  private maxDuration: NodeJS.Timeout | null = null;
  private ringback: Ringback | null = null;
  private mediaJoined = false;
  private recording: CallRecording | null = null;
  private ended = false;
  private lastCause: Q850Cause | undefined;
  private lastSip: SipRelease | undefined;
  private readonly now: () => number;

  private constructor(
    direction: 'pstn-to-sip' | 'sip-to-pstn',
    private readonly options: CallOptions,
    private readonly nextSip: () => SipLeg | null,
    private readonly nextPstn: () => PstnLeg | null,
  ) {
    super();
    this.id = options.id;
    this.direction = direction;
    this.now = options.now ?? Date.now;
    this.started = this.now();
  }

  /** A call offered on a line: SIP legs from `next` in failover order until one takes it. */
  static fromPstn(leg: PstnLeg, next: () => SipLeg | null, options: CallOptions): Call {
    const c = new Call('pstn-to-sip', options, next, () => null);
    c.pstn = leg;
    c.watchPstn(leg);
    return c;
  }

  /** A call offered by SIP: PSTN legs from `next` (hunting) until one takes it. */
  static fromSip(leg: SipLeg, next: () => PstnLeg | null, options: CallOptions): Call {
    const c = new Call('sip-to-pstn', options, () => null, next);
    c.sip = leg;
    c.watchSip(leg);
    return c;
  }

  /**
   * A call offered on a line and routed to another line (SIP trunks down,
   * route allows PSTN failover): the calling leg plays the SIP side's part.
   */
  static hairpin(leg: PstnLeg, next: () => PstnLeg | null, options: CallOptions): Call {
    return Call.fromSip(new HairpinLeg(leg), next, options);
  }

  /** The calling line of a hairpin call, or null. */
  get caller(): PstnLeg | null {
    return this.sip instanceof HairpinLeg ? this.sip.leg : null;
  }

  get state(): CallState {
    return this._state;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get emergency(): boolean {
    return this.options.emergency === true;
  }

  get startedAt(): number {
    return this.started;
  }

  /** Places the outgoing leg and starts the no-answer timer. */
  start(): void {
    this.noAnswer = setTimeout(() => this.timeout(), this.options.noAnswerMs);
    if (this.direction === 'pstn-to-sip') this.trySip();
    else this.tryPstn();
  }

  private setState(s: CallState): void {
    if (this._state === s || this.ended) return;
    this._state = s;
    this.emit('state', s);
  }

  // ---- the SIP side ----

  private trySip(): void {
    if (this.ended) return;
    const leg = this.nextSip();
    if (!leg) {
      // Every trunk failed or none was up: the last cause, or no circuit (RFC 3398 §8.2.6.1 mapping of the last failure).
      this.releasePstn(this.lastCause ?? Cause.NO_CIRCUIT_AVAILABLE, 'sip');
      return;
    }
    this.sip = leg;
    this.watchSip(leg);
    leg.invite();
  }

  private watchSip(leg: SipLeg): void {
    leg.on('trying', () => this.setState('proceeding'));
    leg.on('progress', (status, early) => {
      if (leg !== this.sip || !this.pstn) return;
      const p = sipProvisionalToPstn(status, early);
      if (!p) return;
      if (p.event === 'alerting' || p.event === 'progress') {
        this.setState('alerting');
        // 180: alerting, with in-band audio (the far end's or our ringback). 183 with SDP:
        // progress with in-band audio, the callee is not said to ring (RFC 3398 §8.2.1,
        // Q.931 clause 5.1.6); a leg without progress is alerted instead.
        if (p.event === 'progress' && early && this.pstn.progress) this.pstn.progress(true);
        else this.pstn.alert(true);
        if (early && p.event === 'alerting') {
          // 180 with SDP: an early media session may or may not carry audio. RFC 3960 §3.2
          // (the POTS-like policy of a gateway): our ringback until the far end's RTP arrives,
          // then its audio in place of ours.
          this.startRingback();
          this.joinMedia();
        } else if (early) {
          this.stopRingback();
          this.joinMedia();
        } else {
          // No early media from SIP (180, or 181-183 without SDP): the line hears the zone's
          // ringback from us (RFC 3398 §8.2.1, RFC 3960 §3), not silence behind an in-band indication.
          this.startRingback();
        }
      }
    });
    leg.on('answered', () => {
      if (leg !== this.sip) return;
      this.stopRingback();
      if (this.direction === 'pstn-to-sip') {
        this.answered();
        this.pstn?.answer();
        this.joinMedia();
      }
    });
    leg.on('digit', (d) => {
      if (leg === this.sip && this.answeredAt !== undefined) this.pstn?.sendDigits(d);
    });
    leg.on('released', (r) => {
      if (leg !== this.sip || this.ended) return;
      this.lastSip = r;
      const cause = r.cause ?? (r.status !== undefined ? sipStatusToCause(r.status) : BYE_CAUSE);
      this.lastCause = cause;
      if (this.direction === 'pstn-to-sip' && this.answeredAt === undefined && sipFailover(r)) {
        this.sip = null;
        this.trySip();
        return;
      }
      this.releasePstn(cause, 'sip');
    });
  }

  // ---- the PSTN side ----

  private tryPstn(): void {
    if (this.ended) return;
    const leg = this.nextPstn();
    if (!leg) {
      this.releaseSip(this.lastCause ?? Cause.NO_CIRCUIT_AVAILABLE, 'pstn');
      return;
    }
    this.pstn = leg;
    this.emit('line', leg);
    this.watchPstn(leg);
    leg.setup();
  }

  private watchPstn(leg: PstnLeg): void {
    leg.on('proceeding', () => this.setState('proceeding'));
    leg.on('alerting', () => this.provisional(leg, { event: 'alerting', inbandAudio: false }));
    leg.on('progress', (inband) => this.provisional(leg, { event: 'progress', inbandAudio: inband }));
    leg.on('answered', () => {
      if (leg !== this.pstn || this.direction !== 'sip-to-pstn') return;
      this.answered();
      this.sip?.answer();
      this.joinMedia();
    });
    leg.on('digit', (d) => {
      if (leg === this.pstn && this.answeredAt !== undefined) this.sip?.sendDigits(d);
    });
    leg.on('released', (cause) => {
      if (leg !== this.pstn || this.ended) return;
      this.lastCause = cause;
      if (this.direction === 'sip-to-pstn' && this.answeredAt === undefined && PSTN_RETRY.has(cause)) {
        this.pstn = null;
        this.tryPstn();
        return;
      }
      this.releaseSip(cause, 'pstn');
    });
  }

  private provisional(leg: PstnLeg, p: { event: 'alerting' | 'progress'; inbandAudio: boolean }): void {
    if (leg !== this.pstn || this.direction !== 'sip-to-pstn') return;
    const sip = pstnToSipProvisional(p);
    if (!sip) return;
    this.setState('alerting');
    this.sip?.ringing(sip.withSdp);
    // A hairpin caller hears the far line's in-band progress (ringback, announcements) at once.
    if (sip.withSdp || this.caller) this.joinMedia();
  }

  // ---- both ----

  private answered(): void {
    if (this.answeredAt !== undefined) return;
    this.answeredAt = this.now();
    if (this.noAnswer) clearTimeout(this.noAnswer);
    this.noAnswer = null;
    const max = this.options.maxDurationMs;
    // A timer of more than 2^31-1 ms fires at once in Node: such a limit is no limit.
    if (max !== undefined && max < 2 ** 31) {
      this.maxDuration = setTimeout(() => {
        this.maxDuration = null;
        if (this.ended) return;
        this.emit('expired');
        this.hangup(Cause.RECOVERY_ON_TIMER_EXPIRY);
      }, max);
    }
    this.setState('connected');
  }

  private joinMedia(): void {
    const { pstn, sip } = this;
    if (this.mediaJoined || !pstn || !sip) return;
    this.mediaJoined = true;
    const rec = this.startRecording();
    pstn.audio.onFrame((f) => {
      rec?.pstn(f);
      sip.audio.write(f);
    });
    sip.audio.onFrame((f) => {
      if (this.ringback?.playing) {
        // Frames before any RTP are the playout's silence: the line keeps our ringback (RFC 3960 §3.2).
        if (!this.farMediaArrived()) return;
        // Early media from SIP replaces our ringback (RFC 3398 §8.2.1).
        this.stopRingback();
      }
      rec?.sip(f);
      pstn.audio.write(f);
    });
  }

  private startRecording(): CallRecording | null {
    if (this.options.recordTo === undefined) return null;
    try {
      this.recording = new CallRecording(this.options.recordTo);
    } catch {
      // The call goes on unrecorded; the CDR then names no file.
      this.recording = null;
    }
    return this.recording;
  }

  /** Whether the SIP side has sent any RTP; a leg that does not count packets is taken to have. */
  private farMediaArrived(): boolean {
    const stats = (this.sip as { mediaStats?: () => { packetsReceived?: number } | undefined } | null)?.mediaStats;
    if (!stats) return true;
    return (stats.call(this.sip)?.packetsReceived ?? 0) > 0;
  }

  private startRingback(): void {
    if (!this.options.ringback || !this.pstn || this.mediaJoined) return;
    this.ringback ??= new Ringback(this.options.ringback, this.pstn.audio);
    this.ringback.start();
  }

  private stopRingback(): void {
    this.ringback?.stop();
  }

  /** No answer in time: Q.850 cause 19 both ways (RFC 3398 §7.2.4.1: 480). */
  private timeout(): void {
    this.noAnswer = null;
    if (this.answeredAt !== undefined || this.ended) return;
    this.hangup(Cause.NO_ANSWER);
  }

  /** Releases both legs with the cause (operator, shutdown, preemption, no answer). */
  hangup(cause: Q850Cause): void {
    if (this.ended) return;
    this.lastCause = cause;
    // Ended first: a leg that reports its release at once must not make the call look hung up by its side.
    this.end(cause, 'gateway');
    this.sip?.release(cause);
    this.pstn?.release(cause);
  }

  private releasePstn(cause: Q850Cause, by: HungUpBy): void {
    this.end(cause, by);
    this.pstn?.release(cause);
  }

  private releaseSip(cause: Q850Cause, by: HungUpBy): void {
    this.end(cause, by);
    this.sip?.release(cause);
  }

  private end(cause: Q850Cause, by: HungUpBy): void {
    if (this.ended) return;
    this.setState('releasing');
    this.ended = true;
    if (this.noAnswer) clearTimeout(this.noAnswer);
    if (this.maxDuration) clearTimeout(this.maxDuration);
    this.stopRingback();
    this.recording?.close();
    const cdr: Cdr = {
      callId: this.id,
      direction: this.direction,
      start: this.started,
      end: this.now(),
      caller: this.options.calling,
      callee: this.options.called,
      hungUpBy: by,
      pstnCause: cause,
    };
    if (this.answeredAt !== undefined) cdr.answer = this.answeredAt;
    if (this.options.route !== undefined) cdr.route = this.options.route;
    if (this.options.emergency) cdr.emergency = true;
    if (this.recording) cdr.recording = this.recording.path;
    if (this.pstn) {
      cdr.line = this.pstn.address.line;
      cdr.channel = this.pstn.address.channel;
    }
    if (this.sip) cdr.trunk = this.sip.trunk;
    const codec = this.codec();
    if (codec) cdr.codec = codec;
    const rtp = this.rtp();
    if (rtp) {
      cdr.jitterMs = rtp.jitterMs;
      cdr.packetLoss = rtp.loss;
    }
    if (this.lastSip?.status !== undefined) cdr.sipStatus = this.lastSip.status;
    else if (this.answeredAt === undefined && this.sip && by !== 'sip') cdr.sipStatus = this.direction === 'sip-to-pstn' ? causeToSipStatus(cause) : undefined;
    if (cdr.sipStatus === undefined) delete cdr.sipStatus;
    const sipCause = this.lastSip?.cause ?? (by === 'sip' ? undefined : cause);
    if (sipCause !== undefined) cdr.sipCause = sipCause;
    if (this.caller) {
      // Hairpin: no SIP side; the row names the PSTN destination (line, channel) and who hung up.
      cdr.direction = 'pstn-to-pstn';
      if (by === 'sip') cdr.hungUpBy = 'pstn';
      delete cdr.trunk;
      delete cdr.sipStatus;
      delete cdr.sipCause;
    }
    this.emit('ended', cdr);
  }

  private codec(): string | undefined {
    return (this.sip as { negotiation?: { codec: string } } | null)?.negotiation?.codec;
  }

  /** RTP figures of the SIP leg, when its implementation keeps them (src/sip/sip-call.ts does). */
  private rtp(): { jitterMs: number; loss: number } | undefined {
    return (this.sip as { mediaStats?: () => { jitterMs: number; loss: number } | undefined } | null)?.mediaStats?.();
  }

  status(): CallStatus {
    const now = this.now();
    return {
      id: this.id,
      direction: this.caller ? 'pstn-to-pstn' : this.direction,
      port: this.pstn ? `${this.pstn.address.line}:${this.pstn.address.channel}` : null,
      trunk: this.caller ? null : (this.sip?.trunk ?? null),
      calling: this.options.calling,
      called: this.options.called,
      state: this._state,
      codec: this.codec() ?? null,
      startedAt: new Date(this.started).toISOString(),
      answeredAt: this.answeredAt === undefined ? null : new Date(this.answeredAt).toISOString(),
      durationS: Math.floor((now - this.started) / 1000),
      jitterMs: this.rtp()?.jitterMs ?? null,
      lossPct: this.rtp() ? this.rtp()!.loss * 100 : null,
    };
  }
}
