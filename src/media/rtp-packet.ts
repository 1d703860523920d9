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
// Shared by every packet without contributing sources (nearly all): no array per packet.
const NO_CSRC: readonly number[] = Object.freeze([]);

/** One RTP packet; payload is a view into the datagram. */
export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrc: readonly number[];
  /** Header extension (RFC 3550 §5.3.1), kept opaque. */
  extension?: { profile: number; data: Uint8Array } | undefined;
  payload: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** A packet of zeros and no payload, to fill in (decodeRtpInto) or to send from, field by field. */
export function blankRtpPacket(): RtpPacket {
  return { marker: false, payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, csrc: NO_CSRC, payload: EMPTY };
}

/** Decodes one datagram. Never throws: a malformed packet gives an error naming the field. */
export function decodeRtp(buf: Uint8Array): Parsed<RtpPacket> {
  const value = blankRtpPacket();
  const error = decodeRtpInto(buf, value);
  return error === undefined ? { ok: true, value } : { ok: false, error };
}

/**
 * decodeRtp() of octets start..stop of buf into a packet the caller reuses
 * (the media path: no object per packet); returns the error naming the
 * field, or undefined. The payload is a view into buf.
 */
export function decodeRtpInto(buf: Uint8Array, out: RtpPacket, start = 0, stop = buf.length): string | undefined {
  const length = stop - start;
  if (length < FIXED_HEADER) return `RTP packet of ${length} octets is shorter than the 12-octet header`;
  const b0 = buf[start]!;
  const b1 = buf[start + 1]!;
  if (b0 >> 6 !== VERSION) return `RTP version ${b0 >> 6}, expected 2`;
  const cc = b0 & MASK_CC;
  let offset = start + FIXED_HEADER + 4 * cc;
  if (stop < offset) return `RTP packet of ${length} octets too short for ${cc} CSRCs`;
  let csrc = NO_CSRC;
  if (cc > 0) {
    const list: number[] = [];
    for (let i = 0; i < cc; i++) list.push(u32(buf, start + FIXED_HEADER + 4 * i));
    csrc = list;
  }
  let extension: RtpPacket['extension'];
  if (b0 & MASK_EXTENSION) {
    // RFC 3550 §5.3.1: 16-bit profile field, 16-bit length in 32-bit words.
    if (stop < offset + 4) return 'RTP header extension truncated before its length';
    const profile = u16(buf, offset);
    const words = u16(buf, offset + 2);
    const end = offset + 4 + 4 * words;
    if (stop < end) return `RTP header extension of ${words} words runs past the ${length}-octet packet`;
    extension = { profile, data: buf.subarray(offset + 4, end) };
    offset = end;
  }
  let end = stop;
  if (b0 & MASK_PADDING) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
    const pad = buf[stop - 1]!;
    if (pad === 0 || offset + pad > stop) return `RTP padding count ${pad} is invalid for a ${length}-octet packet`;
    end -= pad;
  }
  out.marker = (b1 & MASK_MARKER) !== 0;
  out.payloadType = b1 & MASK_PT;
  out.sequenceNumber = u16(buf, start + 2);
  out.timestamp = u32(buf, start + 4);
  out.ssrc = u32(buf, start + 8);
  out.csrc = csrc;
  // A fresh packet gets the key only when there is an extension.
  if (extension || out.extension) out.extension = extension;
  out.payload = buf.subarray(offset, end);
  return undefined;
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
