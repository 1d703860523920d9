// One call on a PRI span: the Q.931 call state machine of clause 5 for the
// user side (U states) or the network side (N states), and the PSTN leg that
// call/ sees. The span (pri-span.ts) owns the D-channel, the call references
// and the B-channels; a call asks it to send and to free its channel.
import { EventEmitter } from 'node:events';
import type { LineAddress, PartyNumber, PstnLeg, PstnLegEvents } from '../call/pstn-leg.js';
import { Cause, type Q850Cause } from '../call/q850.js';
import type { AudioFrame, AudioPath } from '../media/frame.js';
import { CallState, callStateName, type CallTimerName, type CallTimers } from './call-state.js';
import type { ChannelChoice, Signal, SignalType } from './q931-signal.js';

/** What a call needs from its span. */
export interface CallHost {
  readonly name: string;
  readonly side: 'user' | 'network';
  readonly timers: CallTimers;
  readonly law: 'mu-law' | 'a-law';
  readonly exclusive: boolean;
  readonly overlapSending: boolean;
  send(call: PriCall, signal: Omit<Signal, 'callRef'>): void;
  /** The channel the far end chose in its answer; false if it cannot be had. */
  moveChannel(call: PriCall, channel: number): boolean;
  /** The call is back in the Null state: forget its call reference and free its channel. */
  callGone(call: PriCall): void;
  /** A channel whose clearing failed (T308 ran out twice): restart it (clause 5.3.3 departure, see there). */
  restartChannel(channel: number): void;
  /** Overlap receiving: whether the called number is complete (the dial plan decides). */
  numberComplete(digits: string): boolean;
  /** An incoming call is ready for call/: raise PstnLine 'incoming'. */
  offer(call: PriCall): void;
  trace(call: PriCall, what: string): void;
}

/** Progress descriptions that mean in-band audio is on the B-channel (Q.931 clause 4.5.23: 1, 8). */
const INBAND = new Set([1, 8]);

type Phase = 'init' | 'overlap' | 'proceeding' | 'delivered' | 'connect';

/*
 * The establishment states each side passes through, by who originated the
 * call (Q.931 clause 2, figures A.2 and A.3 of the SDL):
 *   user originates:   user U1 U2 U3 U4 .. U10,   network N1 N2 N3 N4 .. N10
 *   network originates: user U6 U25 U9 U7 U8 U10, network N6 N25 N9 N7 N8 N10
 */
const USER_ORIGINATED: Record<Exclude<Phase, 'connect'>, CallState> = {
  init: CallState.CallInitiated,
  overlap: CallState.OverlapSending,
  proceeding: CallState.OutgoingCallProceeding,
  delivered: CallState.CallDelivered,
};
const NETWORK_ORIGINATED: Record<Phase, CallState> = {
  init: CallState.CallPresent,
  overlap: CallState.OverlapReceiving,
  proceeding: CallState.IncomingCallProceeding,
  delivered: CallState.CallReceived,
  connect: CallState.ConnectRequest,
};

/** Legal state changes (Q.931 Annex A SDL, both sides). Clearing states may be entered from any non-null state. */
const FORWARD: Partial<Record<CallState, readonly CallState[]>> = {
  [CallState.Null]: [CallState.CallInitiated, CallState.CallPresent],
  [CallState.CallInitiated]: [CallState.OverlapSending, CallState.OutgoingCallProceeding, CallState.CallDelivered, CallState.Active],
  [CallState.OverlapSending]: [CallState.OutgoingCallProceeding, CallState.CallDelivered, CallState.Active],
  [CallState.OutgoingCallProceeding]: [CallState.CallDelivered, CallState.Active],
  [CallState.CallDelivered]: [CallState.Active],
  [CallState.CallPresent]: [
    CallState.OverlapReceiving,
    CallState.IncomingCallProceeding,
    CallState.CallReceived,
    CallState.ConnectRequest,
  ],
  [CallState.OverlapReceiving]: [CallState.IncomingCallProceeding, CallState.CallReceived, CallState.ConnectRequest],
  [CallState.IncomingCallProceeding]: [CallState.CallReceived, CallState.ConnectRequest],
  [CallState.CallReceived]: [CallState.ConnectRequest],
  [CallState.ConnectRequest]: [CallState.Active],
  [CallState.DisconnectRequest]: [CallState.ReleaseRequest, CallState.Null],
  [CallState.DisconnectIndication]: [CallState.ReleaseRequest, CallState.Null],
  [CallState.ReleaseRequest]: [CallState.Null],
};
const CLEARING = new Set([CallState.DisconnectRequest, CallState.DisconnectIndication, CallState.ReleaseRequest]);

/** The timer each state runs while it lasts (Q.931 Tables 9-1 and 9-2). */
function stateTimer(side: 'user' | 'network', userOriginated: boolean, state: CallState): CallTimerName | null {
  switch (state) {
    case CallState.CallInitiated:
      return side === 'user' ? 'T303' : null;
    case CallState.CallPresent:
      return side === 'network' ? 'T303' : null;
    case CallState.OverlapSending:
      return side === 'network' ? 'T302' : null;
    case CallState.OverlapReceiving:
      return side === 'user' ? 'T302' : null;
    case CallState.OutgoingCallProceeding:
      return side === 'user' ? 'T310' : null;
    case CallState.IncomingCallProceeding:
      return side === 'network' && !userOriginated ? 'T310' : null;
    case CallState.ConnectRequest:
      return side === 'user' ? 'T313' : null;
    case CallState.DisconnectRequest:
      return side === 'user' ? 'T305' : null;
    case CallState.DisconnectIndication:
      return side === 'network' ? 'T305' : null;
    case CallState.ReleaseRequest:
      return 'T308';
    default:
      return null;
  }
}

let nextId = 1;

export class PriCall extends EventEmitter<PstnLegEvents> implements PstnLeg {
  readonly id: string;
  readonly audio: AudioPath;
  private _state = CallState.Null;
  private timer: { name: CallTimerName; handle: NodeJS.Timeout; count: number } | null = null;
  private t322: NodeJS.Timeout | null = null;
  private t322Count = 0;
  private released = false;
  /** Cause we clear with, kept for retransmissions of RELEASE. */
  private clearCause: Q850Cause = Cause.NORMAL_CLEARING;
  /** Digits given to sendDigits before SETUP ACKNOWLEDGE, sent after it (clause 5.1.3). */
  private pendingDigits = '';
  /** Something answered an incoming SETUP already (clause 5.2.5.1). */
  private responded = false;
  private frameReceiver: ((frame: AudioFrame) => void) | null = null;

  constructor(
    private readonly host: CallHost,
    readonly direction: 'incoming' | 'outgoing',
    /** Call reference value (Q.931 clause 4.3); the flag follows from the direction. */
    readonly callRef: number,
    public channel: number,
    readonly calling: PartyNumber,
    readonly called: PartyNumber,
  ) {
    super();
    this.id = `${host.name}/${nextId++}`;
    this.audio = {
      onFrame: (receiver) => {
        this.frameReceiver = receiver;
      },
      write: () => {
        // The B-channel's audio is the card's; the span wires it when a card is attached.
      },
    };
  }

  get address(): LineAddress {
    return { kind: 'pri', line: this.host.name, channel: this.channel };
  }

  get state(): CallState {
    return this._state;
  }

  /** U3, N10, ... */
  get stateName(): string {
    return callStateName(this.host.side, this._state);
  }

  /** Who sent the SETUP, as Q.931 counts it: the user (U1..U4 / N1..N4) or the network (U6.. / N6..). */
  get userOriginated(): boolean {
    return (this.host.side === 'user') === (this.direction === 'outgoing');
  }

  get isReleased(): boolean {
    return this.released;
  }

  /** Delivers a B-channel frame to the leg's audio receiver. */
  deliverFrame(frame: AudioFrame): void {
    this.frameReceiver?.(frame);
  }

  private phaseState(phase: Phase): CallState {
    if (this.userOriginated) return phase === 'connect' ? CallState.Active : USER_ORIGINATED[phase];
    return NETWORK_ORIGINATED[phase];
  }

  // ---- the one transition function of this state machine ----

  private stateTransition(next: CallState): void {
    const from = this._state;
    const legal = from !== CallState.Null && CLEARING.has(next) && !CLEARING.has(from)
      ? true
      : next === CallState.Null || (FORWARD[from] ?? []).includes(next);
    if (!legal) {
      this.host.trace(this, `illegal transition ${callStateName(this.host.side, from)} -> ${callStateName(this.host.side, next)} refused`);
      return;
    }
    this.stopTimer();
    this._state = next;
    this.host.trace(this, `${callStateName(this.host.side, from)} -> ${callStateName(this.host.side, next)}`);
    const t = stateTimer(this.host.side, this.userOriginated, next);
    if (t) this.startTimer(t);
    if (next === CallState.Null) {
      this.stopT322();
      this.host.callGone(this);
    }
  }

  private startTimer(name: CallTimerName, count = 1): void {
    this.stopTimer();
    const handle = setTimeout(() => {
      this.timer = null;
      this.onTimer(name, count);
    }, this.host.timers[name]);
    this.timer = { name, handle, count };
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer.handle);
    this.timer = null;
  }

  private stopT322(): void {
    if (this.t322) clearTimeout(this.t322);
    this.t322 = null;
  }

  private send(type: SignalType, ies: Omit<Signal, 'callRef' | 'type'> = {}): void {
    this.host.send(this, { type, ...ies });
  }

  private reportReleased(cause: Q850Cause): void {
    if (this.released) return;
    this.released = true;
    this.emit('released', cause);
  }

  // ---- actions of call/ (PstnLeg) ----

  /** Q.931 clause 5.1.1: SETUP with bearer, channel, numbers; T303 runs (user U1, network N6). */
  setup(): void {
    if (this.direction !== 'outgoing' || this._state !== CallState.Null || this.released) return;
    this.send('SETUP', this.setupIes());
    this.stateTransition(this.phaseState('init'));
  }

  private setupIes(): Omit<Signal, 'callRef' | 'type'> {
    const channel: ChannelChoice = this.channel
      ? { selection: 'channels', channels: [this.channel], exclusive: this.host.exclusive }
      : { selection: 'any', channels: [], exclusive: false };
    return {
      bearer: { capability: 'speech', law: this.host.law },
      channel,
      calling: this.calling,
      called: this.called,
      // Q.931 clause 5.1.1 / 5.1.3: en bloc sending says the number is complete; with
      // overlap sending, a number the dial plan calls complete still goes en bloc.
      ...(this.host.overlapSending && !this.host.numberComplete(this.called.digits) ? {} : { sendingComplete: true }),
    };
  }

  /** Q.931 clause 5.2.5.2: ALERTING, with PI 8 when ringback is played in-band. */
  alert(inbandAudio = false): void {
    if (this.direction !== 'incoming' || this.released) return;
    const s = this._state;
    if (s !== this.phaseState('init') && s !== this.phaseState('proceeding') && s !== this.phaseState('overlap')) return;
    this.responded = true;
    this.send('ALERTING', { ...this.channelIe(s === this.phaseState('init')), ...(inbandAudio ? { progress: [8] } : {}) });
    this.stateTransition(this.phaseState('delivered'));
  }

  /**
   * PROGRESS with PI 8, in-band information now available (Q.931 clause 5.1.6
   * network side, 5.2.6 user side); the call state does not change. Before
   * any answer to the SETUP it is ALERTING with PI 8 instead: the first
   * answer must be one of clause 5.2.5.
   */
  progress(inbandAudio: boolean): void {
    if (this.direction !== 'incoming' || this.released || !inbandAudio) return;
    const s = this._state;
    if (s === this.phaseState('init')) return this.alert(true);
    if (s !== this.phaseState('overlap') && s !== this.phaseState('proceeding') && s !== this.phaseState('delivered')) return;
    this.send('PROGRESS', { progress: [8] });
  }

  /** Q.931 clause 5.2.7: CONNECT; the user waits for CONNECT ACKNOWLEDGE under T313 (U8), the network is active (N10). */
  answer(): void {
    if (this.direction !== 'incoming' || this.released) return;
    const s = this._state;
    const from = [this.phaseState('init'), this.phaseState('overlap'), this.phaseState('proceeding'), this.phaseState('delivered')];
    if (!from.includes(s)) return;
    this.responded = true;
    this.send('CONNECT', this.channelIe(s === this.phaseState('init')));
    if (this.host.side === 'user') {
      this.stateTransition(CallState.ConnectRequest);
    } else {
      // Q.931 clause 5.1.8: the network enters Active when it sends CONNECT (N10).
      this.stateTransition(CallState.Active);
      this.emit('answered');
    }
  }

  /** Clears the call with a cause (Q.931 clause 5.3.3 user side, 5.3.4 network side). */
  release(cause: Q850Cause): void {
    if (this.released) return;
    this.clearCause = cause;
    const s = this._state;
    if (s === CallState.Null) {
      // Never set up: nothing went out.
      this.reportReleased(cause);
      this.host.callGone(this);
      return;
    }
    if (CLEARING.has(s)) return;
    if (this.direction === 'incoming' && !this.responded && s === this.phaseState('init')) {
      // Q.931 clause 5.2.5.1 / 5.2.3.1: a SETUP not yet answered is refused with RELEASE COMPLETE.
      this.send('RELEASE_COMPLETE', { cause });
      this.reportReleased(cause);
      this.stateTransition(CallState.Null);
      return;
    }
    this.disconnect(cause);
  }

  /** Q.931 clause 5.3.3 (user, U11) / 5.3.4 (network, N12): DISCONNECT and T305. */
  private disconnect(cause: Q850Cause): void {
    this.clearCause = cause;
    this.send('DISCONNECT', { cause });
    this.reportReleased(cause);
    this.stateTransition(this.host.side === 'user' ? CallState.DisconnectRequest : CallState.DisconnectIndication);
  }

  /** Q.931 clause 5.3.3 / 5.3.4: RELEASE and T308 (U19 / N19). */
  private sendRelease(cause?: Q850Cause): void {
    this.send('RELEASE', cause !== undefined ? { cause } : {});
    this.stateTransition(CallState.ReleaseRequest);
  }

  /** Overlap sending (Q.931 clause 5.1.3): more called digits in INFORMATION; after answer, nothing (DTMF is in-band). */
  sendDigits(digits: string): void {
    if (this.released || this.direction !== 'outgoing' || !digits) return;
    if (this._state === CallState.Null) {
      this.called.digits += digits;
    } else if (this._state === this.phaseState('init')) {
      this.pendingDigits += digits;
      this.called.digits += digits;
    } else if (this._state === this.phaseState('overlap')) {
      this.called.digits += digits;
      this.send('INFORMATION', { called: { ...this.called, digits } });
    }
  }

  private channelIe(first: boolean): Omit<Signal, 'callRef' | 'type'> {
    // Q.931 clause 5.2.3.2: the first message answering a SETUP names the channel, exclusive.
    return first || this.host.side === 'network'
      ? { channel: { selection: 'channels', channels: [this.channel], exclusive: true } }
      : {};
  }

  // ---- the incoming SETUP, as the span hands it over ----

  /** Q.931 clause 5.2.1 (user, U6) / 5.1.1 (network, N1): a SETUP arrived for this new call. */
  present(overlap: boolean): void {
    this.stateTransition(this.phaseState('init'));
    if (overlap) {
      // Q.931 clause 5.2.4 (user U25) / 5.1.3 (network N2): SETUP ACKNOWLEDGE, then T302 for more digits.
      this.responded = true;
      this.send('SETUP_ACKNOWLEDGE', {
        channel: { selection: 'channels', channels: [this.channel], exclusive: true },
        ...(this.host.side === 'network' ? { progress: [8] } : {}),
      });
      this.stateTransition(this.phaseState('overlap'));
      return;
    }
    this.offered();
  }

  /** The number is complete: tell the caller (CALL PROCEEDING) and call/ ('incoming'). */
  private offered(): void {
    this.host.offer(this);
    // Q.931 clause 5.2.5.1 (user) / 5.1.5.1 (network): CALL PROCEEDING unless call/ answered at once.
    setImmediate(() => {
      const s = this._state;
      if (this.released || (s !== this.phaseState('init') && s !== this.phaseState('overlap'))) return;
      if (s === this.phaseState('init') && this.responded) return;
      this.responded = true;
      this.send('CALL_PROCEEDING', this.channelIe(s === this.phaseState('init')));
      this.stateTransition(this.phaseState('proceeding'));
    });
  }

  // ---- messages from the far end ----

  receive(s: Signal): void {
    const state = this._state;
    switch (s.type) {
      case 'DISCONNECT':
        // Q.931 clause 5.3.5: DISCONNECT crossing ours: answer with RELEASE.
        if (state === CallState.ReleaseRequest) return;
        this.reportReleased(s.cause ?? Cause.NORMAL_UNSPECIFIED);
        // Q.931 clause 5.3.3 (network clears: user U12) / 5.3.4 (user clears: network N11): RELEASE, T308.
        if (!CLEARING.has(state)) {
          this.stateTransition(this.host.side === 'user' ? CallState.DisconnectIndication : CallState.DisconnectRequest);
        }
        this.sendRelease();
        return;
      case 'RELEASE':
        // Q.931 clause 5.3.5: RELEASE crossing ours (U19/N19): no RELEASE COMPLETE, back to Null.
        if (state !== CallState.ReleaseRequest) this.send('RELEASE_COMPLETE', s.cause !== undefined ? {} : { cause: Cause.NORMAL_CLEARING });
        this.reportReleased(s.cause ?? Cause.NORMAL_CLEARING);
        this.stateTransition(CallState.Null);
        return;
      case 'RELEASE_COMPLETE':
        // Q.931 clause 5.3.3 / 5.3.4.3: clearing completes; also the refusal of our SETUP (clause 5.1.9).
        this.reportReleased(s.cause ?? Cause.NORMAL_CLEARING);
        this.stateTransition(CallState.Null);
        return;
      case 'STATUS_ENQUIRY':
        // Q.931 clause 5.8.10: STATUS with cause 30 and our call state.
        this.send('STATUS', { cause: Cause.RESPONSE_TO_STATUS_ENQUIRY, callState: state });
        return;
      case 'STATUS':
        return this.status(s);
      default:
        break;
    }
    if (CLEARING.has(state)) return; // Q.931 clause 5.3: other messages are ignored while clearing.
    if (this.direction === 'outgoing') this.receiveOutgoing(s);
    else this.receiveIncoming(s);
  }

  /** Q.931 clause 5.8.6.1: a DISCONNECT we could not read (its cause missing or wrong): RELEASE with the cause. */
  disconnectedInError(cause: Q850Cause): void {
    const state = this._state;
    if (state === CallState.Null || state === CallState.ReleaseRequest) return;
    this.clearCause = cause;
    this.reportReleased(cause);
    if (!CLEARING.has(state)) {
      this.stateTransition(this.host.side === 'user' ? CallState.DisconnectIndication : CallState.DisconnectRequest);
    }
    this.sendRelease(cause);
  }

  /** Answers to our SETUP (Q.931 clauses 5.1.2 - 5.1.8 user side, 5.2.3 - 5.2.8 network side). */
  private receiveOutgoing(s: Signal): void {
    const state = this._state;
    const init = this.phaseState('init');
    const overlap = this.phaseState('overlap');
    const proceeding = this.phaseState('proceeding');
    const delivered = this.phaseState('delivered');
    const before = [init, overlap, proceeding, delivered];
    if (!before.includes(state) && state !== CallState.ConnectRequest) return this.unexpected(s);
    if (s.channel?.selection === 'channels' && s.channel.channels[0] && s.channel.channels[0] !== this.channel) {
      // Q.931 clause 5.1.2: the network may pick another channel than our preferred one.
      if (!this.host.moveChannel(this, s.channel.channels[0])) {
        this.disconnect(Cause.CHANNEL_UNACCEPTABLE);
        return;
      }
    }
    const inband = (s.progress ?? []).some((p) => INBAND.has(p));
    switch (s.type) {
      case 'SETUP_ACKNOWLEDGE':
        // Q.931 clause 5.1.3: overlap sending; digits held back go out now.
        if (state !== init) return this.unexpected(s);
        this.stateTransition(overlap);
        if (this.pendingDigits) {
          const digits = this.pendingDigits;
          this.pendingDigits = '';
          this.send('INFORMATION', { called: { ...this.called, digits } });
        }
        if (inband) this.emit('progress', true);
        return;
      case 'CALL_PROCEEDING':
        // Q.931 clause 5.1.5: the called side has all it needs; T310 runs (U3 / N9).
        if (state !== init && state !== overlap) return this.unexpected(s);
        this.stateTransition(proceeding);
        this.emit('proceeding');
        if (inband) this.emit('progress', true);
        return;
      case 'ALERTING':
        // Q.931 clause 5.1.7: the called user is being alerted (U4 / N7).
        if (state === delivered) return;
        if (state === init || state === overlap) this.emit('proceeding');
        this.stateTransition(delivered);
        this.emit('alerting');
        if (inband) this.emit('progress', true);
        return;
      case 'PROGRESS':
        // Q.931 clause 5.1.6: interworking or in-band information; T310 stops.
        if (this.timer?.name === 'T310') this.stopTimer();
        this.emit('progress', inband);
        return;
      case 'CONNECT':
        // Q.931 clause 5.1.8: CONNECT ACKNOWLEDGE, Active (U10 / N8 -> N10).
        if (state === init || state === overlap) this.emit('proceeding');
        if (this.host.side === 'network') this.stateTransition(CallState.ConnectRequest);
        this.send('CONNECT_ACKNOWLEDGE');
        this.stateTransition(CallState.Active);
        this.emit('answered');
        return;
      case 'INFORMATION':
      case 'NOTIFY':
      case 'FACILITY':
        return;
      default:
        return this.unexpected(s);
    }
  }

  /** Messages on a call the far end set up (Q.931 clauses 5.1.3, 5.2.4, 5.2.8). */
  private receiveIncoming(s: Signal): void {
    const state = this._state;
    switch (s.type) {
      case 'INFORMATION':
        if (state === this.phaseState('overlap')) {
          // Q.931 clause 5.2.4 / 5.1.3: more digits restart T302; sending complete ends the number.
          if (s.called?.digits) this.called.digits += s.called.digits;
          if (s.sendingComplete || this.host.numberComplete(this.called.digits)) this.offered();
          else this.startTimer('T302');
        }
        return;
      case 'CONNECT_ACKNOWLEDGE':
        // Q.931 clause 5.2.8: the user side becomes Active (U8 -> U10); the network ignores it in N10.
        if (state === CallState.ConnectRequest) {
          this.stateTransition(CallState.Active);
          this.emit('answered');
        }
        return;
      case 'NOTIFY':
      case 'FACILITY':
      case 'PROGRESS':
        return;
      default:
        return this.unexpected(s);
    }
  }

  /** Q.931 clause 5.8.4: a message the state does not expect: STATUS with cause 101 (98 for unknown kinds). */
  private unexpected(s: Signal): void {
    this.host.trace(this, `${s.type} unexpected in ${this.stateName}`);
    this.send('STATUS', { cause: Cause.WRONG_CALL_STATE, callState: this._state });
  }

  /** Q.931 clause 5.8.11: STATUS received. */
  private status(s: Signal): void {
    this.stopT322();
    this.t322Count = 0;
    const theirs = s.callState ?? 0;
    const ours = this._state;
    if (theirs === 0) {
      // Q.931 clause 5.8.11: the peer has no such call: release it here too, without messages.
      if (ours !== CallState.Null) {
        this.reportReleased(s.cause && s.cause !== Cause.RESPONSE_TO_STATUS_ENQUIRY ? s.cause : Cause.TEMPORARY_FAILURE);
        this.stateTransition(CallState.Null);
      }
      return;
    }
    if (CLEARING.has(ours) || ours === CallState.Null) return;
    if (!compatible(ours, theirs)) {
      // Q.931 clause 5.8.11: incompatible states: clear with RELEASE cause 101.
      this.host.trace(this, `STATUS says state ${theirs}, ours is ${this.stateName}: clearing`);
      this.clearCause = Cause.WRONG_CALL_STATE;
      this.reportReleased(Cause.WRONG_CALL_STATE);
      this.sendRelease(Cause.WRONG_CALL_STATE);
    }
  }

  /** Q.931 clause 5.8.10: STATUS ENQUIRY under T322 (sent after the data link came back, clause 5.8.9). */
  enquire(): void {
    if (this._state === CallState.Null || this.released) return;
    this.send('STATUS_ENQUIRY');
    this.stopT322();
    this.t322 = setTimeout(() => {
      this.t322 = null;
      // Q.931 clause 5.8.10: one retry, then clear with cause 41.
      if (++this.t322Count < 2) this.enquire();
      else this.release(Cause.TEMPORARY_FAILURE);
    }, this.host.timers.T322);
  }

  /** The data link is gone for good (T309 ran out, clause 5.8.9) or the channel was restarted (clause 5.5.2): no messages. */
  clearInternally(cause: Q850Cause): void {
    this.reportReleased(cause);
    this.stopTimer();
    if (this._state !== CallState.Null) this.stateTransition(CallState.Null);
  }

  // ---- timers ----

  private onTimer(name: CallTimerName, count: number): void {
    const state = this._state;
    switch (name) {
      case 'T303':
        // Q.931 clause 5.1.1 (user) / 5.2.1 (network): SETUP once more; then give up.
        if (count < 2) {
          this.send('SETUP', this.setupIes());
          this.startTimer('T303', count + 1);
        } else {
          const cause = this.host.side === 'network' ? Cause.NO_USER_RESPONSE : Cause.RECOVERY_ON_TIMER_EXPIRY;
          this.send('RELEASE_COMPLETE', { cause });
          this.reportReleased(cause);
          this.stateTransition(CallState.Null);
        }
        return;
      case 'T302':
        // Q.931 clause 5.2.4 / 5.1.3: no more digits: go on with what came, or clear with cause 28.
        if (this.called.digits) this.offered();
        else this.disconnect(Cause.INVALID_NUMBER_FORMAT);
        return;
      case 'T310':
      case 'T313':
        // Q.931 clause 5.1.5.1 (T310) and 5.2.8 (T313): clear with cause 102.
        this.disconnect(Cause.RECOVERY_ON_TIMER_EXPIRY);
        return;
      case 'T305':
        // Q.931 clause 5.3.3 / 5.3.4: no answer to DISCONNECT: RELEASE with the same cause.
        if (CLEARING.has(state)) this.sendRelease(this.clearCause);
        return;
      case 'T308':
        // Q.931 clause 5.3.3: RELEASE once more, then give the call up.
        if (count < 2) {
          this.send('RELEASE', { cause: this.clearCause });
          this.startTimer('T308', count + 1);
        } else {
          // Departure from clause 5.3.3 (which puts the B-channel in maintenance):
          // we restart the channel (clause 5.5) so that it does not stay lost.
          const channel = this.channel;
          this.stateTransition(CallState.Null);
          if (channel) this.host.restartChannel(channel);
        }
        return;
      default:
        return;
    }
  }
}

/**
 * Q.931 clause 5.8.11 leaves "compatible" to the implementation: the peer's
 * state is compatible with ours when it is the same, or one message away on
 * the same call (it has sent or not yet seen the latest message).
 */
function compatible(ours: CallState, theirs: number): boolean {
  if ((ours as number) === theirs) return true;
  const near: Partial<Record<CallState, number[]>> = {
    [CallState.CallInitiated]: [2, 3, 4, 10, 11, 12],
    [CallState.OverlapSending]: [1, 3, 4, 10, 11, 12],
    [CallState.OutgoingCallProceeding]: [1, 2, 4, 10, 11, 12],
    [CallState.CallDelivered]: [1, 2, 3, 10, 11, 12],
    [CallState.CallPresent]: [7, 8, 9, 25, 10, 11, 12],
    [CallState.OverlapReceiving]: [6, 7, 8, 9, 11, 12],
    [CallState.IncomingCallProceeding]: [6, 7, 8, 25, 10, 11, 12],
    [CallState.CallReceived]: [6, 8, 9, 10, 11, 12],
    [CallState.ConnectRequest]: [6, 7, 9, 10, 11, 12],
    [CallState.Active]: [3, 4, 7, 8, 9, 11, 12],
  };
  return (near[ours] ?? []).includes(theirs);
}
