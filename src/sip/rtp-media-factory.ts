// Opens the media/ RTP session of a SIP session behind the SipMediaSession
// interface the session description handler drives.
import type { DtmfDigit } from '../call/pstn-leg.js';
import { MediaSession, type MediaConfig } from '../media/media-session.js';
import type { NegotiatedAudio } from './sdp-negotiation.js';
import type { SipMediaFactory, SipMediaSession } from './sip-media.js';

class RtpSipMedia implements SipMediaSession {
  private digitReceiver: ((digit: DtmfDigit) => void) | null = null;

  constructor(
    readonly session: MediaSession,
    readonly localAddress: string,
  ) {
    session.on('digit', (digit) => this.digitReceiver?.(digit));
  }

  get localRtpPort(): number {
    return this.session.localRtpPort;
  }

  get audio(): MediaSession {
    return this.session;
  }

  allowSources(isPeer: (address: string) => boolean): void {
    this.session.allowSources(isPeer);
  }

  update(media: NegotiatedAudio): void {
    this.session.negotiate(media);
  }

  sendDigits(digits: string): boolean {
    // sendDigits returns what it could not send (nothing when telephone-event is negotiated).
    return this.session.sendDigits(digits).length === 0;
  }

  stats(): { packetsReceived: number; lost: number; jitterMs: number; digitsSent: number; digitsReceived: number } {
    return this.session.stats();
  }

  onDigit(receiver: ((digit: DtmfDigit) => void) | null): void {
    this.digitReceiver = receiver;
  }

  close(): void {
    this.session.close();
  }
}

/** A factory of RTP sessions (src/media/) for SipEndpointOptions.media; `advertised` goes in c= when binding 0.0.0.0. */
export function rtpMediaFactory(config: MediaConfig, advertised?: string): SipMediaFactory {
  return async () => new RtpSipMedia(await MediaSession.open(config), advertised ?? config.address ?? '127.0.0.1');
}
