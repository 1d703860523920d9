// RTP fixed header (RFC 3550 §5.1), header extension (§5.3.1) and padding.
import type { Parsed } from './sdes-crypto.js';

//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                           timestamp                           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           synchronization source (SSRC) identifier            |
// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// |            contributing source (CSRC) identifiers             |
// |                             ....                              |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
const FIXED_HEADER = 12;
const VERSION = 2;
const MASK_PADDING = 0x20;
const MASK_EXTENSION = 0x10;
const MASK_CC = 0x0f;
const MASK_MARKER = 0x80;
const MASK_PT = 0x7f;

/** One RTP packet; payload is a view into the datagram. */
export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrc: number[];
  /** Header extension (RFC 3550 §5.3.1), kept opaque. */
  extension?: { profile: number; data: Uint8Array };
  payload: Uint8Array;
}

/** Decodes one datagram. Never throws: a malformed packet gives an error naming the field. */
export function decodeRtp(buf: Uint8Array): Parsed<RtpPacket> {
  if (buf.length < FIXED_HEADER) return { ok: false, error: `RTP packet of ${buf.length} octets is shorter than the 12-octet header` };
  const b0 = buf[0]!;
  const b1 = buf[1]!;
  if (b0 >> 6 !== VERSION) return { ok: false, error: `RTP version ${b0 >> 6}, expected 2` };
  const cc = b0 & MASK_CC;
  let offset = FIXED_HEADER + 4 * cc;
  if (buf.length < offset) return { ok: false, error: `RTP packet of ${buf.length} octets too short for ${cc} CSRCs` };
  const csrc: number[] = [];
  for (let i = 0; i < cc; i++) csrc.push(u32(buf, FIXED_HEADER + 4 * i));
  let extension: RtpPacket['extension'];
  if (b0 & MASK_EXTENSION) {
    // RFC 3550 §5.3.1: 16-bit profile field, 16-bit length in 32-bit words.
    if (buf.length < offset + 4) return { ok: false, error: 'RTP header extension truncated before its length' };
    const profile = u16(buf, offset);
    const words = u16(buf, offset + 2);
    const end = offset + 4 + 4 * words;
    if (buf.length < end) return { ok: false, error: `RTP header extension of ${words} words runs past the ${buf.length}-octet packet` };
    extension = { profile, data: buf.subarray(offset + 4, end) };
    offset = end;
  }
  let end = buf.length;
  if (b0 & MASK_PADDING) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
    const pad = buf[buf.length - 1]!;
    if (pad === 0 || offset + pad > buf.length) return { ok: false, error: `RTP padding count ${pad} is invalid for a ${buf.length}-octet packet` };
    end -= pad;
  }
  return {
    ok: true,
    value: {
      marker: (b1 & MASK_MARKER) !== 0,
      payloadType: b1 & MASK_PT,
      sequenceNumber: u16(buf, 2),
      timestamp: u32(buf, 4),
      ssrc: u32(buf, 8),
      csrc,
      ...(extension ? { extension } : {}),
      payload: buf.subarray(offset, end),
    },
  };
}

/** Octets encodeRtp() will write. */
export function rtpLength(p: Pick<RtpPacket, 'csrc' | 'extension' | 'payload'>): number {
  return FIXED_HEADER + 4 * p.csrc.length + (p.extension ? 4 + p.extension.data.length : 0) + p.payload.length;
}

/** Encodes a packet (no padding). Extension data must be a multiple of 4 octets. */
export function encodeRtp(p: RtpPacket, out: Uint8Array = new Uint8Array(rtpLength(p))): Uint8Array {
  if (p.csrc.length > 15) throw new RangeError(`RTP allows 15 CSRCs, got ${p.csrc.length}`);
  if (p.extension && p.extension.data.length % 4) throw new RangeError('RTP header extension must be whole 32-bit words');
  out[0] = (VERSION << 6) | (p.extension ? MASK_EXTENSION : 0) | p.csrc.length;
  out[1] = (p.marker ? MASK_MARKER : 0) | (p.payloadType & MASK_PT);
  put16(out, 2, p.sequenceNumber);
  put32(out, 4, p.timestamp);
  put32(out, 8, p.ssrc);
  let offset = FIXED_HEADER;
  for (const c of p.csrc) {
    put32(out, offset, c);
    offset += 4;
  }
  if (p.extension) {
    put16(out, offset, p.extension.profile);
    put16(out, offset + 2, p.extension.data.length / 4);
    out.set(p.extension.data, offset + 4);
    offset += 4 + p.extension.data.length;
  }
  out.set(p.payload, offset);
  return out.subarray(0, offset + p.payload.length);
}

// Network byte order by hand: a DataView per packet is an allocation on the media path.
function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 0xff;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}
