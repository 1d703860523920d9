// The SIP leg of a call (src/call/sip-leg.ts) over one sip.js session.
import { EventEmitter } from 'node:events';
import { Invitation, Inviter, SessionState, type Session } from 'sip.js';
import type { IncomingResponse } from 'sip.js/lib/core/messages/incoming-response.js';
import type { PartyNumber } from '../call/pstn-leg.js';
import { Cause, type Q850Cause } from '../call/q850.js';
import { PortRangeExhaustedError } from '../media/rtp-port-pool.js';
import type { SipLeg, SipLegEvents, SipRelease } from '../call/sip-leg.js';
import type { AudioFrame, AudioPath } from '../media/frame.js';
import { NodeSessionDescriptionHandler } from './session-description-handler.js';
import type { NegotiatedAudio } from './sdp-negotiation.js';
import type { SipMediaSession } from './sip-media.js';
import { causeToSipStatus, sipStatusToCause } from '../call/cause-mapping.js';
import { formatReason, reasonQ850Cause } from '../call/reason-header.js';

let nextId = 1;

export class SipCall extends EventEmitter<SipLegEvents> implements SipLeg {
  readonly id = `sip-${nextId++}`;
  private released = false;
  private releasing?: Q850Cause;
  private lastProgress = 0;
  private lastProgressSdp = false;
  private answeredOnce = false;
  private receiver: ((frame: AudioFrame) => void) | null = null;

  readonly audio: AudioPath = {
    onFrame: (receiver) => {
      this.receiver = receiver;
      void this.sdh()
        ?.session()
        .then((m) => m.audio.onFrame(this.receiver));
    },
    write: (frame) => {
      void this.sdh()
        ?.session()
        .then((m) => m.audio.write(frame));
    },
  };

  constructor(
    readonly session: Session,
    readonly direction: 'incoming' | 'outgoing',
    readonly trunk: string,
    readonly from: PartyNumber,
    readonly to: PartyNumber,
    private readonly extraHeaders: string[] = [],
    readonly user: string | undefined = undefined,
  ) {
    super();
    session.stateChange.addListener((state) => {
      if (state === SessionState.Established && !this.answeredOnce) {
        this.answeredOnce = true;
        this.emit('answered');
      }
      if (state === SessionState.Terminated) {
        // sip.js announces Terminated before it hands us the final response
        // (onReject) or the BYE; let those speak first, they know the cause.
        setTimeout(() => this.finish(this.releasing ? { by: 'local', cause: this.releasing } : { by: 'remote' }), 0);
      }
    });
    session.delegate = {
      onBye: (bye) => {
        // RFC 3326 §2: the BYE may say why, as a Q.850 cause.
        const cause = reasonQ850Cause(bye.request.getHeader('reason'));
        // sip.js leaves the 200 to BYE (RFC 3261 §15.1.2) to a delegate that takes onBye.
        bye.accept().catch((e: Error) => this.fail(e));
        this.finish({ by: 'remote', ...(cause ? { cause } : {}), reason: 'BYE' });
      },
    };
    if (session instanceof Invitation) {
      // sip.js calls onAckTimeout when the 2xx transaction ends without an ACK,
      // even if a BYE already ended the session (the ACK was lost, RFC 3261
      // §13.3.1.4), and then throws from a timer; only a live session needs it.
      const invitation = session as unknown as { onAckTimeout(): void };
      const onAckTimeout = invitation.onAckTimeout.bind(session);
      invitation.onAckTimeout = () => {
        if (session.state !== SessionState.Terminated) onAckTimeout();
      };
      session.delegate = {
        ...session.delegate,
        onCancel: (cancel) => {
          const cause = reasonQ850Cause(cancel.request.getHeader('reason'));
          this.finish({ by: 'remote', ...(cause ? { cause } : {}), reason: 'CANCEL' });
        },
      };
    }
  }

  private mediaAttached = false;
  private media: SipMediaSession | undefined;

  /** Jitter (ms) and loss (fraction of expected packets) of what the peer sent (RFC 3550 §6.4.1), RFC 4733 digits each way; undefined before media. */
  mediaStats(): { jitterMs: number; loss: number; digitsSent: number; digitsReceived: number; packetsReceived: number } | undefined {
    const s = this.media?.stats?.();
    if (!s) return undefined;
    const expected = s.packetsReceived + Math.max(0, s.lost);
    return { jitterMs: s.jitterMs, loss: expected > 0 ? Math.max(0, s.lost) / expected : 0, digitsSent: s.digitsSent, digitsReceived: s.digitsReceived, packetsReceived: s.packetsReceived };
  }

  /** Called after each offer/answer: the first time, digits from the peer start to flow up. */
  mediaReady(media: SipMediaSession): void {
    if (this.mediaAttached) return;
    this.mediaAttached = true;
    this.media = media;
    media.onDigit((digit) => this.emit('digit', digit));
    if (this.receiver) media.audio.onFrame(this.receiver);
  }

  private sdh(): NodeSessionDescriptionHandler | undefined {
    const h = this.session.sessionDescriptionHandler;
    return h instanceof NodeSessionDescriptionHandler ? h : undefined;
  }

  private finish(release: SipRelease): void {
    if (this.released) return;
    this.released = true;
    this.emit('released', release);
  }

  invite(): void {
    if (!(this.session instanceof Inviter)) throw new Error(`${this.id}: invite() is for outgoing calls`);
    this.session
      .invite({
        requestDelegate: {
          onTrying: () => this.emit('trying'),
          onProgress: (r: IncomingResponse) => {
            const status = r.message.statusCode ?? 180;
            const withSdp = r.message.body.length > 0;
            // A repeated 18x changes nothing, unless it brings the SDP the first one lacked.
            if (status === 100 || (status === this.lastProgress && (!withSdp || this.lastProgressSdp))) return;
            this.lastProgress = status;
            this.lastProgressSdp ||= withSdp;
            // RFC 3960 §3: any 18x with SDP (a 180 too) opens an early media session.
            this.emit('progress', status, withSdp);
          },
          onReject: (r: IncomingResponse) => this.rejected(r),
          onRedirect: (r: IncomingResponse) => this.rejected(r),
        },
      })
      // No RTP port for the offer: Q.850 cause 47, resource unavailable (RFC 3398 §7.2.4.1 would send 503).
      .catch((err: Error) => this.finish({ by: 'local', ...(err instanceof PortRangeExhaustedError ? { cause: Cause.RESOURCE_UNAVAILABLE } : {}), reason: `INVITE failed: ${err.message}` }));
  }

  private rejected(r: IncomingResponse): void {
    const status = r.message.statusCode ?? 500;
    // RFC 3326 §2 Reason wins; otherwise RFC 3398 §8.2.6.1 maps the status.
    const cause = sipStatusToCause(status, reasonQ850Cause(r.message.getHeader('reason')));
    this.finish({ by: status === 408 ? 'timeout' : 'remote', status, cause, reason: r.message.reasonPhrase });
  }

  ringing(earlyMedia: boolean): void {
    if (!(this.session instanceof Invitation)) throw new Error(`${this.id}: ringing() is for incoming calls`);
    // RFC 3261 §21.1.2 180 Ringing; §21.1.5 183 Session Progress with SDP for early media.
    // RFC 3262 §3: a peer that requires 100rel gets the 18x reliably (RSeq, retransmitted until PRACKed);
    // sip.js reads Require but lets a Supported header in the same INVITE override it.
    const rel100 = /(^|[\s,])100rel([\s,]|$)/i.test(this.session.request.getHeader('require') ?? '');
    this.session.progress({ statusCode: earlyMedia ? 183 : 180, ...(rel100 ? { rel100: true } : {}) }).catch((err: Error) => this.fail(err));
  }

  answer(): void {
    if (!(this.session instanceof Invitation)) throw new Error(`${this.id}: answer() is for incoming calls`);
    this.session.accept().catch((err: Error) => this.fail(err));
  }

  private fail(err: Error): void {
    this.finish({ by: 'local', reason: err.message });
  }

  /** Puts the peer on hold (re-INVITE with sendonly, RFC 3264 §8.4) or resumes it. */
  hold(on: boolean, tries = 3): Promise<void> {
    return new Promise((resolve, reject) => {
      this.session
        .invite({
          sessionDescriptionHandlerOptions: { hold: on } as object,
          requestDelegate: {
            onAccept: () => resolve(),
            onReject: (r) => {
              const status = r.message.statusCode ?? 0;
              // RFC 5407 §3.1.5: a re-INVITE that crossed the initial ACK gets 500 with
              // Retry-After; RFC 3261 §14.1: a glare gets 491. Either is tried again.
              const after = Number(r.message.getHeader('retry-after')?.split(/[\s;(]/)[0]);
              const wait = status === 491 ? 2100 + Math.random() * 1900 : status === 500 && Number.isFinite(after) ? Math.min(after, 10) * 1000 : undefined;
              if (wait !== undefined && tries > 1) {
                setTimeout(() => void this.hold(on, tries - 1).then(resolve, reject), wait);
                return;
              }
              reject(new Error(`${this.id}: re-INVITE refused with ${status}`));
            },
          },
        })
        .catch(reject);
    });
  }

  /** The Call-ID of the session's dialog. */
  get callId(): string {
    const s = this.session as unknown as { request?: { callId: string } };
    return s.request?.callId ?? '';
  }

  /**
   * An UPDATE from the peer (RFC 3311 §5.2), which sip.js does not handle:
   * its offer is answered like a re-INVITE's. Resolves with the answer, or
   * rejects with an SdpError.
   */
  async answerUpdate(offer: string): Promise<string | undefined> {
    const sdh = this.sdh();
    if (!sdh) throw new Error(`${this.id}: no session description yet`);
    if (!offer.trim()) return undefined;
    await sdh.setDescription(offer);
    return (await sdh.getDescription()).body;
  }

  /** What the last offer/answer settled (codec, direction, telephone-event), once there was one. */
  get negotiation(): NegotiatedAudio | undefined {
    return this.sdh()?.negotiated;
  }

  release(cause: Q850Cause): void {
    if (this.released) return;
    this.releasing = cause;
    // RFC 3326 §2: say why, as a Q.850 cause, on BYE, CANCEL and error responses.
    const reason = `Reason: ${formatReason(cause)}`;
    const extraHeaders = [...this.extraHeaders, reason];
    const s = this.session;
    const done = (): void => this.finish({ by: 'local', cause });
    if (s.state === SessionState.Established) {
      s.bye({ requestOptions: { extraHeaders } }).then(done, (e: Error) => this.fail(e));
    } else if (s instanceof Inviter) {
      s.cancel({ extraHeaders }).then(done, (e: Error) => this.fail(e));
    } else if (s instanceof Invitation && (s.state === SessionState.Initial || s.state === SessionState.Establishing)) {
      // RFC 3398 §7.2.4.1: the status for the cause.
      s.reject({ statusCode: causeToSipStatus(cause), extraHeaders: [reason] }).then(done, (e: Error) => this.fail(e));
    } else done();
  }

  sendDigits(digits: string): void {
    this.sdh()?.sendDtmf(digits);
  }
}
