// Picks the UDP socket pair of one call from the configured port range.
// The sockets live on the RTP engine (native/rtp/), not in libuv.
import { RtpSocketError, sharedRtpEngine, type RtpEngine, type RtpSocket } from './rtp-engine.js';

/** Inclusive port range for RTP; RTCP uses RTP + 1 (RFC 3550 §11). */
export interface PortRange {
  min: number;
  max: number;
}

/** The two bound sockets of one RTP session. */
export interface RtpSocketPair {
  rtp: RtpSocket;
  rtcp: RtpSocket;
  rtpPort: number;
  rtcpPort: number;
}

/** Raised when no even/odd pair of the range could be bound. */
export class PortRangeExhaustedError extends Error {
  override readonly name = 'PortRangeExhaustedError';
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
    /** The engine the sockets live on; default the process's one. */
    readonly engine: RtpEngine = sharedRtpEngine(),
  ) {
    if (range) {
      if (!Number.isInteger(range.min) || !Number.isInteger(range.max) || range.min < 1024 || range.max > 65535 || range.min >= range.max) {
        throw new RangeError(`RTP port range ${range.min}-${range.max}: need integers 1024 <= min < max <= 65535`);
      }
    }
    this.next = range ? range.min + (range.min % 2) : 0;
  }

  /** Binds an even RTP port and RTP + 1 for RTCP (RFC 3550 §11). */
  allocate(): Promise<RtpSocketPair> {
    // Binding is synchronous on the engine; the promise keeps the pool's interface.
    return new Promise((resolve) => resolve(this.allocateNow()));
  }

  private allocateNow(): RtpSocketPair {
    if (!this.range) return this.allocateEphemeral();
    const first = this.range.min + (this.range.min % 2);
    const count = Math.floor((this.range.max - first + 1) / 2);
    for (let i = 0; i < count; i++) {
      const port = this.next;
      this.next = port + 2 > this.range.max - 1 ? first : port + 2;
      const rtp = this.bind(port);
      if (!rtp) continue;
      const rtcp = this.bind(port + 1);
      if (rtcp) return { rtp, rtcp, rtpPort: port, rtcpPort: port + 1 };
      rtp.close();
    }
    throw new PortRangeExhaustedError(`no free RTP port pair in ${this.range.min}-${this.range.max} on ${this.address}`);
  }

  private allocateEphemeral(): RtpSocketPair {
    for (let attempt = 0; attempt < 64; attempt++) {
      // Keep the port the system gave and bind its even/odd partner next to it.
      const probe = this.bind(0);
      if (!probe) break;
      const even = probe.port % 2 === 0;
      const partnerPort = even ? probe.port + 1 : probe.port - 1;
      const partner = partnerPort >= 1024 && partnerPort <= 65535 ? this.bind(partnerPort) : null;
      if (partner) {
        const [rtp, rtcp] = even ? [probe, partner] : [partner, probe];
        return { rtp, rtcp, rtpPort: rtp.port, rtcpPort: rtcp.port };
      }
      probe.close();
    }
    throw new PortRangeExhaustedError(`no free ephemeral RTP port pair on ${this.address}`);
  }

  /** A bound socket, or null when the port is taken or not ours to bind. */
  private bind(port: number): RtpSocket | null {
    try {
      return this.engine.open(this.address, port);
    } catch (err) {
      if (err instanceof RtpSocketError && (err.code === 'EADDRINUSE' || err.code === 'EACCES')) return null;
      throw err;
    }
  }
}
