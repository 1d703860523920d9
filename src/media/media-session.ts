// One call's audio towards a SIP peer: an RTP/RTCP socket pair, the jitter
// buffer, the transcoder, RFC 4733 events and SRTP. The sip side opens it
// (to learn the local port for its SDP), then applies the negotiated
// description; the line sees it as an AudioPath.
import { EventEmitter } from 'node:events';
import type { DtmfDigit } from '../call/pstn-leg.js';
import type { AudioFrame, AudioPath, FrameEncoding } from './frame.js';
import type { NegotiatedMedia } from './media-description.js';
import { RtpPortPool } from './rtp-port-pool.js';

/** Settings of the media layer, from the gateway configuration. */
export interface MediaConfig {
  /** Local address to bind and to put in c= (default 0.0.0.0). */
  address?: string;
  /** Pool to take the socket pair from; one per gateway, shared by its calls. */
  ports?: RtpPortPool;
  /** Encoding of the line's frames (its span's law, or L16). */
  lineEncoding: FrameEncoding;
  /** Seconds without any RTP before 'rtp-timeout' (0 = never; default 30). */
  rtpTimeoutSeconds?: number;
  /** Seconds while on hold (sendonly/inactive) before 'rtp-timeout' (0 = never; default 0). */
  rtpHoldTimeoutSeconds?: number;
  jitterBuffer?: {
    /** Lowest playout delay in ms (default 20). */
    minDelayMs?: number;
    /** Highest playout delay in ms; also the depth bound (default 200). */
    maxDelayMs?: number;
  };
  opus?: {
    /** bits/s (default 24000). */
    bitrate?: number;
    /** 0..10 (default 5). */
    complexity?: number;
    /** In-band FEC (RFC 7587 §3.3; default true). */
    fec?: boolean;
    /** Expected loss % the encoder plans FEC for (default 5). */
    packetLossPercent?: number;
  };
  /** CNAME for RTCP SDES (RFC 3550 §6.5.1); default a random one. */
  cname?: string;
}

/** Why the media stopped: shown in logs and CDRs, mapped to a cause by call/. */
export interface RtpTimeout {
  /** Seconds without an RTP or RTCP packet from the peer. */
  seconds: number;
  /** Human-readable cause, e.g. "no RTP from 192.0.2.1:4000 for 30 s". */
  cause: string;
}

/** Receive and send counters of one session (RFC 3550 §6.4.1, A.3, A.8). */
export interface MediaStats {
  packetsSent: number;
  octetsSent: number;
  packetsReceived: number;
  octetsReceived: number;
  /** Expected minus received, RFC 3550 §A.3 (can go negative with duplicates). */
  lost: number;
  /** Packets that arrived after their playout time and were dropped. */
  late: number;
  /** Packets that arrived with a sequence number lower than one already seen. */
  reordered: number;
  duplicates: number;
  /** Frames the jitter buffer filled by PLC, Opus FEC or silence. */
  concealed: number;
  /** Interarrival jitter, RFC 3550 §6.4.1 / A.8, in ms. */
  jitterMs: number;
  /** The jitter buffer's current playout delay in ms. */
  targetDelayMs: number;
  /** RFC 4733 events sent and received (digits). */
  digitsSent: number;
  digitsReceived: number;
  /** Comfort noise packets (RFC 3389) passed through. */
  comfortNoise: number;
  /** The peer's view from its last RTCP report block about us. */
  remote?: { fractionLost: number; cumulativeLost: number; jitterMs: number; roundTripMs?: number };
  /** Where RTP is sent now (after symmetric latching). */
  sendingTo?: string;
}

/** Events of a media session. */
export interface MediaSessionEvents {
  /** A completed RFC 4733 event (or its first packet, if `early`), deduplicated by timestamp. */
  digit: [digit: DtmfDigit, durationMs: number];
  /** No media for the configured time; the session keeps its sockets until close(). */
  'rtp-timeout': [timeout: RtpTimeout];
  /** A packet or socket problem worth a log line; never fatal. */
  warning: [message: string];
}

/** The media half of a SIP leg. */
export class MediaSession extends EventEmitter<MediaSessionEvents> implements AudioPath {
  /** Binds the call's socket pair; call negotiate() once the SDP exchange is done. */
  static async open(config: MediaConfig): Promise<MediaSession> {
    const pool = config.ports ?? new RtpPortPool(config.address ?? '0.0.0.0');
    const pair = await pool.allocate();
    return new MediaSession(config, pair);
  }

  /** Local RTP port for the m= line; RTCP is this + 1. */
  readonly localRtpPort: number;
  readonly localRtcpPort: number;

  private constructor(
    readonly config: MediaConfig,
    private readonly sockets: Awaited<ReturnType<RtpPortPool['allocate']>>,
  ) {
    super();
    this.localRtpPort = sockets.rtpPort;
    this.localRtcpPort = sockets.rtcpPort;
  }

  /** Applies (or, for a re-INVITE, re-applies) the negotiated description and starts media. */
  negotiate(_description: NegotiatedMedia): void {
    throw new Error('not implemented yet');
  }

  /** AudioPath: the receiver of decoded (or passed-through) frames for the line. */
  onFrame(_receiver: ((frame: AudioFrame) => void) | null): void {
    throw new Error('not implemented yet');
  }

  /** AudioPath: one frame from the line towards the peer. */
  write(_frame: AudioFrame): void {
    throw new Error('not implemented yet');
  }

  /** Sends digits as RFC 4733 events (default 100 ms each, 50 ms apart). */
  sendDigits(_digits: string, _durationMs = 100): void {
    throw new Error('not implemented yet');
  }

  stats(): MediaStats {
    throw new Error('not implemented yet');
  }

  /** Sends RTCP BYE, closes both sockets; idempotent. */
  close(): void {
    this.sockets.rtp.close();
    this.sockets.rtcp.close();
  }
}
