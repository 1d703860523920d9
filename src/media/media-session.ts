// One call's audio towards a SIP peer: an RTP/RTCP socket pair, the jitter
// buffer, the transcoder, RFC 4733 events and SRTP. The sip side opens it
// (to learn the local port for its SDP), then applies the negotiated
// description; the line sees it as an AudioPath.
import { randomBytes, randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { DtmfDigit } from '../call/pstn-leg.js';
import type { AudioFrame, AudioPath, FrameEncoding } from './frame.js';
import { JitterBuffer } from './jitter-buffer.js';
import { MediaClock, sharedClock } from './media-clock.js';
import type { AudioCodecName, MediaDirection, NegotiatedMedia } from './media-description.js';
import { decodeRtcp, encodeRtcp, type ReportBlock, type RtcpPacket } from './rtcp-packet.js';
import { blankRtpPacket, decodeRtpInto, encodeRtp, rtpLength, type RtpPacket } from './rtp-packet.js';
import type { RtpSource } from './rtp-engine.js';
import { RtpPortPool, type RtpSocketPair } from './rtp-port-pool.js';
import { RtpSourceStats } from './rtp-source-stats.js';
import { SrtpContext } from './srtp-context.js';
import { TelephoneEventReceiver, TelephoneEventSender } from './telephone-event.js';
import { createTranscoder, type OpusSettings, type Transcoder } from './transcoder.js';

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
    /** Lowest playout delay in ms (default 40). */
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
  /** CNAME for RTCP SDES (RFC 3550 §6.5.1); default a random one (RFC 7022). */
  cname?: string;
  /** Playout clock shared by calls of the same ptime; default one per process. */
  clock?: MediaClock;
  /** Mean RTCP report interval in s (RFC 3550 §6.2 minimum 5; default 5). */
  rtcpIntervalSeconds?: number;
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
  /** RTP and RTCP packets dropped because they did not come from the call's peer. */
  packetsFromStrangers: number;
  /** The peer's view from its last RTCP report block about us. */
  remote?: { fractionLost: number; cumulativeLost: number; jitterMs: number; roundTripMs?: number };
  /** Where RTP is sent now (after symmetric latching). */
  sendingTo?: string;
}

/** Events of a media session. */
export interface MediaSessionEvents {
  /** A completed RFC 4733 event, deduplicated by timestamp, with its duration. */
  digit: [digit: DtmfDigit, durationMs: number];
  /** No media for the configured time; the session keeps its sockets until close(). */
  'rtp-timeout': [timeout: RtpTimeout];
  /** A comfort noise packet (RFC 3389 §3): noise level in -dBov and the payload, passed on undecoded. */
  'comfort-noise': [levelDbov: number, payload: Uint8Array];
  /** A packet or socket problem worth a log line; never fatal. */
  warning: [message: string];
}

/** A description the session cannot use; names the field. */
export class MediaDescriptionError extends Error {
  override readonly name = 'MediaDescriptionError';
}

const AUDIO_CODECS: Record<string, AudioCodecName> = { pcmu: 'PCMU', pcma: 'PCMA', opus: 'opus' };
const NTP_EPOCH_OFFSET = 2208988800; // s from 1900 to 1970 (RFC 3550 §4)
const CN_STATIC_PT = 13; // RFC 3551 §6 Table 4
const NO_PAYLOAD = new Uint8Array(0);
const FREE_QUEUED = 16; // jitter buffer entries kept for reuse, per call
// Line frames waiting for the call's send phase; beyond this (a stalled
// clock) the oldest goes out at once rather than being dropped.
const MAX_WAITING = 3;

/** A line frame copied on write(), sent in the call's send phase; its buffer is reused. */
interface WaitingFrame {
  encoding: AudioFrame['encoding'];
  samples: number;
  data: Uint8Array;
}

/** A packet in the jitter buffer; taken from and given back to the session's free list. */
interface Queued {
  cn: boolean;
  codec: AudioCodecName | undefined;
  payload: Uint8Array;
}

interface Active {
  description: NegotiatedMedia;
  ptimeMs: number;
  send: Transcoder;
  sendPayloadType: number;
  receive: Map<number, AudioCodecName>;
  transcoders: Map<AudioCodecName, Transcoder>;
  remoteRtp: { address: string; port: number };
  remoteRtcp: { address: string; port: number };
  latched: boolean;
  rtcpLatched: boolean;
  srtp?: SrtpContext;
  events?: { pt: number; sender: TelephoneEventSender; receiver: TelephoneEventReceiver; clockRate: number };
  cnPayloadType?: number;
  clock: MediaClock;
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
  /** Our SSRC (RFC 3550 §8.1: random). */
  readonly ssrc = randomBytes(4).readUInt32BE(0);
  readonly cname: string;

  // The header fields of the packet being sent, reused for every packet.
  private readonly outgoing: RtpPacket = { ...blankRtpPacket(), ssrc: this.ssrc };
  // The packet being received, decoded in place; the jitter buffer's entries, reused.
  private readonly incoming = blankRtpPacket();
  private readonly freeQueued: Queued[] = [];
  private active: Active | undefined;
  private receiver: ((frame: AudioFrame) => void) | null = null;
  // RFC 3550 §5.1: random initial sequence number and timestamp.
  private seq = randomInt(0, 65536);
  private timestamp = randomBytes(4).readUInt32BE(0);
  private talkspurt = true;
  private readonly waiting: WaitingFrame[] = [];
  private readonly spare: WaitingFrame[] = [];
  private eventTimestamp = 0;
  private source: RtpSourceStats | undefined;
  private jitter: JitterBuffer<Queued> | undefined;
  private lastCn = false;
  private lastCodec: AudioCodecName | undefined;
  private lastHeardMs = performance.now();
  private timedOut = false;
  private closed = false;
  private signallingPeer: ((address: string) => boolean) | undefined;
  private readonly counters = { packetsSent: 0, octetsSent: 0, packetsReceived: 0, octetsReceived: 0, digitsSent: 0, digitsReceived: 0, comfortNoise: 0, packetsFromStrangers: 0 };
  private sentSinceReport = false;
  private remoteReport: MediaStats['remote'];
  private rtcpTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private readonly tick = (): void => this.playout();
  private readonly sendTick = (): void => this.sendWaiting();
  private readonly opus: OpusSettings;

  private constructor(
    readonly config: MediaConfig,
    private readonly sockets: RtpSocketPair,
  ) {
    super();
    this.localRtpPort = sockets.rtpPort;
    this.localRtcpPort = sockets.rtcpPort;
    this.cname = config.cname ?? `${randomBytes(8).toString('hex')}@sipline`;
    this.opus = {
      bitrate: config.opus?.bitrate ?? 24000,
      complexity: config.opus?.complexity ?? 5,
      fec: config.opus?.fec ?? true,
      packetLossPercent: config.opus?.packetLossPercent ?? 5,
    };
    sockets.rtp.onDatagram = (data, start, end, from) => this.receiveRtp(data, start, end, from);
    sockets.rtcp.onMessage = (msg, from) => this.receiveRtcp(msg, from);
    for (const s of [sockets.rtp, sockets.rtcp]) s.onError = (err) => this.emit('warning', `RTP socket ${this.localRtpPort}: ${err.message}`);
  }

  /** The direction in force, or undefined before negotiate(). */
  get direction(): MediaDirection | undefined {
    return this.active?.description.direction;
  }

  /**
   * Applies (or, for a re-INVITE, re-applies) the negotiated description and starts media.
   * Throws MediaDescriptionError naming the field when the description is unusable.
   */
  negotiate(description: NegotiatedMedia): void {
    if (this.closed) throw new MediaDescriptionError('media session is closed');
    const d = description;
    const ptimeMs = d.ptime ?? 20;
    if (!Number.isInteger(d.remoteRtpPort) || d.remoteRtpPort < 0 || d.remoteRtpPort > 65535) throw new MediaDescriptionError(`remote RTP port ${d.remoteRtpPort} is not a port`);
    const sendEntry = d.payloadTypes.get(d.sendPayloadType);
    if (!sendEntry) throw new MediaDescriptionError(`send payload type ${d.sendPayloadType} is not in the negotiated rtpmap`);
    const sendCodec = AUDIO_CODECS[sendEntry.name.toLowerCase()];
    if (!sendCodec) throw new MediaDescriptionError(`send payload type ${d.sendPayloadType} is ${sendEntry.name}, not an audio codec sipline transcodes (PCMU, PCMA, opus)`);

    const old = this.active;
    const transcoders = new Map<AudioCodecName, Transcoder>();
    const receive = new Map<number, AudioCodecName>();
    for (const [pt, entry] of d.payloadTypes) {
      const codec = AUDIO_CODECS[entry.name.toLowerCase()];
      if (!codec) continue;
      receive.set(pt, codec);
      if (!transcoders.has(codec)) {
        // Keep codec state across a re-INVITE that does not change the codec.
        const kept = old?.ptimeMs === ptimeMs ? old.transcoders.get(codec) : undefined;
        try {
          transcoders.set(codec, kept ?? createTranscoder(codec, this.config.lineEncoding, ptimeMs, this.opus));
        } catch (err) {
          throw new MediaDescriptionError(`payload type ${pt} (${entry.name}): ${(err as Error).message}`);
        }
      }
    }
    const send = transcoders.get(sendCodec)!;
    const remoteRtp = { address: d.remoteAddress, port: d.remoteRtpPort };
    const remoteRtcp = { address: d.remoteAddress, port: d.remoteRtcpPort ?? d.remoteRtpPort + 1 };
    const sameRemote = old !== undefined && old.description.remoteAddress === d.remoteAddress && old.description.remoteRtpPort === d.remoteRtpPort;

    let events: Active['events'];
    if (d.telephoneEventPayloadType !== undefined) {
      const te = d.payloadTypes.get(d.telephoneEventPayloadType);
      // RFC 4733 §7.1.1: telephone-event/<rate>; the rate is the audio's.
      const clockRate = te?.clockRate ?? send.clockRate;
      const interval = (clockRate * ptimeMs) / 1000;
      events = old?.events && old.events.pt === d.telephoneEventPayloadType && old.events.clockRate === clockRate
        ? old.events
        : { pt: d.telephoneEventPayloadType, clockRate, sender: new TelephoneEventSender(clockRate, interval), receiver: new TelephoneEventReceiver(clockRate) };
    }
    let cnPayloadType = d.comfortNoisePayloadType;
    if (cnPayloadType === undefined && d.payloadTypes.get(CN_STATIC_PT)?.name.toUpperCase() === 'CN') cnPayloadType = CN_STATIC_PT;

    let srtp: SrtpContext | undefined;
    if (d.crypto) {
      const same = old?.srtp && old.description.crypto && sameKeys(old.description.crypto, d.crypto);
      srtp = same ? old.srtp : new SrtpContext(d.crypto.local, d.crypto.remote);
    }
    const clock = this.config.clock ?? sharedClock(ptimeMs);
    if (old && old.clock !== clock) {
      old.clock.remove(this.tick);
      old.clock.remove(this.sendTick);
    }
    if (old && old.ptimeMs !== ptimeMs) this.dropWaiting();

    this.active = {
      description: d,
      ptimeMs,
      send,
      sendPayloadType: d.sendPayloadType,
      receive,
      transcoders,
      remoteRtp: sameRemote && old.latched ? old.remoteRtp : remoteRtp,
      remoteRtcp: sameRemote && old.rtcpLatched ? old.remoteRtcp : remoteRtcp,
      latched: sameRemote ? old.latched : false,
      rtcpLatched: sameRemote ? old.rtcpLatched : false,
      ...(srtp ? { srtp } : {}),
      ...(events ? { events } : {}),
      ...(cnPayloadType !== undefined ? { cnPayloadType } : {}),
      clock,
    };
    if (!this.jitter || old?.ptimeMs !== ptimeMs) {
      this.jitter = new JitterBuffer<Queued>({
        ptimeMs,
        minDelayMs: this.config.jitterBuffer?.minDelayMs ?? 40,
        maxDelayMs: this.config.jitterBuffer?.maxDelayMs ?? 200,
      });
    }
    if (old?.send !== send) this.talkspurt = true;
    this.lastHeardMs = performance.now();
    this.timedOut = false;
    clock.add(this.tick, this, 'playout');
    clock.add(this.sendTick, this, 'send');
    this.startTimers();
  }

  /** AudioPath: the receiver of decoded (or passed-through) frames for the line. */
  onFrame(receiver: ((frame: AudioFrame) => void) | null): void {
    this.receiver = receiver;
  }

  /**
   * AudioPath: one frame from the line towards the peer. It is copied and
   * encoded in the send phase of the call's clock slot, after the slot's
   * playouts, so a card that hands every channel's frame over at once does
   * not hold the line frames of other calls back behind many encodes.
   * Throws FrameError for a frame of the wrong encoding or size (a wiring
   * bug, not bad input).
   */
  write(frame: AudioFrame): void {
    const a = this.active;
    if (!a || this.closed) return;
    a.send.check(frame);
    if (this.waiting.length >= MAX_WAITING) {
      const oldest = this.waiting.shift()!;
      this.sendFrame(a, oldest);
      this.spare.push(oldest);
    }
    let copy = this.spare.pop();
    if (!copy || copy.data.length !== frame.data.length) copy = { encoding: frame.encoding, samples: frame.samples, data: new Uint8Array(frame.data.length) };
    copy.encoding = frame.encoding;
    copy.samples = frame.samples;
    copy.data.set(frame.data);
    this.waiting.push(copy);
  }

  /** The send phase of the call's slot: the line's frames of this interval, then RFC 4733 events. */
  private sendWaiting(): void {
    const a = this.active;
    if (!a || this.closed) return;
    if (this.waiting.length === 0) {
      // The line sent nothing this interval: the RTP clock still runs (RFC 3550 §5.1
      // timestamps follow sampling time), so events and the next talkspurt get fresh ones.
      this.timestamp = (this.timestamp + a.send.timestampStep) >>> 0;
      this.talkspurt = true;
    }
    while (this.waiting.length > 0) {
      const f = this.waiting.shift()!;
      try {
        this.sendFrame(a, f);
      } catch (err) {
        // Only after a re-INVITE changed the frame size under a waiting frame.
        this.emit('warning', `line frame not sent: ${(err as Error).message}`);
      }
      this.spare.push(f);
    }
    const ev = a.events;
    if (ev?.sender.busy) {
      const t = ev.sender.tick();
      if (t) {
        // RFC 4733 §2.5.1.2: all packets of an event carry its start timestamp.
        if (t.start) {
          this.eventTimestamp = this.timestamp;
          this.counters.digitsSent++;
        }
        this.sendRtp(a, ev.pt, t.marker, this.eventTimestamp, t.packet);
      }
    }
    // Packets that reached the engine while JavaScript was busy go into the
    // jitter buffer now, after the slot's playouts (they are due a jitter
    // buffer's delay later), and before the next slot of a clock catching up.
    this.sockets.rtp.poll();
  }

  private dropWaiting(): void {
    for (const f of this.waiting) this.spare.push(f);
    this.waiting.length = 0;
  }

  private sendFrame(a: Active, frame: AudioFrame): void {
    const step = a.send.timestampStep;
    const dir = a.description.direction;
    // RFC 3264 §6.1: recvonly and inactive streams send no media.
    if (dir === 'recvonly' || dir === 'inactive') {
      this.timestamp = (this.timestamp + step) >>> 0;
      this.talkspurt = true;
      return;
    }
    if (a.events?.sender.busy) {
      // RFC 4733 §2.5.1.1 practice: no audio while an event plays; the audio clock runs on.
      this.timestamp = (this.timestamp + step) >>> 0;
      this.talkspurt = true;
      return;
    }
    const payload = a.send.encode(frame);
    // RFC 3550 §5.1 / RFC 3551 §4.1: marker on the first packet of a talkspurt.
    this.sendRtp(a, a.sendPayloadType, this.talkspurt, this.timestamp, payload);
    this.talkspurt = false;
    this.timestamp = (this.timestamp + step) >>> 0;
  }

  /** Sends digits as RFC 4733 events (default 100 ms each, 50 ms apart). Returns digits it could not send. */
  sendDigits(digits: string, durationMs = 100): string {
    const ev = this.active?.events;
    if (!ev) return digits;
    return ev.sender.enqueue(digits, durationMs);
  }

  stats(): MediaStats {
    const jb = this.jitter?.counters;
    const src = this.source;
    const out: MediaStats = {
      ...this.counters,
      lost: src ? Math.max(0, src.lost) : 0,
      late: jb?.late ?? 0,
      reordered: jb?.reordered ?? 0,
      duplicates: jb?.duplicates ?? 0,
      concealed: jb?.concealed ?? 0,
      jitterMs: src?.jitterMs ?? 0,
      targetDelayMs: this.jitter?.targetDelayMs ?? 0,
    };
    if (this.remoteReport) out.remote = this.remoteReport;
    if (this.active) out.sendingTo = `${this.active.remoteRtp.address}:${this.active.remoteRtp.port}`;
    return out;
  }

  /** Sends RTCP BYE, closes both sockets; idempotent. */
  close(): void {
    if (this.closed) return;
    const a = this.active;
    const closeSockets = (): void => {
      this.sockets.rtp.close();
      this.sockets.rtcp.close();
    };
    // RFC 3550 §6.6: BYE in a compound after a report; the sockets close once it is out.
    const byeSent = a !== undefined && a.remoteRtp.port !== 0 && this.sendRtcp([this.report(), { type: 'bye', ssrcs: [this.ssrc] }], closeSockets);
    this.closed = true;
    a?.clock.remove(this.tick);
    a?.clock.remove(this.sendTick);
    this.dropWaiting();
    if (this.rtcpTimer) clearTimeout(this.rtcpTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    if (!byeSent) closeSockets();
  }

  private sendRtp(a: Active, pt: number, marker: boolean, timestamp: number, payload: Uint8Array): void {
    if (a.remoteRtp.port === 0) return; // port 0: stream disabled (RFC 3264 §6)
    const rtp = this.outgoing;
    rtp.marker = marker;
    rtp.payloadType = pt;
    rtp.sequenceNumber = this.seq;
    rtp.timestamp = timestamp;
    rtp.payload = payload;
    this.seq = (this.seq + 1) & 0xffff;
    if (a.srtp) {
      this.sockets.rtp.send(a.srtp.protectRtp(encodeRtp(rtp)), a.remoteRtp.port, a.remoteRtp.address);
    } else {
      // Written straight into the engine's outgoing batch: no packet buffer per frame.
      const out = this.sockets.rtp.reserve(rtpLength(rtp), a.remoteRtp.port, a.remoteRtp.address);
      if (out) encodeRtp(rtp, out);
    }
    this.counters.packetsSent++;
    this.counters.octetsSent += payload.length;
    this.sentSinceReport = true;
  }

  /** Addresses of the call's signalling peer, whose RTP is taken before latching as well as the SDP's address. */
  allowSources(isPeer: (address: string) => boolean): void {
    this.signallingPeer = isPeer;
  }

  /**
   * Whether a packet comes from the call's peer: the latched address (and
   * port, for RTP), else the SDP's connection address or the signalling peer's. The first stranger's
   * packet of a call is a warning; the rest are only counted.
   */
  private fromPeer(a: Active, rinfo: RtpSource, port: number | undefined): boolean {
    const plain = (address: string): string => (address.startsWith('::ffff:') ? address.slice(7) : address);
    const expected = a.latched ? a.remoteRtp.address : a.description.remoteAddress;
    const from = plain(rinfo.address);
    if (from === plain(expected) && (port === undefined || rinfo.port === port)) return true;
    // Before latching, the signalling peer's own address too: its SDP may name an address behind a NAT.
    if (!a.latched && this.signallingPeer?.(from)) return true;
    if (this.counters.packetsFromStrangers++ === 0) this.emit('warning', `RTP/RTCP from ${rinfo.address}:${rinfo.port} dropped: the call's peer is ${expected}${port ? `:${port}` : ''}`);
    return false;
  }

  private receiveRtp(records: Buffer, start: number, end: number, rinfo: RtpSource): void {
    const a = this.active;
    if (!a || this.closed) return;
    // RFC 4961 §3 with strict sources: before latching, RTP only from the address the
    // SDP gave; after it, only from the latched address and port. A third party
    // spraying the port range can neither take the call's audio nor be heard in it.
    if (!this.fromPeer(a, rinfo, a.latched ? a.remoteRtp.port : undefined)) return;
    let data: Uint8Array = records;
    if (a.srtp) {
      const clear = a.srtp.unprotectRtp(records.subarray(start, end));
      if (!clear.ok) return void this.emit('warning', clear.error);
      data = clear.value;
      start = 0;
      end = data.length;
    }
    const p = this.incoming;
    const error = decodeRtpInto(data, p, start, end);
    if (error !== undefined) return void this.emit('warning', `RTP from ${rinfo.address}:${rinfo.port}: ${error}`);
    // RFC 5761 §4: PT 64-95 with the marker is RTCP (types 192-223) sent to the RTP port; not ours to play.
    if (p.payloadType >= 64 && p.payloadType <= 95 && p.marker) return;
    const codec = a.receive.get(p.payloadType);
    const isEvent = a.events?.pt === p.payloadType;
    const isCn = a.cnPayloadType === p.payloadType;
    if (!codec && !isEvent && !isCn) return void this.emit('warning', `RTP from ${rinfo.address}:${rinfo.port}: payload type ${p.payloadType} was not negotiated`);
    const now = performance.now();
    this.lastHeardMs = now;
    this.timedOut = false;
    // Symmetric RTP (RFC 4961 §3): send to where the first valid packet came from.
    if (!a.latched) {
      a.latched = true;
      a.remoteRtp = { address: rinfo.address, port: rinfo.port };
    }
    if (!this.source || this.source.ssrc !== p.ssrc) {
      // RFC 3550 §8.2: a new SSRC is a new source; start its statistics afresh.
      const clockRate = codec ? a.transcoders.get(codec)!.clockRate : a.send.clockRate;
      this.source = new RtpSourceStats(p.ssrc, clockRate, p.sequenceNumber);
      this.jitter?.reset();
    }
    const verdict = this.source.updateSeq(p.sequenceNumber);
    if (verdict === 'duplicate-or-old') return;
    this.source.updateJitter(p.timestamp, (now * this.source.clockRate) / 1000);
    this.counters.packetsReceived++;
    this.counters.octetsReceived += p.payload.length;
    if (isEvent) {
      const done = a.events!.receiver.receive(p.timestamp, p.payload);
      if (done?.digit) {
        this.counters.digitsReceived++;
        this.emit('digit', done.digit, done.durationMs);
      }
      return;
    }
    const dir = a.description.direction;
    if (dir === 'sendonly' || dir === 'inactive') return; // RFC 3264 §6.1: we do not play what we did not ask for
    const rtpMs = (p.timestamp * 1000) / this.source.clockRate;
    if (isCn) {
      // RFC 3389 §3: first octet is the noise level in -dBov; passed on, not decoded.
      this.counters.comfortNoise++;
      this.emit('comfort-noise', p.payload[0] ?? 127, p.payload);
      this.jitter!.push(p.sequenceNumber, rtpMs, now, this.queued(true, undefined, p.payload));
      return;
    }
    this.jitter!.push(p.sequenceNumber, rtpMs, now, this.queued(false, codec, p.payload));
  }

  private queued(cn: boolean, codec: AudioCodecName | undefined, payload: Uint8Array): Queued {
    const q = this.freeQueued.pop();
    if (!q) return { cn, codec, payload };
    q.cn = cn;
    q.codec = codec;
    q.payload = payload;
    return q;
  }

  /** The playout phase of the call's slot: one frame to the line. */
  private playout(): void {
    const a = this.active;
    if (!a || this.closed) return;
    if (!this.jitter) return;
    const out = this.jitter.pull();
    if (!this.receiver) return; // nobody listens: keep the buffer moving, decode nothing
    let frame: AudioFrame;
    if (out.kind === 'packet') {
      const item = out.item;
      if (item.cn || !item.codec) {
        this.lastCn = true;
        frame = a.send.silence();
      } else {
        this.lastCn = false;
        this.lastCodec = item.codec;
        frame = this.decode(a, item.codec, item.payload);
      }
      item.payload = NO_PAYLOAD;
      if (this.freeQueued.length < FREE_QUEUED) this.freeQueued.push(item);
    } else if (out.kind === 'missing' && !this.lastCn) {
      // Conceal with the codec that was playing: Opus PLC or the G.711 one.
      frame = (this.lastCodec && a.transcoders.get(this.lastCodec)) ? a.transcoders.get(this.lastCodec)!.conceal() : a.send.silence();
    } else {
      frame = a.send.silence();
    }
    this.receiver(frame);
  }

  private decode(a: Active, codec: AudioCodecName, payload: Uint8Array): AudioFrame {
    try {
      return a.transcoders.get(codec)!.decode(payload);
    } catch (err) {
      this.emit('warning', `${codec} payload of ${payload.length} octets: ${(err as Error).message}`);
      return a.send.conceal();
    }
  }

  private receiveRtcp(msg: Buffer, rinfo: RtpSource): void {
    const a = this.active;
    if (!a || this.closed) return;
    // RTCP from the peer's address only (its port is RTP's + 1, or its own behind a NAT).
    if (!this.fromPeer(a, rinfo, undefined)) return;
    let data: Uint8Array = msg;
    if (a.srtp) {
      const clear = a.srtp.unprotectRtcp(msg);
      if (!clear.ok) return void this.emit('warning', clear.error);
      data = clear.value;
    }
    const parsed = decodeRtcp(data);
    if (!parsed.ok) return void this.emit('warning', `RTCP from ${rinfo.address}:${rinfo.port}: ${parsed.error}`);
    const now = performance.now();
    this.lastHeardMs = now;
    if (!a.rtcpLatched) {
      a.rtcpLatched = true;
      a.remoteRtcp = { address: rinfo.address, port: rinfo.port };
    }
    for (const p of parsed.value) {
      if (p.type === 'sr' && this.source && p.ssrc === this.source.ssrc) {
        // RFC 3550 §6.4.1 LSR: the middle 32 bits of the SR's NTP timestamp.
        this.source.lastSr = ((p.ntpSeconds & 0xffff) * 65536 + (p.ntpFraction >>> 16)) >>> 0;
        this.source.lastSrArrivalMs = now;
      }
      if (p.type === 'sr' || p.type === 'rr') {
        const block = p.reports.find((r) => r.ssrc === this.ssrc);
        if (block) this.remoteReport = this.fromReport(block);
      }
    }
  }

  private fromReport(r: ReportBlock): NonNullable<MediaStats['remote']> {
    const clockRate = this.active?.send.clockRate ?? 8000;
    const out: NonNullable<MediaStats['remote']> = { fractionLost: r.fractionLost / 256, cumulativeLost: r.cumulativeLost, jitterMs: (r.jitter * 1000) / clockRate };
    if (r.lastSr !== 0) {
      // RFC 3550 §6.4.1: round trip = A - LSR - DLSR, in 1/65536 s.
      const a = ntpMiddle(Date.now());
      const rtt = (a - r.lastSr - r.delaySinceLastSr) >>> 0;
      if (rtt < 0x80000000) out.roundTripMs = (rtt * 1000) / 65536;
    }
    return out;
  }

  /** SR if we sent since the last report, else RR (RFC 3550 §6.4), with our report block about the peer. */
  private report(): RtcpPacket {
    const reports = this.source && this.source.received > 0 ? [this.source.reportBlock(performance.now())] : [];
    if (this.sentSinceReport) {
      this.sentSinceReport = false;
      const ms = Date.now();
      const seconds = Math.floor(ms / 1000);
      return {
        type: 'sr',
        ssrc: this.ssrc,
        ntpSeconds: (seconds + NTP_EPOCH_OFFSET) >>> 0,
        ntpFraction: Math.floor(((ms % 1000) / 1000) * 4294967296) >>> 0,
        rtpTimestamp: this.timestamp,
        packetCount: this.counters.packetsSent >>> 0,
        octetCount: this.counters.octetsSent >>> 0,
        reports,
      };
    }
    return { type: 'rr', ssrc: this.ssrc, reports };
  }

  /** Sends a compound; false when nothing was sent (then `done` is not called). */
  private sendRtcp(packets: RtcpPacket[], done?: () => void): boolean {
    const a = this.active;
    if (!a || this.closed || a.remoteRtcp.port === 0) return false;
    // RFC 3550 §6.1: every compound carries an SDES CNAME.
    const withSdes = [packets[0]!, { type: 'sdes' as const, chunks: [{ ssrc: this.ssrc, cname: this.cname }] }, ...packets.slice(1)];
    let data = encodeRtcp(withSdes);
    if (a.srtp) data = a.srtp.protectRtcp(data);
    this.sockets.rtcp.send(data, a.remoteRtcp.port, a.remoteRtcp.address, () => done?.());
    return true;
  }

  private startTimers(): void {
    if (!this.rtcpTimer) {
      const mean = Math.max(5, this.config.rtcpIntervalSeconds ?? 5) * 1000;
      const next = (): void => {
        // RFC 3550 §6.2: randomise the interval over [0.5, 1.5] of the mean.
        this.rtcpTimer = setTimeout(() => {
          this.sendRtcp([this.report()]);
          next();
        }, mean * (0.5 + Math.random()));
        this.rtcpTimer.unref();
      };
      next();
    }
    if (!this.watchdog) {
      this.watchdog = setInterval(() => this.checkTimeout(), 250);
      this.watchdog.unref();
    }
  }

  private checkTimeout(): void {
    const a = this.active;
    if (!a || this.timedOut) return;
    const dir = a.description.direction;
    // On hold (we send only, or nothing flows) the peer may stay silent.
    const limit = dir === 'sendonly' || dir === 'inactive' ? (this.config.rtpHoldTimeoutSeconds ?? 0) : (this.config.rtpTimeoutSeconds ?? 30);
    if (limit <= 0) return;
    const silentMs = performance.now() - this.lastHeardMs;
    if (silentMs >= limit * 1000) {
      this.timedOut = true;
      const flush = a.events?.receiver.flush();
      if (flush?.digit) this.emit('digit', flush.digit, flush.durationMs);
      const from = a.latched ? `${a.remoteRtp.address}:${a.remoteRtp.port}` : `${a.description.remoteAddress}:${a.description.remoteRtpPort}`;
      this.emit('rtp-timeout', { seconds: limit, cause: `no RTP or RTCP from ${from} for ${limit} s` });
    }
  }
}

function sameKeys(x: NonNullable<NegotiatedMedia['crypto']>, y: NonNullable<NegotiatedMedia['crypto']>): boolean {
  const eq = (p: Uint8Array, q: Uint8Array): boolean => Buffer.from(p).equals(Buffer.from(q));
  return eq(x.local.masterKey, y.local.masterKey) && eq(x.local.masterSalt, y.local.masterSalt) && eq(x.remote.masterKey, y.remote.masterKey) && eq(x.remote.masterSalt, y.remote.masterSalt);
}

/** The middle 32 bits of the NTP time of a Unix ms instant (RFC 3550 §4). */
function ntpMiddle(ms: number): number {
  const seconds = Math.floor(ms / 1000) + NTP_EPOCH_OFFSET;
  const fraction = Math.floor(((ms % 1000) / 1000) * 65536);
  return (((seconds & 0xffff) << 16) | fraction) >>> 0;
}
