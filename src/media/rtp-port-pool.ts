// Picks the UDP socket pair of one call from the configured port range.
import { createSocket, type Socket } from 'node:dgram';

/** Inclusive port range for RTP; RTCP uses RTP + 1 (RFC 3550 §11). */
export interface PortRange {
  min: number;
  max: number;
}

/** The two bound sockets of one RTP session. */
export interface RtpSocketPair {
  rtp: Socket;
  rtcp: Socket;
  rtpPort: number;
  rtcpPort: number;
}

/** Raised when no even/odd pair of the range could be bound. */
export class PortRangeExhaustedError extends Error {
  override readonly name = 'PortRangeExhaustedError';
}

function bind(type: 'udp4' | 'udp6', address: string, port: number): Promise<Socket | null> {
  return new Promise((resolve) => {
    const s = createSocket({ type, reuseAddr: false });
    const fail = (): void => {
      s.close();
      resolve(null);
    };
    s.once('error', fail);
    s.bind({ port, address, exclusive: true }, () => {
      s.off('error', fail);
      resolve(s);
    });
  });
}

/**
 * Hands out RTP/RTCP pairs from a range, round-robin, so that a port just
 * freed is not reused at once (late packets of the old call would land in
 * the new one). Without a range it takes ephemeral ports from the system.
 */
export class RtpPortPool {
  private next: number;

  constructor(
    readonly address = '0.0.0.0',
    readonly range?: PortRange,
  ) {
    if (range) {
      if (!Number.isInteger(range.min) || !Number.isInteger(range.max) || range.min < 1024 || range.max > 65535 || range.min >= range.max) {
        throw new RangeError(`RTP port range ${range.min}-${range.max}: need integers 1024 <= min < max <= 65535`);
      }
    }
    this.next = range ? range.min + (range.min % 2) : 0;
  }

  private get family(): 'udp4' | 'udp6' {
    return this.address.includes(':') ? 'udp6' : 'udp4';
  }

  /** Binds an even RTP port and RTP + 1 for RTCP (RFC 3550 §11). */
  async allocate(): Promise<RtpSocketPair> {
    if (!this.range) return this.allocateEphemeral();
    const first = this.range.min + (this.range.min % 2);
    const count = Math.floor((this.range.max - first + 1) / 2);
    for (let i = 0; i < count; i++) {
      const port = this.next;
      this.next = port + 2 > this.range.max - 1 ? first : port + 2;
      const pair = await this.bindPair(port);
      if (pair) return pair;
    }
    throw new PortRangeExhaustedError(`no free RTP port pair in ${this.range.min}-${this.range.max} on ${this.address}`);
  }

  private async allocateEphemeral(): Promise<RtpSocketPair> {
    for (let attempt = 0; attempt < 64; attempt++) {
      const probe = await bind(this.family, this.address, 0);
      if (!probe) break;
      let port = probe.address().port;
      probe.close();
      if (port % 2) port -= 1;
      if (port < 1024) continue;
      const pair = await this.bindPair(port);
      if (pair) return pair;
    }
    throw new PortRangeExhaustedError(`no free ephemeral RTP port pair on ${this.address}`);
  }

  private async bindPair(port: number): Promise<RtpSocketPair | null> {
    const rtp = await bind(this.family, this.address, port);
    if (!rtp) return null;
    const rtcp = await bind(this.family, this.address, port + 1);
    if (!rtcp) {
      rtp.close();
      return null;
    }
    return { rtp, rtcp, rtpPort: port, rtcpPort: port + 1 };
  }
}
