// D-channel trace: every Q.921 frame of a span written to a pcap file with
// link type LINUX_LAPD (177), the form tshark/Wireshark decode as LAPD and
// Q.931. Files rotate by size, like logrotate: trace.pcap, trace.pcap.1, ...
import { closeSync, existsSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/*
 * pcap file header (libpcap format, written little-endian):
 *   magic 0xa1b2c3d4 | version 2.4 | thiszone | sigfigs | snaplen | network
 * per frame:
 *   ts_sec | ts_usec | incl_len | orig_len | LAPD pseudo-header | Q.921 frame
 *
 * LINKTYPE_LINUX_LAPD pseudo-header (16 octets, big-endian, sll-like):
 *      0        2        4        6                        14       16
 *   +--------+--------+--------+------------------------+--------+
 *   |pkttype |hatype  |halen   | address (8); octet 0 = |protocol|
 *   |0 in,   |ARPHRD_ |        | 1 when we are the      |ETH_P_  |
 *   |4 out   |LAPD    |        | network side           |LAPD    |
 *   +--------+--------+--------+------------------------+--------+
 * The dissector reads C/R (Q.921 clause 3.3.2) from pkttype and the side.
 */
const PCAP_MAGIC = 0xa1b2c3d4;
const PCAP_VERSION_MAJOR = 2;
const PCAP_VERSION_MINOR = 4;
const PCAP_SNAPLEN = 65535;
export const LINKTYPE_LINUX_LAPD = 177;
const FILE_HEADER_LENGTH = 24;
const RECORD_HEADER_LENGTH = 16;
const LAPD_HEADER_LENGTH = 16;
const PKTTYPE_OFFSET = 0;
const HATYPE_OFFSET = 2;
const HALEN_OFFSET = 4;
const ADDR_OFFSET = 6;
const PROTOCOL_OFFSET = 14;
/** Linux packet types: a frame received from the peer, or sent by us. */
const PACKET_HOST = 0;
const PACKET_OUTGOING = 4;
/** ARPHRD_LAPD of Linux mISDN. */
const ARPHRD_LAPD = 8445;
const ETH_P_LAPD = 0x0030;
/** Q.921 clause 5.9.3: N201, at most 260 octets of information; address and control add 4. */
const LARGEST_FRAME = 264;

export type FrameDirection = 'rx' | 'tx';

export interface DChannelTraceOptions {
  /** The file written now; rotated files get .1, .2, ... appended. */
  path: string;
  /** Our side of the D-channel: network (we are the switch) or user (we are the CPE). */
  side: 'network' | 'user';
  /** Rotate before a file would grow past this many octets. Default 10 MiB. */
  maxBytes?: number;
  /** Rotated files kept besides the current one. Default 5. */
  keep?: number;
}

/**
 * A rotating pcap writer for one span's D-channel. Writes are synchronous:
 * D-channel frames come a few per call, and a trace that survives a crash
 * is worth more than the microseconds an async queue would save.
 */
export class DChannelTrace {
  readonly path: string;
  private readonly network: boolean;
  private readonly maxBytes: number;
  private readonly keep: number;
  private fd: number | null = null;
  private size = 0;
  /** The last write failure (disk full, no permission), until a write succeeds again. */
  lastError: Error | null = null;

  constructor(opts: DChannelTraceOptions) {
    this.path = opts.path;
    this.network = opts.side === 'network';
    this.maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
    this.keep = opts.keep ?? 5;
    const smallest = FILE_HEADER_LENGTH + RECORD_HEADER_LENGTH + LAPD_HEADER_LENGTH + LARGEST_FRAME;
    if (!Number.isInteger(this.maxBytes) || this.maxBytes < smallest) {
      throw new RangeError(`D-channel trace ${opts.path}: maxBytes ${this.maxBytes} is below ${smallest}, the size of one largest frame`);
    }
    if (!Number.isInteger(this.keep) || this.keep < 0) throw new RangeError(`D-channel trace ${opts.path}: keep ${this.keep} is not a count`);
  }

  /**
   * Appends one Q.921 frame (address, control, information; no flags or FCS).
   * `at` is the capture time in milliseconds since the epoch. A trace never
   * stops the D-channel: a failed write returns false and sets lastError, and
   * the next write tries again. A frame longer than the snap length (a broken
   * peer) is cut there, its original length kept.
   */
  write(frame: Uint8Array, direction: FrameDirection, at: number = Date.now()): boolean {
    const captured = frame.subarray(0, PCAP_SNAPLEN - LAPD_HEADER_LENGTH);
    const record = Buffer.alloc(RECORD_HEADER_LENGTH + LAPD_HEADER_LENGTH + captured.length);
    const micros = Math.round(at * 1000);
    record.writeUInt32LE(Math.floor(micros / 1e6), 0);
    record.writeUInt32LE(micros % 1e6, 4);
    record.writeUInt32LE(LAPD_HEADER_LENGTH + captured.length, 8);
    record.writeUInt32LE(LAPD_HEADER_LENGTH + frame.length, 12);
    const h = RECORD_HEADER_LENGTH;
    record.writeUInt16BE(direction === 'tx' ? PACKET_OUTGOING : PACKET_HOST, h + PKTTYPE_OFFSET);
    record.writeUInt16BE(ARPHRD_LAPD, h + HATYPE_OFFSET);
    record.writeUInt16BE(1, h + HALEN_OFFSET);
    record.writeUInt8(this.network ? 1 : 0, h + ADDR_OFFSET);
    record.writeUInt16BE(ETH_P_LAPD, h + PROTOCOL_OFFSET);
    record.set(captured, h + LAPD_HEADER_LENGTH);
    try {
      if (this.fd !== null && this.size + record.length > this.maxBytes) this.rotate();
      const fd = this.fd ?? this.open();
      writeSync(fd, record);
      this.size += record.length;
      this.lastError = null;
      return true;
    } catch (e) {
      this.lastError = new Error(`D-channel trace ${this.path}: ${(e as Error).message}`);
      this.close();
      return false;
    }
  }

  close(): void {
    const fd = this.fd;
    this.fd = null;
    if (fd !== null) closeSync(fd);
  }

  private open(): number {
    const fd = openSync(this.path, 'w');
    const header = Buffer.alloc(FILE_HEADER_LENGTH);
    header.writeUInt32LE(PCAP_MAGIC, 0);
    header.writeUInt16LE(PCAP_VERSION_MAJOR, 4);
    header.writeUInt16LE(PCAP_VERSION_MINOR, 6);
    header.writeInt32LE(0, 8);
    header.writeUInt32LE(0, 12);
    header.writeUInt32LE(PCAP_SNAPLEN, 16);
    header.writeUInt32LE(LINKTYPE_LINUX_LAPD, 20);
    writeSync(fd, header);
    this.fd = fd;
    this.size = FILE_HEADER_LENGTH;
    return fd;
  }

  private rotate(): void {
    this.close();
    if (this.keep === 0) {
      rmSync(this.path, { force: true });
      return;
    }
    rmSync(`${this.path}.${this.keep}`, { force: true });
    for (let i = this.keep - 1; i >= 1; i--) {
      if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    }
    renameSync(this.path, `${this.path}.1`);
  }
}
