// A pcap file that rotates by size, like logrotate: trace.pcap, trace.pcap.1,
// ... trace.pcap.<keep>, the oldest removed. Every trace of the gateway (SIP,
// D-channel) writes through it with its own link type. Records wait in memory
// and leave in batches on the event loop's I/O, never with a synchronous
// write per message: a trace must not slow a call down.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';

/*
 * libpcap file format, written little-endian:
 *   file header (24): magic 0xa1b2c3d4 | version 2.4 | thiszone | sigfigs | snaplen | network
 *   per record (16 + data): ts_sec | ts_usec | incl_len | orig_len | data
 */
const PCAP_MAGIC = 0xa1b2c3d4;
const PCAP_VERSION_MAJOR = 2;
const PCAP_VERSION_MINOR = 4;
export const PCAP_SNAPLEN = 65535;
export const PCAP_FILE_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;
/** Records held while the disk is slow; beyond this they are counted as dropped. */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;
/** A batch this large is written at once instead of waiting for the timer. */
const FLUSH_BYTES = 256 * 1024;

export interface RotatingPcapOptions {
  /** The file written now; rotated files get .1, .2, ... appended. */
  path: string;
  /** What the trace is, in error messages ("SIP trace"); "pcap trace" by default. */
  name?: string;
  /** LINKTYPE_ value of the records (tcpdump.org link-layer header types). */
  linkType: number;
  /** Rotate before a file would grow past this many octets. Default 10 MiB. */
  maxBytes?: number;
  /** Rotated files kept besides the current one. Default 5. */
  keep?: number;
  /** Milliseconds a record may wait in memory before it is written. Default 200. */
  flushMs?: number;
  /** Called once when writing starts to fail (disk full, no permission), and again only after a write succeeded. */
  onError?: (err: Error) => void;
}

const ROTATE = Symbol('rotate');
type Pending = Buffer | typeof ROTATE;

export class RotatingPcap {
  readonly path: string;
  readonly name: string;
  readonly linkType: number;
  readonly maxBytes: number;
  readonly keep: number;
  /** The last write failure, until a write succeeds again. */
  lastError: Error | null = null;
  /** Records lost to a failing or too slow disk. */
  dropped = 0;
  private readonly flushMs: number;
  private readonly onError: ((err: Error) => void) | undefined;
  private queue: Pending[] = [];
  private pendingBytes = 0;
  /** Size of the current file once everything queued is written; 0 before its header. */
  private size = 0;
  private file: FileHandle | null = null;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** The file of an earlier run is a pcap of our link type: the first batch appends to it. */
  private resume = false;

  constructor(opts: RotatingPcapOptions) {
    this.path = opts.path;
    this.name = opts.name ?? 'pcap trace';
    this.linkType = opts.linkType;
    this.maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
    this.keep = opts.keep ?? 5;
    this.flushMs = opts.flushMs ?? 200;
    this.onError = opts.onError;
    if (!Number.isInteger(this.maxBytes) || this.maxBytes <= PCAP_FILE_HEADER_LENGTH + PCAP_RECORD_HEADER_LENGTH) {
      throw new RangeError(`${this.name} ${opts.path}: maxBytes ${this.maxBytes} leaves no room for a record`);
    }
    if (!Number.isInteger(this.keep) || this.keep < 0) throw new RangeError(`${this.name} ${opts.path}: keep ${this.keep} is not a count`);
    // A restart keeps the last run's trace: the same kind of pcap goes on, anything else rotates away.
    const earlier = readHeader(this.path);
    if (earlier && earlier.size > 0) {
      if (earlier.header?.readUInt32LE(0) === PCAP_MAGIC && earlier.header.readUInt32LE(20) === this.linkType) {
        this.resume = true;
        this.size = earlier.size;
      } else {
        this.queue.push(ROTATE);
      }
    }
  }

  /**
   * Queues one record: `data` starts with the link-layer header of linkType.
   * `at` is the capture time in milliseconds since the epoch (fractions kept
   * to the microsecond); `originalLength` the length on the wire when data is
   * cut. Data past the snap length is cut there.
   */
  write(data: Uint8Array, at: number = Date.now(), originalLength: number = data.length): void {
    if (this.closed) return;
    const captured = data.subarray(0, PCAP_SNAPLEN);
    const record = Buffer.allocUnsafe(PCAP_RECORD_HEADER_LENGTH + captured.length);
    const micros = Math.round(at * 1000);
    record.writeUInt32LE(Math.floor(micros / 1e6) >>> 0, 0);
    record.writeUInt32LE(micros % 1e6, 4);
    record.writeUInt32LE(captured.length, 8);
    record.writeUInt32LE(Math.max(originalLength, captured.length), 12);
    record.set(captured, PCAP_RECORD_HEADER_LENGTH);
    if (this.pendingBytes + record.length > MAX_PENDING_BYTES) {
      this.dropped++;
      return;
    }
    if (this.size > PCAP_FILE_HEADER_LENGTH && this.size + record.length > this.maxBytes) {
      this.queue.push(ROTATE);
      this.size = 0;
    }
    if (this.size === 0) this.size = PCAP_FILE_HEADER_LENGTH;
    this.size += record.length;
    this.queue.push(record);
    this.pendingBytes += record.length;
    if (this.pendingBytes >= FLUSH_BYTES) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Resolves once every record queued so far is written (or lost to an error, see lastError). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const items = this.queue;
    this.queue = [];
    this.pendingBytes = 0;
    this.chain = this.chain.then(() => this.drain(items));
    return this.chain;
  }

  /** Writes what is queued and closes the file; later writes are ignored. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.chain = this.chain.then(() => this.closeFile());
    await this.chain;
  }

  private async drain(items: Pending[]): Promise<void> {
    let batch: Buffer[] = [];
    let index = 0;
    try {
      for (; index < items.length; index++) {
        const item = items[index]!;
        if (item === ROTATE) {
          await this.append(batch);
          batch = [];
          await this.rotate();
        } else {
          batch.push(item);
        }
      }
      await this.append(batch);
      this.lastError = null;
    } catch (e) {
      // Everything of this batch not yet written is lost; the next batch reopens the file.
      this.dropped += batch.length + items.slice(index + 1).filter((i) => i !== ROTATE).length;
      const first = this.lastError === null;
      this.lastError = new Error(`${this.name} ${this.path}: ${(e as Error).message}`);
      await this.closeFile().catch(() => undefined);
      if (first) this.onError?.(this.lastError);
    }
  }

  private async append(records: Buffer[]): Promise<void> {
    if (records.length === 0) return;
    const file = this.file ?? (await this.openFile());
    await file.write(records.length === 1 ? records[0]! : Buffer.concat(records));
  }

  private async openFile(): Promise<FileHandle> {
    if (this.resume) {
      this.resume = false;
      this.file = await open(this.path, 'a', 0o600);
      // Owner-only whatever the umask or an older file's mode: traces carry numbers and addresses.
      await this.file.chmod(0o600);
      return this.file;
    }
    const file = await open(this.path, 'w', 0o600);
    await file.chmod(0o600);
    const header = Buffer.alloc(PCAP_FILE_HEADER_LENGTH);
    header.writeUInt32LE(PCAP_MAGIC, 0);
    header.writeUInt16LE(PCAP_VERSION_MAJOR, 4);
    header.writeUInt16LE(PCAP_VERSION_MINOR, 6);
    header.writeInt32LE(0, 8);
    header.writeUInt32LE(0, 12);
    header.writeUInt32LE(PCAP_SNAPLEN, 16);
    header.writeUInt32LE(this.linkType, 20);
    try {
      await file.write(header);
    } catch (e) {
      await file.close().catch(() => undefined);
      throw e;
    }
    this.file = file;
    return file;
  }

  private async closeFile(): Promise<void> {
    const file = this.file;
    this.file = null;
    await file?.close();
  }

  private async rotate(): Promise<void> {
    await this.closeFile();
    this.resume = false;
    if (this.keep === 0) {
      await rm(this.path, { force: true });
      return;
    }
    await rm(`${this.path}.${this.keep}`, { force: true });
    for (let i = this.keep - 1; i >= 1; i--) await renameIfThere(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    await renameIfThere(this.path, `${this.path}.1`);
  }
}

async function renameIfThere(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** Size and file header of an existing file (once, at start); undefined when there is none. */
function readHeader(path: string): { size: number; header: Buffer | undefined } | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const header = Buffer.alloc(PCAP_FILE_HEADER_LENGTH);
    const n = readSync(fd, header, 0, header.length, 0);
    return { size: n === 0 ? 0 : fstatSync(fd).size, header: n === header.length ? header : undefined };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
