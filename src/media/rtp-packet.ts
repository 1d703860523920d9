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
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const cc = b0 & MASK_CC;
  let offset = FIXED_HEADER + 4 * cc;
  if (buf.length < offset) return { ok: false, error: `RTP packet of ${buf.length} octets too short for ${cc} CSRCs` };
  const csrc: number[] = [];
  for (let i = 0; i < cc; i++) csrc.push(view.getUint32(FIXED_HEADER + 4 * i));
  let extension: RtpPacket['extension'];
  if (b0 & MASK_EXTENSION) {
    // RFC 3550 §5.3.1: 16-bit profile field, 16-bit length in 32-bit words.
    if (buf.length < offset + 4) return { ok: false, error: 'RTP header extension truncated before its length' };
    const profile = view.getUint16(offset);
    const words = view.getUint16(offset + 2);
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
      sequenceNumber: view.getUint16(2),
      timestamp: view.getUint32(4),
      ssrc: view.getUint32(8),
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
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out[0] = (VERSION << 6) | (p.extension ? MASK_EXTENSION : 0) | p.csrc.length;
  out[1] = (p.marker ? MASK_MARKER : 0) | (p.payloadType & MASK_PT);
  view.setUint16(2, p.sequenceNumber & 0xffff);
  view.setUint32(4, p.timestamp >>> 0);
  view.setUint32(8, p.ssrc >>> 0);
  let offset = FIXED_HEADER;
  for (const c of p.csrc) {
    view.setUint32(offset, c >>> 0);
    offset += 4;
  }
  if (p.extension) {
    view.setUint16(offset, p.extension.profile);
    view.setUint16(offset + 2, p.extension.data.length / 4);
    out.set(p.extension.data, offset + 4);
    offset += 4 + p.extension.data.length;
  }
  out.set(p.payload, offset);
  return out.subarray(0, offset + p.payload.length);
}
