// IP datagrams rebuilt around a message the gateway sent or received, for
// pcap traces (LINKTYPE_RAW) that tshark and sngrep read as if captured on
// the wire: IPv4 or IPv6, then UDP or TCP, with true lengths and checksums.
import { isIP } from 'node:net';

export interface Endpoint {
  address: string;
  port: number;
}

export interface DatagramOptions {
  src: Endpoint;
  dst: Endpoint;
  transport: 'udp' | 'tcp';
  payload: Uint8Array;
  /** TCP sequence and acknowledgement numbers (RFC 9293 §3.1). */
  seq?: number;
  ack?: number;
  /** IPv4 Identification (RFC 791 §3.1). */
  id?: number;
}

export const IPV4_HEADER_LENGTH = 20;
export const IPV6_HEADER_LENGTH = 40;
export const UDP_HEADER_LENGTH = 8;
export const TCP_HEADER_LENGTH = 20;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
const TTL = 64;
/** RFC 791 §3.1: Flags, Don't Fragment. */
const IPV4_DONT_FRAGMENT = 0x4000;
/** RFC 9293 §3.1: PSH and ACK, what every data segment of an open connection carries. */
const TCP_PSH_ACK = 0x18;
const TCP_WINDOW = 65535;

/** Largest payload one datagram carries: the 16-bit length fields of RFC 791 §3.1 / RFC 8200 §3 less the headers. */
export function largestPayload(family: 4 | 6, transport: 'udp' | 'tcp'): number {
  const l4 = transport === 'udp' ? UDP_HEADER_LENGTH : TCP_HEADER_LENGTH;
  return family === 4 ? 0xffff - IPV4_HEADER_LENGTH - l4 : 0xffff - l4;
}

/**
 * The octets of an IPv4 (4) or IPv6 (16) address in text form (RFC 4291 §2.2,
 * with "::" and a dotted IPv4 tail; a zone "%eth0" is dropped); undefined
 * when it is neither.
 */
export function addressBytes(address: string): Uint8Array | undefined {
  const text = address.replace(/%.*$/, '');
  const v = isIP(text);
  if (v === 4) return Uint8Array.from(text.split('.').map(Number));
  if (v !== 6) return undefined;
  const out = new Uint8Array(16);
  let head = text;
  let tail4: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    tail4 = dotted[1]!.split('.').map(Number);
    head = text.slice(0, -dotted[1]!.length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const groups = 8 - tail4.length / 2;
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const words = (s: string | undefined): number[] => (s ? s.split(':').filter((w) => w !== '').map((w) => parseInt(w, 16)) : []);
  const l = words(left);
  const r = right === undefined ? [] : words(right);
  const all = [...l, ...new Array<number>(groups - l.length - r.length).fill(0), ...r];
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  out.set(tail4, 12);
  return out;
}

const V4_MAPPED = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);

/**
 * Source and destination of one family: an IPv4-mapped IPv6 address (a
 * dual-stack socket) becomes IPv4 again; when one side is still IPv6 the
 * other is mapped (RFC 4291 §2.5.5.2). A name that is no address is the
 * unspecified address.
 */
export function addressPair(src: string, dst: string): { family: 4 | 6; src: Uint8Array; dst: Uint8Array } {
  const unmap = (b: Uint8Array | undefined): Uint8Array | undefined =>
    b && b.length === 16 && V4_MAPPED.every((x, i) => b[i] === x) ? b.subarray(12) : b;
  const s = unmap(addressBytes(src));
  const d = unmap(addressBytes(dst));
  const family = (s?.length ?? 4) === 16 || (d?.length ?? 4) === 16 ? 6 : 4;
  const fit = (b: Uint8Array | undefined): Uint8Array => {
    if (family === 4) return b ?? new Uint8Array(4);
    if (!b) return new Uint8Array(16);
    if (b.length === 16) return b;
    const m = new Uint8Array(16);
    m.set(V4_MAPPED);
    m.set(b, 12);
    return m;
  };
  return { family, src: fit(s), dst: fit(d) };
}

/** RFC 1071 §4.1: the 16-bit ones' complement of the ones' complement sum. */
function checksum(parts: Uint8Array[]): number {
  let sum = 0;
  for (const p of parts) {
    for (let i = 0; i + 1 < p.length; i += 2) sum += (p[i]! << 8) | p[i + 1]!;
    if (p.length % 2 === 1) sum += p[p.length - 1]! << 8;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * One datagram, IP header first. Every part has an even length except the
 * payload, which comes last, so the checksum's odd-octet padding is right.
 */
export function ipDatagram(o: DatagramOptions): Buffer {
  const { family, src, dst } = addressPair(o.src.address, o.dst.address);
  const protocol = o.transport === 'udp' ? IPPROTO_UDP : IPPROTO_TCP;
  const l4Length = (o.transport === 'udp' ? UDP_HEADER_LENGTH : TCP_HEADER_LENGTH) + o.payload.length;
  if (o.payload.length > largestPayload(family, o.transport)) throw new RangeError(`payload of ${o.payload.length} octets does not fit one IPv${family} datagram`);
  const l4 = Buffer.alloc(o.transport === 'udp' ? UDP_HEADER_LENGTH : TCP_HEADER_LENGTH);
  l4.writeUInt16BE(o.src.port, 0);
  l4.writeUInt16BE(o.dst.port, 2);
  if (o.transport === 'udp') {
    // RFC 768: Length covers header and data.
    l4.writeUInt16BE(l4Length, 4);
  } else {
    // RFC 9293 §3.1: Data Offset 5 words, no options.
    l4.writeUInt32BE((o.seq ?? 0) >>> 0, 4);
    l4.writeUInt32BE((o.ack ?? 0) >>> 0, 8);
    l4.writeUInt16BE(((TCP_HEADER_LENGTH / 4) << 12) | TCP_PSH_ACK, 12);
    l4.writeUInt16BE(TCP_WINDOW, 14);
  }
  // The pseudo-header: RFC 768 / RFC 9293 §3.1 for IPv4, RFC 8200 §8.1 for IPv6.
  const pseudo = Buffer.alloc(family === 4 ? 12 : 40);
  pseudo.set(src, 0);
  pseudo.set(dst, src.length);
  if (family === 4) {
    pseudo.writeUInt8(protocol, 9);
    pseudo.writeUInt16BE(l4Length, 10);
  } else {
    pseudo.writeUInt32BE(l4Length, 32);
    pseudo.writeUInt8(protocol, 39);
  }
  let sum = checksum([pseudo, l4, o.payload]);
  // RFC 768: a computed zero is sent as all ones (zero means "no checksum"); RFC 8200 §8.1 keeps that for IPv6.
  if (o.transport === 'udp' && sum === 0) sum = 0xffff;
  l4.writeUInt16BE(sum, o.transport === 'udp' ? 6 : 16);

  let ip: Buffer;
  if (family === 4) {
    // RFC 791 §3.1: version 4, IHL 5, total length, DF, TTL, protocol, header checksum.
    ip = Buffer.alloc(IPV4_HEADER_LENGTH);
    ip.writeUInt8(0x45, 0);
    ip.writeUInt16BE(IPV4_HEADER_LENGTH + l4Length, 2);
    ip.writeUInt16BE((o.id ?? 0) & 0xffff, 4);
    ip.writeUInt16BE(IPV4_DONT_FRAGMENT, 6);
    ip.writeUInt8(TTL, 8);
    ip.writeUInt8(protocol, 9);
    ip.set(src, 12);
    ip.set(dst, 16);
    ip.writeUInt16BE(checksum([ip]), 10);
  } else {
    // RFC 8200 §3: version 6, payload length, next header, hop limit.
    ip = Buffer.alloc(IPV6_HEADER_LENGTH);
    ip.writeUInt32BE(0x60000000, 0);
    ip.writeUInt16BE(l4Length, 4);
    ip.writeUInt8(protocol, 6);
    ip.writeUInt8(TTL, 7);
    ip.set(src, 8);
    ip.set(dst, 24);
  }
  return Buffer.concat([ip, l4, o.payload]);
}
