// The SIP leg: one sip.js session and its media session (src/sip/, src/media/).
import type { EventEmitter } from 'node:events';
import type { AudioPath } from '../media/frame.js';
import type { DtmfDigit, PartyNumber } from './pstn-leg.js';
import type { Q850Cause } from './q850.js';

/** How the far end ended or refused the session. */
export interface SipRelease {
  /** Final response status (e.g. 486), or undefined for a BYE or CANCEL. */
  status?: number;
  /** Q.850 cause from a Reason header (RFC 3326), when the peer sent one. */
  cause?: Q850Cause;
  /** Who ended it: the peer, us, or a timeout (no response, RTP timeout). */
  by: 'remote' | 'local' | 'timeout';
  /** Human-readable detail for logs and CDRs. */
  reason?: string;
}

/** Events a SIP leg raises. */
export interface SipLegEvents {
  /** 100 Trying: the next hop has the INVITE. */
  trying: [];
  /** 180 Ringing or 183 Session Progress; earlyMedia when it came with SDP (RFC 3960 §3: a 180 may carry early media too). */
  progress: [status: number, earlyMedia: boolean];
  /** 200 OK to our INVITE, or ACK of our 200. */
  answered: [];
  /** An RFC 4733 event or SIP INFO digit from the peer. */
  digit: [digit: DtmfDigit];
  released: [release: SipRelease];
}

/** One SIP session towards a trunk or IP-PBX. */
export interface SipLeg extends EventEmitter<SipLegEvents> {
  readonly id: string;
  readonly direction: 'incoming' | 'outgoing';
  /** Trunk the session runs over ('digest' for a call from a digest user). */
  readonly trunk: string;
  /** The digest user (RFC 3261 §22) who placed an incoming call; undefined for a trunk's calls. */
  readonly user: string | undefined;
  readonly from: PartyNumber;
  readonly to: PartyNumber;
  /** Negotiated audio, decoded or passed through to the line's encoding. */
  readonly audio: AudioPath;

  /** Sends the INVITE with our SDP offer. */
  invite(): void;
  /** 180 Ringing, or 183 with SDP when early media is to flow. */
  ringing(earlyMedia: boolean): void;
  /** 200 OK with the SDP answer. */
  answer(): void;
  /** BYE, CANCEL or a final error response mapped from the cause (RFC 3398), with Reason (RFC 3326). */
  release(cause: Q850Cause): void;
  /** RFC 4733 telephone-events towards the peer. */
  sendDigits(digits: string): void;
}
