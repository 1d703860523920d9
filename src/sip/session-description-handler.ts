// The sip.js SessionDescriptionHandler for Node: SDP offer/answer
// (RFC 3264, through sdp-negotiation.ts) in front of a SipMediaSession.
import type { BodyAndContentType, SessionDescriptionHandler, SessionDescriptionHandlerOptions } from 'sip.js';
import { generateSdesCrypto } from '../media/sdes-crypto.js';
import { acceptAnswer, answerOffer, createOffer, SdpRejection, type AudioCodecName, type LocalMedia, type MediaDirection, type NegotiatedAudio, type SdesCrypto, type SrtpPolicy } from './sdp-negotiation.js';
import type { SipMediaFactory, SipMediaSession } from './sip-media.js';

/** Options sip.js passes through from Session.invite() and Invitation.accept(). */
export interface HoldOptions extends SessionDescriptionHandlerOptions {
  /** Put the peer on hold (offer sendonly, RFC 3264 §8.4) or take it off (sendrecv). */
  hold?: boolean;
}

export class SdpError extends Error {
  override readonly name = 'SdpError';
  constructor(readonly rejection: SdpRejection) {
    super(rejection.reason);
  }
}

export class NodeSessionDescriptionHandler implements SessionDescriptionHandler {
  private media?: Promise<SipMediaSession>;
  private remoteOffer?: string;
  private offerSent = false;
  private onHold = false;
  private readonly sessionId = Math.floor(Math.random() * 2 ** 31);
  private sessionVersion = 0;
  /** The last negotiation applied to media. */
  negotiated?: NegotiatedAudio;

  constructor(
    private readonly openMedia: SipMediaFactory,
    private readonly codecs: readonly AudioCodecName[],
    private readonly ptime: number | undefined,
    private readonly onNegotiated: (n: NegotiatedAudio, media: SipMediaSession) => void,
    private readonly srtp: SrtpPolicy = 'off',
  ) {}

  /** Our SDES master key, one per session so re-INVITEs keep the SRTP context (RFC 4568 §7.1.4). */
  private crypto?: SdesCrypto;

  /** The media session, opened on first use. */
  session(): Promise<SipMediaSession> {
    this.media ??= this.openMedia();
    return this.media;
  }

  private async local(): Promise<LocalMedia> {
    const m = await this.session();
    // RFC 3264 §8: the version goes up with every new description we send.
    this.sessionVersion++;
    const direction: MediaDirection = this.onHold ? 'sendonly' : 'sendrecv';
    const l: LocalMedia = { address: m.localAddress, port: m.localRtpPort, codecs: this.codecs, direction, sessionId: this.sessionId, sessionVersion: this.sessionVersion };
    if (this.ptime) l.ptime = this.ptime;
    if (this.srtp !== 'off') {
      l.srtp = this.srtp;
      l.crypto = this.key();
    }
    return l;
  }

  private key(): SdesCrypto {
    this.crypto ??= generateSdesCrypto();
    return this.crypto;
  }

  async getDescription(options?: HoldOptions): Promise<BodyAndContentType> {
    if (options?.hold !== undefined) this.onHold = options.hold;
    const local = await this.local();
    if (this.remoteOffer !== undefined) {
      const result = answerOffer(this.remoteOffer, local);
      this.remoteOffer = undefined;
      if (result instanceof SdpRejection) throw new SdpError(result);
      this.apply(result.negotiated);
      return { body: result.answer, contentType: 'application/sdp' };
    }
    this.offerSent = true;
    return { body: createOffer(local), contentType: 'application/sdp' };
  }

  async setDescription(sdp: string, options?: HoldOptions): Promise<void> {
    if (options?.hold !== undefined) this.onHold = options.hold;
    if (this.offerSent) {
      this.offerSent = false;
      // RFC 3264 §7: the answer to our offer. The version/direction are recomputed for our next SDP.
      const local = await this.local();
      this.sessionVersion--;
      const n = acceptAnswer(sdp, local);
      if (n instanceof SdpRejection) throw new SdpError(n);
      this.apply(n);
      return;
    }
    // An offer: keep it; getDescription() answers it. Check it now so sip.js
    // can refuse it (488) before it commits to the dialog.
    const local = await this.local();
    this.sessionVersion--;
    const trial = answerOffer(sdp, local);
    if (trial instanceof SdpRejection) throw new SdpError(trial);
    this.remoteOffer = sdp;
  }

  private apply(n: NegotiatedAudio): void {
    this.negotiated = n;
    void this.session().then((m) => {
      m.update(n);
      this.onNegotiated(n, m);
    });
  }

  hasDescription(contentType: string): boolean {
    return contentType.toLowerCase().startsWith('application/sdp');
  }

  rollbackDescription(): Promise<void> {
    this.remoteOffer = undefined;
    this.offerSent = false;
    return Promise.resolve();
  }

  sendDtmf(tones: string): boolean {
    if (!this.media) return false;
    void this.media.then((m) => m.sendDigits(tones));
    return this.negotiated?.telephoneEventPayloadType !== undefined;
  }

  close(): void {
    void this.media?.then((m) => m.close());
  }
}
