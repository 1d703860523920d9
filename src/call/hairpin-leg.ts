// The calling side of a PSTN -> PSTN call (hairpin, trunk failover): an
// incoming PstnLeg standing where a Call expects the SIP leg, so the bridge
// joins two lines with the same progress, answer, cause, digit and media
// mapping it uses for SIP -> PSTN.
import { EventEmitter } from 'node:events';
import type { AudioPath } from '../media/frame.js';
import type { PartyNumber, PstnLeg } from './pstn-leg.js';
import type { Q850Cause } from './q850.js';
import type { SipLeg, SipLegEvents } from './sip-leg.js';

export class HairpinLeg extends EventEmitter<SipLegEvents> implements SipLeg {
  readonly id: string;
  readonly direction = 'incoming' as const;
  /** No trunk: the Call leaves it out of the CDR. */
  readonly trunk = '';
  readonly user = undefined;
  readonly from: PartyNumber;
  readonly to: PartyNumber;
  readonly audio: AudioPath;

  constructor(readonly leg: PstnLeg) {
    super();
    this.id = leg.id;
    this.from = leg.calling;
    this.to = leg.called;
    this.audio = leg.audio;
    leg.on('digit', (d) => this.emit('digit', d));
    // The caller's own cause, not a SIP status (Q.850 end to end).
    leg.on('released', (cause) => this.emit('released', { by: 'remote', cause }));
  }

  invite(): void {
    // An incoming leg: nothing to send.
  }

  /** Alerting with in-band audio: the far line's ringback or announcements reach the caller. */
  ringing(): void {
    this.leg.alert(true);
  }

  answer(): void {
    this.leg.answer();
  }

  release(cause: Q850Cause): void {
    this.leg.release(cause);
  }

  sendDigits(digits: string): void {
    this.leg.sendDigits(digits);
  }
}
