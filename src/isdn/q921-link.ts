// The LAPD data link of one D-channel (ITU-T Q.921): multiple frame operation
// on SAPI 0 with a fixed TEI (0 on a PRI, Q.921 clause 3.3.4.1: point-to-point
// TEI assigned without TEI management), as the SDL of Q.921 Annex B draws it.
import { EventEmitter } from 'node:events';
import type { FramePipe } from './frame-pipe.js';
import { decodeLapdFrame, encodeLapdFrame, SAPI_CALL_CONTROL, type FrameType, type LapdFrame } from './q921-frame.js';

/** The data link states of Q.921 Annex B (states 1-3 belong to TEI management, unused with a fixed TEI). */
export enum LinkState {
  TeiAssigned = 4,
  AwaitingEstablishment = 5,
  AwaitingRelease = 6,
  MultipleFrameEstablished = 7,
  TimerRecovery = 8,
}

export const linkStateName: Record<LinkState, string> = {
  [LinkState.TeiAssigned]: 'TEI assigned',
  [LinkState.AwaitingEstablishment]: 'awaiting establishment',
  [LinkState.AwaitingRelease]: 'awaiting release',
  [LinkState.MultipleFrameEstablished]: 'multiple frame established',
  [LinkState.TimerRecovery]: 'timer recovery',
};

/** Q.921 clause 5.9 system parameters, in milliseconds for timers. */
export interface LinkParameters {
  /** Q.921 clause 5.9.1: 1 s. */
  T200: number;
  /** Q.921 clause 5.9.2: 3. */
  N200: number;
  /** Q.921 clause 5.9.3: 260 octets of information. */
  N201: number;
  /** Q.921 clause 5.9.5: 7 for SAPI 0 on a primary rate access. */
  k: number;
  /** Q.921 clause 5.9.8: 10 s. */
  T203: number;
}

export const defaultLinkParameters: LinkParameters = { T200: 1000, N200: 3, N201: 260, k: 7, T203: 10000 };

export interface Q921LinkOptions {
  /** Which end of the D-channel we are: it decides the meaning of the C/R bit (Q.921 clause 3.3.2, Table 1). */
  side: 'user' | 'network';
  /** Q.921 clause 3.3.4.1: TEI 0 on a PRI. */
  tei?: number;
  parameters?: Partial<LinkParameters>;
}

export interface Q921LinkEvents {
  /** DL-ESTABLISH-INDICATION or -CONFIRM: multiple frame operation is up. */
  established: [];
  /** DL-RELEASE-INDICATION or -CONFIRM: the link is down. */
  released: [];
  /** DL-DATA-INDICATION: one layer 3 message. */
  data: [message: Uint8Array];
  /** MDL-ERROR-INDICATION with the Q.921 Table II.1 (Appendix II) error code A..O and why. */
  'mdl-error': [code: string, detail: string];
  /** A state change, for traces and status. */
  state: [state: LinkState];
}

/** Legal state changes (Q.921 Annex B). */
const transitions: Record<LinkState, readonly LinkState[]> = {
  [LinkState.TeiAssigned]: [LinkState.AwaitingEstablishment, LinkState.MultipleFrameEstablished],
  [LinkState.AwaitingEstablishment]: [LinkState.TeiAssigned, LinkState.MultipleFrameEstablished, LinkState.AwaitingEstablishment],
  [LinkState.AwaitingRelease]: [LinkState.TeiAssigned],
  [LinkState.MultipleFrameEstablished]: [
    LinkState.TeiAssigned,
    LinkState.AwaitingEstablishment,
    LinkState.AwaitingRelease,
    LinkState.TimerRecovery,
    LinkState.MultipleFrameEstablished,
  ],
  [LinkState.TimerRecovery]: [
    LinkState.TeiAssigned,
    LinkState.AwaitingEstablishment,
    LinkState.AwaitingRelease,
    LinkState.MultipleFrameEstablished,
  ],
};

const MOD = 128;

/**
 * One LAPD data link on a D-channel. establish() asks for multiple frame
 * operation (DL-ESTABLISH-REQUEST), release() ends it, send() queues a layer 3
 * message (DL-DATA-REQUEST); what the peer does arrives as events.
 */
export class Q921Link extends EventEmitter<Q921LinkEvents> {
  readonly parameters: LinkParameters;
  readonly side: 'user' | 'network';
  readonly tei: number;
  private _state = LinkState.TeiAssigned;

  // Q.921 clause 3.5.2: state variables.
  private vs = 0; // V(S), send state variable
  private va = 0; // V(A), acknowledge state variable
  private vr = 0; // V(R), receive state variable
  private rc = 0; // retransmission counter (clause 5.6.7)
  private peerBusy = false;
  private rejectException = false;
  private ackPending = false;
  private layer3Initiated = false;
  /** I queue: messages not yet sent. */
  private queue: Uint8Array[] = [];
  /** Sent, not yet acknowledged: information of N(S) = V(A) .. V(S)-1. */
  private unacked: Uint8Array[] = [];
  private t200: NodeJS.Timeout | null = null;
  private t203: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly onFrame = (bytes: Uint8Array): void => this.receive(bytes);

  constructor(
    private readonly pipe: FramePipe,
    options: Q921LinkOptions,
  ) {
    super();
    this.side = options.side;
    this.tei = options.tei ?? 0;
    this.parameters = { ...defaultLinkParameters, ...options.parameters };
    pipe.on('frame', this.onFrame);
  }

  get state(): LinkState {
    return this._state;
  }

  /** True in the states where layer 3 messages flow (7 and 8). */
  get isEstablished(): boolean {
    return this._state === LinkState.MultipleFrameEstablished || this._state === LinkState.TimerRecovery;
  }

  /** DL-ESTABLISH-REQUEST (Q.921 clause 5.5.1.2). */
  establish(): void {
    if (this.closed) return;
    switch (this._state) {
      case LinkState.TeiAssigned:
      case LinkState.MultipleFrameEstablished:
      case LinkState.TimerRecovery:
        this.queue = [];
        this.establishDataLink();
        this.layer3Initiated = true;
        this.stateTransition(LinkState.AwaitingEstablishment);
        break;
      default:
        // Already establishing or releasing: the result will be reported.
        break;
    }
  }

  /** DL-RELEASE-REQUEST (Q.921 clause 5.5.3.2). */
  release(): void {
    if (this.closed) return;
    if (this.isEstablished) {
      this.queue = [];
      this.rc = 0;
      this.sendU('DISC', true, true);
      this.stopT203();
      this.startT200();
      this.stateTransition(LinkState.AwaitingRelease);
    } else if (this._state === LinkState.AwaitingEstablishment) {
      // Q.921 Annex B state 5: a release request while establishing ends it at once.
      this.stopT200();
      this.stateTransition(LinkState.TeiAssigned);
      this.emit('released');
    }
  }

  /** DL-DATA-REQUEST: queues one layer 3 message for acknowledged transfer (Q.921 clause 5.6.1). */
  send(message: Uint8Array): void {
    if (this.closed) return;
    if (message.length > this.parameters.N201) {
      this.emit('mdl-error', 'N201', `layer 3 message of ${message.length} octets exceeds N201 (${this.parameters.N201})`);
      return;
    }
    this.queue.push(Uint8Array.from(message));
    this.pump();
  }

  /** Stops the timers and detaches from the pipe; the link raises nothing more. */
  close(): void {
    this.closed = true;
    this.stopT200();
    this.stopT203();
    this.pipe.off('frame', this.onFrame);
  }

  // ---- the one transition function of this state machine ----

  private stateTransition(next: LinkState): void {
    const from = this._state;
    if (!transitions[from].includes(next)) {
      throw new Error(`Q.921: illegal transition from ${linkStateName[from]} to ${linkStateName[next]}`);
    }
    this._state = next;
    // Q.921 clause 5.5.4: in TEI assigned no timer runs.
    if (next === LinkState.TeiAssigned) {
      this.stopT200();
      this.stopT203();
      this.unacked = [];
      this.peerBusy = false;
    }
    if (from !== next) this.emit('state', next);
  }

  // ---- frames in ----

  private receive(bytes: Uint8Array): void {
    if (this.closed) return;
    const decoded = decodeLapdFrame(bytes);
    if (!decoded.ok) {
      // Q.921 clause 5.8.4: invalid frames are discarded without action.
      this.emit('mdl-error', 'invalid', decoded.error);
      return;
    }
    const f = decoded.frame;
    // Q.921 clause 3.3: a frame for another SAPI or TEI is not ours (a PRI carries SAPI 0, TEI 0 only).
    if (f.sapi !== SAPI_CALL_CONTROL || f.tei !== this.tei) return;
    if ((f.type === 'I' || f.type === 'UI') && f.info && f.info.length > this.parameters.N201) {
      // Q.921 clause 5.8.5 c: information field longer than N201.
      this.emit('mdl-error', 'O', `${f.type} frame of ${f.info.length} octets exceeds N201`);
      this.frameRejection();
      return;
    }
    // Q.921 clause 3.3.2, Table 1: the network sends commands with C/R = 1, the user with C/R = 0.
    const command = this.side === 'user' ? f.cr === 1 : f.cr === 0;
    switch (this._state) {
      case LinkState.TeiAssigned:
        return this.inTeiAssigned(f, command);
      case LinkState.AwaitingEstablishment:
        return this.inAwaitingEstablishment(f, command);
      case LinkState.AwaitingRelease:
        return this.inAwaitingRelease(f, command);
      case LinkState.MultipleFrameEstablished:
      case LinkState.TimerRecovery:
        return this.inEstablished(f, command);
    }
  }

  /** Q.921 Annex B state 4, clause 5.5.4. */
  private inTeiAssigned(f: LapdFrame, command: boolean): void {
    switch (f.type) {
      case 'SABME':
        // Q.921 clause 5.5.1.2: a data link able to enter multiple frame mode answers UA with F = P.
        this.sendU('UA', false, f.pf);
        this.resetVariables();
        this.stateTransition(LinkState.MultipleFrameEstablished);
        this.startT203();
        this.emit('established');
        return;
      case 'DISC':
        // Q.921 clause 5.5.3.2: DISC while disconnected is answered with DM, F = P.
        this.sendU('DM', false, f.pf);
        return;
      case 'UA':
        this.emit('mdl-error', f.pf ? 'C' : 'D', 'unsolicited UA in TEI assigned');
        return;
      case 'DM':
        // Q.921 Annex B state 4: an unsolicited DM with F = 0 asks for establishment.
        if (!f.pf) {
          this.establishDataLink();
          this.layer3Initiated = false;
          this.stateTransition(LinkState.AwaitingEstablishment);
        }
        return;
      default:
        // Q.921 clause 5.5.4: a command with P = 1 is answered with DM F = 1, anything else is ignored.
        if (command && f.pf) this.sendU('DM', false, true);
    }
  }

  /** Q.921 Annex B state 5, clauses 5.5.1.2, 5.5.1.3 and 5.5.5. */
  private inAwaitingEstablishment(f: LapdFrame, command: boolean): void {
    switch (f.type) {
      case 'SABME':
        // Q.921 clause 5.5.5: identical commands cross; answer UA and go on waiting for ours.
        this.sendU('UA', false, f.pf);
        return;
      case 'DISC':
        // Q.921 clause 5.5.5: different commands cross; answer DM.
        this.sendU('DM', false, f.pf);
        return;
      case 'UA':
        if (!f.pf) {
          this.emit('mdl-error', 'D', 'UA with F = 0 in awaiting establishment');
          return;
        }
        // Q.921 clause 5.5.1.2: UA with F = 1 completes establishment.
        if (!this.layer3Initiated && this.vs !== this.va) this.queue = [];
        this.stopT200();
        this.resetVariables();
        this.stateTransition(LinkState.MultipleFrameEstablished);
        this.startT203();
        this.emit('established');
        this.pump();
        return;
      case 'DM':
        // Q.921 clause 5.5.1.2: DM with F = 1 refuses establishment.
        if (f.pf) {
          this.queue = [];
          this.stopT200();
          this.stateTransition(LinkState.TeiAssigned);
          this.emit('released');
        }
        return;
      default:
        if (command && f.pf) return; // Q.921 Annex B state 5: other frames are ignored.
    }
  }

  /** Q.921 Annex B state 6, clauses 5.5.3.2, 5.5.3.3 and 5.5.5. */
  private inAwaitingRelease(f: LapdFrame, _command: boolean): void {
    switch (f.type) {
      case 'SABME':
        this.sendU('DM', false, f.pf);
        return;
      case 'DISC':
        this.sendU('UA', false, f.pf);
        return;
      case 'UA':
      case 'DM':
        if (f.pf) {
          this.stopT200();
          this.stateTransition(LinkState.TeiAssigned);
          this.emit('released');
        } else if (f.type === 'UA') {
          this.emit('mdl-error', 'D', 'UA with F = 0 in awaiting release');
        }
        return;
      default:
        return;
    }
  }

  /** Q.921 Annex B states 7 and 8, clauses 5.6, 5.7 and 5.8. */
  private inEstablished(f: LapdFrame, command: boolean): void {
    const recovering = this._state === LinkState.TimerRecovery;
    switch (f.type) {
      case 'SABME':
        // Q.921 clause 5.7.2: the peer re-establishes; I frames not acknowledged are lost to layer 3.
        this.sendU('UA', false, f.pf);
        this.emit('mdl-error', 'F', 'SABME in multiple frame established');
        if (this.vs !== this.va) this.queue = [];
        this.stopT200();
        this.resetVariables();
        this.stateTransition(LinkState.MultipleFrameEstablished);
        this.startT203();
        this.emit('established');
        return;
      case 'DISC':
        // Q.921 clause 5.5.3.2: the peer releases.
        this.queue = [];
        this.sendU('UA', false, f.pf);
        this.stateTransition(LinkState.TeiAssigned);
        this.emit('released');
        return;
      case 'UA':
        this.emit('mdl-error', f.pf ? 'C' : 'D', 'unsolicited UA in multiple frame established');
        return;
      case 'DM':
        // Q.921 clause 5.8.7: DM in multiple frame mode means the peer lost the link: re-establish.
        this.emit('mdl-error', f.pf ? 'B' : 'E', 'DM in multiple frame established');
        this.reestablish();
        return;
      case 'FRMR':
        // Q.921 clause 5.8.6: FRMR received: re-establish.
        this.emit('mdl-error', 'K', 'FRMR received');
        this.reestablish();
        return;
      case 'RR':
      case 'RNR':
      case 'REJ':
        return this.supervisory(f, command, recovering);
      case 'I':
        if (!command) {
          // Q.921 clause 5.8.5: an I frame is always a command.
          this.emit('mdl-error', 'L', 'I frame sent as a response');
          return;
        }
        return this.information(f, recovering);
      case 'UI':
        // Q.921 clause 5.2: unacknowledged information goes up as is.
        if (f.info) this.emit('data', f.info);
        return;
      case 'XID':
        return;
    }
  }

  /** Q.921 clauses 5.6.3 (RR), 5.6.4 (REJ), 5.6.5 (RNR) and 5.6.7 (timer recovery). */
  private supervisory(f: LapdFrame, command: boolean, recovering: boolean): void {
    const nr = f.nr ?? 0;
    this.peerBusy = f.type === 'RNR';
    if (command && f.pf) {
      // Q.921 clause 5.6.3: a supervisory command with P = 1 is answered at once with F = 1.
      this.enquiryResponse();
    } else if (!command && f.pf && !recovering) {
      this.emit('mdl-error', 'A', `${f.type} response with F = 1 in multiple frame established`);
    }
    if (!this.validNr(nr)) return this.nrError(nr);
    if (recovering) {
      if (!command && f.pf) {
        // Q.921 clause 5.6.7: the enquiry is answered: leave timer recovery and resend from N(R).
        this.acknowledge(nr);
        this.stopT200();
        this.stateTransition(LinkState.MultipleFrameEstablished);
        this.retransmitFrom(nr);
        this.restartTimersAfterAck();
      } else {
        this.acknowledge(nr);
      }
      return;
    }
    if (f.type === 'REJ') {
      // Q.921 clause 5.6.4: resend every I frame from N(R).
      this.acknowledge(nr);
      this.stopT200();
      this.retransmitFrom(nr);
      this.restartTimersAfterAck();
      return;
    }
    if (f.type === 'RNR') {
      // Q.921 clause 5.6.5: the peer is busy: stop sending, poll it when T200 runs out.
      this.acknowledge(nr);
      this.stopT203();
      this.startT200();
      return;
    }
    this.ackReceived(nr);
    this.pump();
  }

  /** Q.921 clause 5.6.2 (receiving I frames) and 5.8.1 (N(S) sequence error). */
  private information(f: LapdFrame, recovering: boolean): void {
    const ns = f.ns ?? 0;
    const nr = f.nr ?? 0;
    if (ns === this.vr) {
      this.vr = (this.vr + 1) % MOD;
      this.rejectException = false;
      if (f.info) this.emit('data', f.info);
      if (f.pf) {
        this.sendS('RR', false, true);
        this.ackPending = false;
      } else {
        this.ackPending = true;
      }
    } else if (this.rejectException) {
      // Q.921 clause 5.8.1: one REJ per exception; later out-of-sequence frames are only discarded.
      if (f.pf) this.sendS('RR', false, true);
    } else {
      this.rejectException = true;
      this.sendS('REJ', false, f.pf);
      this.ackPending = false;
    }
    if (!this.validNr(nr)) return this.nrError(nr);
    if (recovering || this.peerBusy) this.acknowledge(nr);
    else this.ackReceived(nr);
    this.pump();
    // Q.921 clause 5.6.2: acknowledge with RR when no I frame carried N(R) back.
    if (this.ackPending) {
      this.ackPending = false;
      this.sendS('RR', false, false);
    }
  }

  /** Q.921 clause 5.6.3: N(R) acknowledges; T200 stops when all is acknowledged, else restarts. */
  private ackReceived(nr: number): void {
    if (nr === this.vs) {
      this.acknowledge(nr);
      this.stopT200();
      this.startT203();
    } else if (nr !== this.va) {
      this.acknowledge(nr);
      this.startT200();
    }
  }

  private acknowledge(nr: number): void {
    while (this.va !== nr) {
      this.unacked.shift();
      this.va = (this.va + 1) % MOD;
    }
  }

  private restartTimersAfterAck(): void {
    if (this.vs !== this.va || this.peerBusy) {
      this.stopT203();
      this.startT200();
    } else {
      this.stopT200();
      this.startT203();
    }
    this.pump();
  }

  /** Q.921 clause 5.6.4: V(S) goes back to N(R); the unacknowledged frames go out again. */
  private retransmitFrom(nr: number): void {
    this.queue = [...this.unacked, ...this.queue];
    this.unacked = [];
    this.vs = nr;
  }

  /** Q.921 clause 5.8.2: V(A) <= N(R) <= V(S), modulo 128. */
  private validNr(nr: number): boolean {
    return (nr - this.va + MOD) % MOD <= (this.vs - this.va + MOD) % MOD;
  }

  private nrError(nr: number): void {
    this.emit('mdl-error', 'J', `N(R) ${nr} outside V(A) ${this.va} .. V(S) ${this.vs}`);
    this.reestablish();
  }

  /** Q.921 clause 5.8.5: a frame Q.921 rejects leads to re-establishment. */
  private frameRejection(): void {
    if (this.isEstablished) this.reestablish();
  }

  /** Q.921 clause 5.7.2: re-establishment of multiple frame operation, not asked by layer 3. */
  private reestablish(): void {
    this.establishDataLink();
    this.layer3Initiated = false;
    this.stateTransition(LinkState.AwaitingEstablishment);
  }

  // ---- frames out ----

  /** Q.921 clause 5.6.1: send queued I frames while the window k is open and the peer not busy. */
  private pump(): void {
    if (this._state !== LinkState.MultipleFrameEstablished) return;
    while (this.queue.length && !this.peerBusy && (this.vs - this.va + MOD) % MOD < this.parameters.k) {
      const info = this.queue.shift()!;
      this.unacked.push(info);
      this.sendFrame({ type: 'I', ns: this.vs, nr: this.vr, pf: false, info }, true);
      this.vs = (this.vs + 1) % MOD;
      this.ackPending = false;
      if (!this.t200) {
        this.stopT203();
        this.startT200();
      }
    }
  }

  /** Q.921 Annex B procedure "establish data link": clear exceptions, RC = 0, SABME P = 1, restart T200. */
  private establishDataLink(): void {
    this.clearExceptions();
    this.rc = 0;
    this.sendU('SABME', true, true);
    this.stopT203();
    this.startT200();
  }

  private clearExceptions(): void {
    this.peerBusy = false;
    this.rejectException = false;
    this.ackPending = false;
  }

  private resetVariables(): void {
    this.clearExceptions();
    this.vs = 0;
    this.va = 0;
    this.vr = 0;
    this.unacked = [];
  }

  /** Q.921 clause 5.6.7: an RR (or RNR when we are busy) command with P = 1. */
  private transmitEnquiry(): void {
    this.sendS('RR', true, true);
    this.ackPending = false;
    this.startT200();
  }

  private enquiryResponse(): void {
    this.sendS('RR', false, true);
    this.ackPending = false;
  }

  private sendU(type: FrameType, command: boolean, pf: boolean): void {
    this.sendFrame({ type, pf }, command);
  }

  private sendS(type: 'RR' | 'RNR' | 'REJ', command: boolean, pf: boolean): void {
    this.sendFrame({ type, nr: this.vr, pf }, command);
  }

  private sendFrame(f: Omit<LapdFrame, 'sapi' | 'tei' | 'cr'>, command: boolean): void {
    // Q.921 clause 3.3.2, Table 1: C/R = 1 for network commands and user responses.
    const cr: 0 | 1 = (this.side === 'network') === command ? 1 : 0;
    this.pipe.send(encodeLapdFrame({ ...f, sapi: SAPI_CALL_CONTROL, tei: this.tei, cr }));
  }

  // ---- timers (Q.921 clause 5.9) ----

  private startT200(): void {
    this.stopT200();
    this.t200 = setTimeout(() => {
      this.t200 = null;
      this.onT200();
    }, this.parameters.T200);
  }

  private stopT200(): void {
    if (this.t200) clearTimeout(this.t200);
    this.t200 = null;
  }

  private startT203(): void {
    this.stopT203();
    this.t203 = setTimeout(() => {
      this.t203 = null;
      this.onT203();
    }, this.parameters.T203);
  }

  private stopT203(): void {
    if (this.t203) clearTimeout(this.t203);
    this.t203 = null;
  }

  private onT200(): void {
    if (this.closed) return;
    switch (this._state) {
      case LinkState.AwaitingEstablishment:
        // Q.921 clause 5.5.1.3: SABME again, up to N200 times, then give up.
        if (this.rc >= this.parameters.N200) {
          this.queue = [];
          this.emit('mdl-error', 'G', `no answer to SABME after N200 (${this.parameters.N200}) retries`);
          this.stateTransition(LinkState.TeiAssigned);
          this.emit('released');
        } else {
          this.rc++;
          this.sendU('SABME', true, true);
          this.startT200();
        }
        return;
      case LinkState.AwaitingRelease:
        // Q.921 clause 5.5.3.3: DISC again, up to N200 times.
        if (this.rc >= this.parameters.N200) {
          this.emit('mdl-error', 'H', `no answer to DISC after N200 (${this.parameters.N200}) retries`);
          this.stateTransition(LinkState.TeiAssigned);
          this.emit('released');
        } else {
          this.rc++;
          this.sendU('DISC', true, true);
          this.startT200();
        }
        return;
      case LinkState.MultipleFrameEstablished:
        // Q.921 clause 5.6.7: T200 ran out waiting for an acknowledgement: enter timer recovery.
        this.rc = 1;
        this.stateTransition(LinkState.TimerRecovery);
        this.transmitEnquiry();
        return;
      case LinkState.TimerRecovery:
        // Q.921 clause 5.6.7 and 5.7.1: after N200 unanswered enquiries, re-establish.
        if (this.rc >= this.parameters.N200) {
          this.emit('mdl-error', 'I', `no answer to enquiry after N200 (${this.parameters.N200}) retries`);
          this.reestablish();
        } else {
          this.rc++;
          this.transmitEnquiry();
        }
        return;
      default:
        return;
    }
  }

  private onT203(): void {
    if (this.closed) return;
    // Q.921 clause 5.6.7 / 5.9.8: nothing heard for T203: poll the peer.
    if (this._state === LinkState.MultipleFrameEstablished) {
      this.rc = 0;
      this.stateTransition(LinkState.TimerRecovery);
      this.transmitEnquiry();
    }
  }
}
