// A media session for SIP tests that only binds an RTP port and records what
// offer/answer negotiated (the media/ branch supplies the real one).
import { createSocket, type Socket } from 'node:dgram';
import type { DtmfDigit } from '../../src/call/pstn-leg.js';
import type { AudioFrame } from '../../src/media/frame.js';
import type { NegotiatedAudio } from '../../src/sip/sdp-negotiation.js';
import type { SipMediaSession } from '../../src/sip/sip-media.js';

export class BoundRtpPort implements SipMediaSession {
  readonly negotiations: NegotiatedAudio[] = [];
  readonly sentDigits: string[] = [];
  closed = false;
  private constructor(
    private readonly socket: Socket,
    readonly localAddress: string,
    readonly localRtpPort: number,
  ) {}

  static async open(address = '127.0.0.1'): Promise<BoundRtpPort> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, resolve));
    return new BoundRtpPort(socket, address, socket.address().port);
  }

  readonly audio = {
    onFrame: (_r: ((frame: AudioFrame) => void) | null): void => undefined,
    write: (_f: AudioFrame): void => undefined,
  };

  update(media: NegotiatedAudio): void {
    this.negotiations.push(media);
  }

  sendDigits(digits: string): boolean {
    this.sentDigits.push(digits);
    return true;
  }

  onDigit(_r: ((digit: DtmfDigit) => void) | null): void {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }
}
