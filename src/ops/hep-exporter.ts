// HEP v3 (EEP, the Homer encapsulation): every traced SIP message also goes
// to a capture server (Homer's heplify-server, sngrep -L) as one UDP datagram.
// Spec: "HEP3 Network Protocol Specification", sipcapture/HEP, rev. 37 (the
// sections named below are its headings).
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { addressPair, IPPROTO_TCP, IPPROTO_UDP, type Endpoint } from './ip-datagram.js';

/*
 * HEP3 "Header" and "Chunk":
 *   header:  "HEP3" (4) | total length (2, whole packet incl. header)
 *   chunk:   vendor id (2, 0x0000 = generic) | type id (2) | length (2, incl. these 6) | value
 * All integers are big-endian (network order).
 */
export const HEP3_ID = 'HEP3';
export const HEP3_HEADER_LENGTH = 6;
export const HEP3_CHUNK_HEADER_LENGTH = 6;
const VENDOR_GENERIC = 0x0000;

/** HEP3 "Generic chunk types" table. */
export const HepChunk = {
  IP_FAMILY: 0x0001,
  IP_PROTOCOL: 0x0002,
  IPV4_SRC: 0x0003,
  IPV4_DST: 0x0004,
  IPV6_SRC: 0x0005,
  IPV6_DST: 0x0006,
  SRC_PORT: 0x0007,
  DST_PORT: 0x0008,
  TIMESTAMP_SECONDS: 0x0009,
  TIMESTAMP_MICROSECONDS: 0x000a,
  PROTOCOL_TYPE: 0x000b,
  CAPTURE_AGENT_ID: 0x000c,
  AUTH_KEY: 0x000e,
  PAYLOAD: 0x000f,
  CORRELATION_ID: 0x0011,
} as const;

/** HEP3 "IP protocol family" values: the socket AF_ numbers. */
const AF_INET = 2;
const AF_INET6 = 10;
/** HEP3 "Protocol type" table: 0x01 SIP. It has no entry for Q.931 or LAPD. */
export const HEP_PROTO_SIP = 0x01;
/** Milliseconds of sends without an ICMP error before a collector that was down counts as back. */
const RECOVERY_MS = 1000;
/** The 16-bit total length bounds a packet. */
const LARGEST_PACKET = 0xffff;

export interface HepPacket {
  transport: 'udp' | 'tcp';
  src: Endpoint;
  dst: Endpoint;
  /** Capture time, milliseconds since the epoch (fractions to the microsecond). */
  at: number;
  payload: Uint8Array;
  /** HEP3 "Protocol type"; SIP by default. */
  protoType?: number;
  captureAgentId?: number;
  authKey?: string;
  /** Ties the packets of one call together in Homer: the SIP Call-ID. */
  correlationId?: string;
}

/**
 * One HEP3 packet. The fixed-size chunks come first, in the order of the
 * reference encoder's fixed header (sipcapture hep-c: family, protocol,
 * ports, time, type, agent), then the addresses: some collectors (sngrep)
 * read that prefix by position instead of by chunk type.
 * Undefined when the packet would not fit the 16-bit length.
 */
export function encodeHep3(p: HepPacket): Buffer | undefined {
  const chunks: Buffer[] = [];
  let length = HEP3_HEADER_LENGTH;
  const chunk = (type: number, value: Buffer): void => {
    length += HEP3_CHUNK_HEADER_LENGTH + value.length;
    if (length > LARGEST_PACKET) return;
    const head = Buffer.alloc(HEP3_CHUNK_HEADER_LENGTH);
    head.writeUInt16BE(VENDOR_GENERIC, 0);
    head.writeUInt16BE(type, 2);
    head.writeUInt16BE(HEP3_CHUNK_HEADER_LENGTH + value.length, 4);
    chunks.push(head, value);
  };
  const u8 = (v: number): Buffer => Buffer.from([v & 0xff]);
  const u16 = (v: number): Buffer => {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v & 0xffff);
    return b;
  };
  const u32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    return b;
  };
  const { family, src, dst } = addressPair(p.src.address, p.dst.address);
  const micros = Math.round(p.at * 1000);
  chunk(HepChunk.IP_FAMILY, u8(family === 4 ? AF_INET : AF_INET6));
  chunk(HepChunk.IP_PROTOCOL, u8(p.transport === 'udp' ? IPPROTO_UDP : IPPROTO_TCP));
  chunk(HepChunk.SRC_PORT, u16(p.src.port));
  chunk(HepChunk.DST_PORT, u16(p.dst.port));
  chunk(HepChunk.TIMESTAMP_SECONDS, u32(Math.floor(micros / 1e6)));
  chunk(HepChunk.TIMESTAMP_MICROSECONDS, u32(micros % 1e6));
  chunk(HepChunk.PROTOCOL_TYPE, u8(p.protoType ?? HEP_PROTO_SIP));
  chunk(HepChunk.CAPTURE_AGENT_ID, u32(p.captureAgentId ?? 0));
  chunk(family === 4 ? HepChunk.IPV4_SRC : HepChunk.IPV6_SRC, Buffer.from(src));
  chunk(family === 4 ? HepChunk.IPV4_DST : HepChunk.IPV6_DST, Buffer.from(dst));
  if (p.authKey !== undefined) chunk(HepChunk.AUTH_KEY, Buffer.from(p.authKey, 'utf8'));
  chunk(HepChunk.PAYLOAD, Buffer.from(p.payload));
  if (p.correlationId !== undefined) chunk(HepChunk.CORRELATION_ID, Buffer.from(p.correlationId, 'utf8'));
  if (length > LARGEST_PACKET) return undefined;
  const header = Buffer.alloc(HEP3_HEADER_LENGTH);
  header.write(HEP3_ID, 0, 'latin1');
  header.writeUInt16BE(length, 4);
  return Buffer.concat([header, ...chunks], length);
}

/** The Call-ID of a SIP message (RFC 3261 §20.8, compact form "i"), for the correlation chunk. */
export function sipCallId(message: Uint8Array): string | undefined {
  const text = Buffer.from(message.subarray(0, 8192)).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = end < 0 ? text : text.slice(0, end);
  return /^(?:call-id|i)[ \t]*:[ \t]*(\S+)/im.exec(head)?.[1];
}

export interface HepExporterOptions {
  /** The collector, an address or a name resolved once at open. */
  host: string;
  port: number;
  /** HEP3 "Capture agent ID": which gateway sent it. */
  captureAgentId?: number;
  /** HEP3 "Authenticate key": the collector's password, when it wants one. */
  authKey?: string;
  /** One line when sending starts to fail, one when it works again. */
  log?: (message: string) => void;
}

/** Sends HEP3 packets over UDP; a collector that is down loses them and never stops a call. */
export class HepExporter {
  private failing = false;
  /** After a failure: runs while sends go out without an error coming back; when it fires the collector is back. */
  private recovery: NodeJS.Timeout | null = null;
  sent = 0;
  lost = 0;

  private constructor(
    private readonly socket: Socket,
    private readonly address: string,
    private readonly options: HepExporterOptions,
  ) {}

  static async open(options: HepExporterOptions): Promise<HepExporter> {
    const address = isIP(options.host) ? options.host : (await lookup(options.host)).address;
    const socket = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
    // Connected, so that the collector's ICMP port unreachable comes back as
    // ECONNREFUSED on the next send: a collector that is down shows in the log.
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(options.port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    }).catch((err: Error) => {
      socket.close();
      throw err;
    });
    const exporter = new HepExporter(socket, address, options);
    socket.on('error', (err) => exporter.failed(err));
    socket.unref();
    return exporter;
  }

  get collector(): string {
    return isIP(this.address) === 6 ? `[${this.address}]:${this.options.port}` : `${this.address}:${this.options.port}`;
  }

  send(p: Omit<HepPacket, 'captureAgentId' | 'authKey'>): void {
    const packet = encodeHep3({
      ...p,
      ...(this.options.captureAgentId !== undefined ? { captureAgentId: this.options.captureAgentId } : {}),
      ...(this.options.authKey !== undefined ? { authKey: this.options.authKey } : {}),
    });
    if (!packet) {
      this.lost++;
      return;
    }
    this.socket.send(packet, (err) => {
      if (err) return this.failed(err);
      this.sent++;
      // UDP has no answer: the collector is back once sends stop bouncing for a while.
      if (this.failing && !this.recovery) {
        this.recovery = setTimeout(() => {
          this.recovery = null;
          this.failing = false;
          this.options.log?.(`HEP export to ${this.collector} works again`);
        }, RECOVERY_MS);
        this.recovery.unref();
      }
    });
  }

  private failed(err: Error): void {
    this.lost++;
    if (this.recovery) clearTimeout(this.recovery);
    this.recovery = null;
    if (this.failing) return;
    this.failing = true;
    this.options.log?.(`HEP export to ${this.collector} failed: ${err.message}; traces to the collector are lost until it is reachable, calls go on`);
  }

  close(): Promise<void> {
    if (this.recovery) clearTimeout(this.recovery);
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}
