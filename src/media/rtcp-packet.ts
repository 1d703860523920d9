// RTCP compound packets (RFC 3550 §6): SR (§6.4.1), RR (§6.4.2), SDES CNAME
// (§6.5.1) and BYE (§6.6). Other types are kept opaque.
import type { Parsed } from './sdes-crypto.js';

//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |V=2|P|    RC   |   PT=SR=200   |             length            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                         SSRC of sender                        |
// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// |              NTP timestamp, most significant word             |
// |             NTP timestamp, least significant word             |
// |                         RTP timestamp                         |
// |                     sender's packet count                     |
// |                      sender's octet count                     |
// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// |                 SSRC_1 (SSRC of first source)                 |
// | fraction lost |       cumulative number of packets lost       |
// |           extended highest sequence number received           |
// |                      interarrival jitter                      |
// |                         last SR (LSR)                         |
// |                   delay since last SR (DLSR)                  |
// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
const HEADER = 4;
const REPORT_BLOCK = 24;
const SENDER_INFO = 20;
const SDES_CNAME = 1;

/** One reception report block (RFC 3550 §6.4.1). */
export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the last report, 0..255 (fixed point /256). */
  fractionLost: number;
  /** Cumulative packets lost, signed 24-bit. */
  cumulativeLost: number;
  extendedHighestSequence: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received. */
  lastSr: number;
  /** Delay since that SR in 1/65536 s. */
  delaySinceLastSr: number;
}

export type RtcpPacket =
  | {
      type: 'sr';
      ssrc: number;
      /** NTP timestamp as [seconds since 1900, fraction/2^32]. */
      ntpSeconds: number;
      ntpFraction: number;
      rtpTimestamp: number;
      packetCount: number;
      octetCount: number;
      reports: ReportBlock[];
    }
  | { type: 'rr'; ssrc: number; reports: ReportBlock[] }
  | { type: 'sdes'; chunks: { ssrc: number; cname?: string }[] }
  | { type: 'bye'; ssrcs: number[]; reason?: string }
  | { type: 'other'; packetType: number; body: Uint8Array };

function readBlocks(view: DataView, offset: number, count: number): ReportBlock[] {
  const out: ReportBlock[] = [];
  for (let i = 0; i < count; i++, offset += REPORT_BLOCK) {
    const word = view.getUint32(offset + 4);
    const lost = word & 0xffffff;
    out.push({
      ssrc: view.getUint32(offset),
      fractionLost: word >>> 24,
      cumulativeLost: lost & 0x800000 ? lost - 0x1000000 : lost,
      extendedHighestSequence: view.getUint32(offset + 8),
      jitter: view.getUint32(offset + 12),
      lastSr: view.getUint32(offset + 16),
      delaySinceLastSr: view.getUint32(offset + 20),
    });
  }
  return out;
}

/**
 * Decodes a compound packet. Checks of RFC 3550 §A.2: version 2, lengths
 * adding up to the datagram, padding only at the end. Never throws.
 */
export function decodeRtcp(buf: Uint8Array): Parsed<RtcpPacket[]> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const packets: RtcpPacket[] = [];
  let offset = 0;
  if (buf.length < HEADER) return { ok: false, error: `RTCP packet of ${buf.length} octets is shorter than a header` };
  while (offset < buf.length) {
    if (buf.length - offset < HEADER) return { ok: false, error: `RTCP compound has ${buf.length - offset} stray octets at ${offset}` };
    const b0 = buf[offset]!;
    if (b0 >> 6 !== 2) return { ok: false, error: `RTCP version ${b0 >> 6} at offset ${offset}, expected 2` };
    const count = b0 & 0x1f;
    const pt = buf[offset + 1]!;
    const length = (view.getUint16(offset + 2) + 1) * 4;
    if (offset + length > buf.length) return { ok: false, error: `RTCP packet type ${pt} of ${length} octets runs past the ${buf.length}-octet datagram` };
    let end = offset + length;
    if (b0 & 0x20) {
      // §6.4.1: padding only on the last packet of a compound.
      const pad = buf[end - 1]!;
      if (end !== buf.length || pad === 0 || pad > length - HEADER) return { ok: false, error: `RTCP padding ${pad} invalid at offset ${offset}` };
      end -= pad;
    }
    // RFC 3550 §6.1 wants an SR or RR first, but RFC 5506 §3 reduced-size
    // RTCP (and baresip's APP-first compounds) do not: accept any order.
    const body = offset + HEADER;
    switch (pt) {
      case RTCP_SR: {
        if (end - body < 4 + SENDER_INFO + count * REPORT_BLOCK) return { ok: false, error: `RTCP SR with ${count} report blocks is ${length} octets, too short` };
        packets.push({
          type: 'sr',
          ssrc: view.getUint32(body),
          ntpSeconds: view.getUint32(body + 4),
          ntpFraction: view.getUint32(body + 8),
          rtpTimestamp: view.getUint32(body + 12),
          packetCount: view.getUint32(body + 16),
          octetCount: view.getUint32(body + 20),
          reports: readBlocks(view, body + 4 + SENDER_INFO, count),
        });
        break;
      }
      case RTCP_RR: {
        if (end - body < 4 + count * REPORT_BLOCK) return { ok: false, error: `RTCP RR with ${count} report blocks is ${length} octets, too short` };
        packets.push({ type: 'rr', ssrc: view.getUint32(body), reports: readBlocks(view, body + 4, count) });
        break;
      }
      case RTCP_SDES: {
        const chunks: { ssrc: number; cname?: string }[] = [];
        let p = body;
        for (let i = 0; i < count; i++) {
          if (end - p < 4) return { ok: false, error: `RTCP SDES chunk ${i} truncated` };
          const chunk: { ssrc: number; cname?: string } = { ssrc: view.getUint32(p) };
          p += 4;
          // §6.5: items until a null octet, then padding to the next 32-bit boundary.
          for (;;) {
            if (p >= end) return { ok: false, error: `RTCP SDES chunk ${i} has no end item` };
            const itemType = buf[p]!;
            if (itemType === 0) break;
            if (p + 2 > end || p + 2 + buf[p + 1]! > end) return { ok: false, error: `RTCP SDES item ${itemType} runs past its packet` };
            const text = Buffer.from(buf.subarray(p + 2, p + 2 + buf[p + 1]!)).toString('utf8');
            if (itemType === SDES_CNAME) chunk.cname = text;
            p += 2 + buf[p + 1]!;
          }
          p = (p + 4 - ((p - offset) % 4)) ;
          chunks.push(chunk);
        }
        packets.push({ type: 'sdes', chunks });
        break;
      }
      case RTCP_BYE: {
        if (end - body < 4 * count) return { ok: false, error: `RTCP BYE with ${count} SSRCs is ${length} octets, too short` };
        const ssrcs: number[] = [];
        for (let i = 0; i < count; i++) ssrcs.push(view.getUint32(body + 4 * i));
        const r = body + 4 * count;
        const packet: RtcpPacket = { type: 'bye', ssrcs };
        if (r < end) {
          const n = buf[r]!;
          if (r + 1 + n > end) return { ok: false, error: `RTCP BYE reason of ${n} octets runs past its packet` };
          packet.reason = Buffer.from(buf.subarray(r + 1, r + 1 + n)).toString('utf8');
        }
        packets.push(packet);
        break;
      }
      default:
        packets.push({ type: 'other', packetType: pt, body: buf.subarray(body, end) });
    }
    offset += length;
  }
  return { ok: true, value: packets };
}

function header(out: DataView, offset: number, count: number, pt: number, length: number): void {
  out.setUint8(offset, 0x80 | count);
  out.setUint8(offset + 1, pt);
  out.setUint16(offset + 2, length / 4 - 1);
}

function writeBlocks(view: DataView, offset: number, reports: ReportBlock[]): void {
  for (const r of reports) {
    view.setUint32(offset, r.ssrc >>> 0);
    view.setUint32(offset + 4, ((r.fractionLost & 0xff) << 24) | (Math.max(-0x800000, Math.min(0x7fffff, r.cumulativeLost)) & 0xffffff));
    view.setUint32(offset + 8, r.extendedHighestSequence >>> 0);
    view.setUint32(offset + 12, r.jitter >>> 0);
    view.setUint32(offset + 16, r.lastSr >>> 0);
    view.setUint32(offset + 20, r.delaySinceLastSr >>> 0);
    offset += REPORT_BLOCK;
  }
}

function packetLength(p: RtcpPacket): number {
  switch (p.type) {
    case 'sr':
      return HEADER + 4 + SENDER_INFO + REPORT_BLOCK * p.reports.length;
    case 'rr':
      return HEADER + 4 + REPORT_BLOCK * p.reports.length;
    case 'sdes':
      return HEADER + p.chunks.reduce((n, c) => n + Math.ceil((4 + (c.cname !== undefined ? 2 + Buffer.byteLength(c.cname) : 0) + 1) / 4) * 4, 0);
    case 'bye':
      return HEADER + 4 * p.ssrcs.length + (p.reason !== undefined ? Math.ceil((1 + Buffer.byteLength(p.reason)) / 4) * 4 : 0);
    case 'other':
      return HEADER + Math.ceil(p.body.length / 4) * 4;
  }
}

/** Encodes a compound packet (the caller puts an SR or RR first, §6.1). */
export function encodeRtcp(packets: RtcpPacket[]): Uint8Array {
  const total = packets.reduce((n, p) => n + packetLength(p), 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const p of packets) {
    const length = packetLength(p);
    const body = offset + HEADER;
    switch (p.type) {
      case 'sr':
        if (p.reports.length > 31) throw new RangeError('RTCP SR carries at most 31 report blocks');
        header(view, offset, p.reports.length, RTCP_SR, length);
        view.setUint32(body, p.ssrc >>> 0);
        view.setUint32(body + 4, p.ntpSeconds >>> 0);
        view.setUint32(body + 8, p.ntpFraction >>> 0);
        view.setUint32(body + 12, p.rtpTimestamp >>> 0);
        view.setUint32(body + 16, p.packetCount >>> 0);
        view.setUint32(body + 20, p.octetCount >>> 0);
        writeBlocks(view, body + 4 + SENDER_INFO, p.reports);
        break;
      case 'rr':
        if (p.reports.length > 31) throw new RangeError('RTCP RR carries at most 31 report blocks');
        header(view, offset, p.reports.length, RTCP_RR, length);
        view.setUint32(body, p.ssrc >>> 0);
        writeBlocks(view, body + 4, p.reports);
        break;
      case 'sdes': {
        header(view, offset, p.chunks.length, RTCP_SDES, length);
        let q = body;
        for (const c of p.chunks) {
          const start = q;
          view.setUint32(q, c.ssrc >>> 0);
          q += 4;
          if (c.cname !== undefined) {
            const text = Buffer.from(c.cname);
            if (text.length > 255) throw new RangeError('SDES CNAME longer than 255 octets');
            out[q] = SDES_CNAME;
            out[q + 1] = text.length;
            out.set(text, q + 2);
            q += 2 + text.length;
          }
          q = start + Math.ceil((q - start + 1) / 4) * 4; // null item and padding are already zero
        }
        break;
      }
      case 'bye': {
        header(view, offset, p.ssrcs.length, RTCP_BYE, length);
        p.ssrcs.forEach((s, i) => view.setUint32(body + 4 * i, s >>> 0));
        if (p.reason !== undefined) {
          const text = Buffer.from(p.reason);
          if (text.length > 255) throw new RangeError('BYE reason longer than 255 octets');
          out[body + 4 * p.ssrcs.length] = text.length;
          out.set(text, body + 4 * p.ssrcs.length + 1);
        }
        break;
      }
      case 'other':
        header(view, offset, 0, p.packetType, length);
        out.set(p.body, body);
        break;
    }
    offset += length;
  }
  return out;
}
