// The small interface through which the SIP side drives a call's media
// session (src/media/ implements it): an RTP address for our SDP, the
// negotiated description after every offer/answer, digits, and close.
import type { DtmfDigit } from '../call/pstn-leg.js';
import type { AudioPath } from '../media/frame.js';
import type { NegotiatedAudio } from './sdp-negotiation.js';

export interface SipMediaSession {
  /** Address and RTP port written into our SDP (c= and m=). */
  readonly localAddress: string;
  readonly localRtpPort: number;
  readonly audio: AudioPath;
  /** Applies a new negotiation: first answer, re-INVITE, UPDATE, hold and resume. */
  update(media: NegotiatedAudio): void;
  /** Sends digits as RFC 4733 events; false when telephone-event was not negotiated. */
  sendDigits(digits: string): boolean;
  /** RTP counters (RFC 3550 §6.4.1), where the media session keeps them. */
  stats?(): { packetsReceived: number; lost: number; jitterMs: number; digitsSent: number; digitsReceived: number };
  /** Source addresses of the call's signalling peer: its RTP may come from them too before latching (a peer behind NAT). */
  allowSources?(isPeer: (address: string) => boolean): void;
  /** Registers the receiver of RFC 4733 digits from the peer. */
  onDigit(receiver: ((digit: DtmfDigit) => void) | null): void;
  close(): void;
}

/** Opens one media session per SIP session. */
export type SipMediaFactory = () => Promise<SipMediaSession>;
