// SIP trace: every SIP message the gateway sends or receives, as an IP
// datagram in a size-rotated pcap file (LINKTYPE_RAW) that sngrep and tshark
// open. UDP messages become UDP datagrams; TCP and TLS ones TCP segments of
// one stream per connection (TLS as the SIP inside, decrypted).
import type { SipWirePacket } from '../sip/node-transport.js';
import { addressPair, ipDatagram, largestPayload, type Endpoint } from './ip-datagram.js';
import { RotatingPcap } from './rotating-pcap.js';

/** tcpdump.org LINKTYPE_RAW: the record starts with the IPv4 or IPv6 header. */
export const LINKTYPE_RAW = 101;
/** TCP payload per traced segment; a longer message is cut into several, as a stack would. */
const SEGMENT = 16384;
/** Connections whose sequence numbers are remembered; the oldest is forgotten beyond this. */
const MAX_FLOWS = 4096;

export interface SipTraceOptions {
  path: string;
  maxBytes?: number;
  keep?: number;
  onError?: (err: Error) => void;
}

export class SipTrace {
  private readonly pcap: RotatingPcap;
  private id = 0;
  /** Next sequence number of each direction of a TCP connection, by "src>dst". */
  private readonly seq = new Map<string, number>();

  constructor(opts: SipTraceOptions) {
    this.pcap = new RotatingPcap({
      path: opts.path,
      name: 'SIP trace',
      linkType: LINKTYPE_RAW,
      ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}),
      ...(opts.keep !== undefined ? { keep: opts.keep } : {}),
      ...(opts.onError ? { onError: opts.onError } : {}),
    });
  }

  get path(): string {
    return this.pcap.path;
  }

  get lastError(): Error | null {
    return this.pcap.lastError;
  }

  /** Queues one message (the transport's trace hook). */
  packet(p: SipWirePacket): void {
    const src = p.direction === 'out' ? p.local : p.remote;
    const dst = p.direction === 'out' ? p.remote : p.local;
    const family = addressPair(src.address, dst.address).family;
    if (p.protocol === 'udp') {
      if (p.data.length > largestPayload(family, 'udp')) return;
      this.pcap.write(ipDatagram({ src, dst, transport: 'udp', payload: p.data, id: this.nextId() }), p.at);
      return;
    }
    for (let off = 0; off < p.data.length; off += SEGMENT) {
      const payload = p.data.subarray(off, off + SEGMENT);
      const seq = this.advance(src, dst, payload.length);
      const ack = this.seq.get(flow(dst, src)) ?? 1;
      this.pcap.write(ipDatagram({ src, dst, transport: 'tcp', payload, seq, ack, id: this.nextId() }), p.at);
    }
  }

  flush(): Promise<void> {
    return this.pcap.flush();
  }

  close(): Promise<void> {
    return this.pcap.close();
  }

  private nextId(): number {
    this.id = (this.id + 1) & 0xffff;
    return this.id;
  }

  /** The segment's sequence number; the next one follows its last octet (RFC 9293 §3.4). */
  private advance(src: Endpoint, dst: Endpoint, length: number): number {
    const key = flow(src, dst);
    const seq = this.seq.get(key) ?? 1;
    this.seq.delete(key);
    if (this.seq.size >= MAX_FLOWS) this.seq.delete(this.seq.keys().next().value!);
    this.seq.set(key, (seq + length) >>> 0);
    return seq;
  }
}

function flow(src: Endpoint, dst: Endpoint): string {
  return `${src.address}|${src.port}>${dst.address}|${dst.port}`;
}

/**
 * A SIP message as traces keep it: the digest response of Authorization and
 * Proxy-Authorization (crackable offline) and the SRTP master keys of
 * a=crypto (RFC 4568 §9.1) overwritten with "x", byte for byte, so that
 * lengths and Content-Length still hold for tshark and sngrep.
 */
export function redactSecrets(message: Buffer): Buffer {
  const text = message.toString('latin1');
  const blank = (s: string): string => 'x'.repeat(s.length);
  const out = text
    .replace(/^((?:proxy-)?authorization[ \t]*:[^\r\n]*?\bresponse[ \t]*=[ \t]*"?)([^",\r\n]*)/gim, (_m, head: string, secret: string) => head + blank(secret))
    .replace(/(a=crypto:[^\r\n]*?inline:)([^|\s;]+)/gi, (_m, head: string, key: string) => head + blank(key));
  return out === text ? message : Buffer.from(out, 'latin1');
}
