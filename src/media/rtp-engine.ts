// The RTP/RTCP sockets of every call on the native RTP engine's I/O thread
// (native/rtp/): the send and receive system calls leave the JavaScript
// thread, which hands over one batch of datagrams per flush and takes one
// buffer of received ones per wake-up, instead of one call per packet.
import { lookup } from 'node:dns';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { addon, type NativeRtpEngine, type NativeRtpEngineStats } from '../hw/addon.js';

/** Where a datagram came from. */
export interface RtpSource {
  readonly address: string;
  readonly port: number;
  readonly family: 'IPv4' | 'IPv6';
}

/** A socket call that failed; `code` is the errno name (EADDRINUSE, EINVAL, ...). */
export class RtpSocketError extends Error {
  override readonly name = 'RtpSocketError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const HEADER = 28; // native/rtp/udp_engine.h kRecordHeader
const OUTBOX_OCTETS = 256 * 1024;
const OUTBOX_PACKETS = 4096;
const DRAIN_BUDGET_MS = 0.5; // of received datagrams handled before the event loop gets a turn

/**
 * The source of the datagram being handed out; the address text is built
 * only when asked for. One per engine, pointed at each record in turn.
 */
class Source implements RtpSource {
  private text: string | undefined;
  private records: Buffer = Buffer.alloc(0);
  private at = 0;
  port = 0;
  private v6 = false;

  point(records: Buffer, at: number, port: number, v6: boolean): this {
    this.records = records;
    this.at = at;
    this.port = port;
    this.v6 = v6;
    this.text = undefined;
    return this;
  }

  get family(): 'IPv4' | 'IPv6' {
    return this.v6 ? 'IPv6' : 'IPv4';
  }

  get address(): string {
    if (this.text !== undefined) return this.text;
    const b = this.records;
    const a = this.at + 12;
    if (!this.v6) return (this.text = `${b[a]}.${b[a + 1]}.${b[a + 2]}.${b[a + 3]}`);
    // An IPv4 peer of a dual-stack socket shows as ::ffff:a.b.c.d, as Node's dgram shows it.
    const groups: string[] = [];
    for (let i = 0; i < 8; i++) groups.push(b.readUInt16BE(a + 2 * i).toString(16));
    if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') return (this.text = `::ffff:${b[a + 12]}.${b[a + 13]}.${b[a + 14]}.${b[a + 15]}`);
    return (this.text = compressV6(groups));
  }
}

function compressV6(groups: string[]): string {
  // RFC 5952 §4.2.3: the longest run of zero groups (2 or more) becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** One UDP socket on the engine; the subset of dgram.Socket a media session uses. */
export class RtpSocket {
  /**
   * Gets every datagram, in arrival order. `from` is valid during the call
   * only (the engine reuses it): copy the address and port to keep them.
   */
  onMessage: ((msg: Buffer, from: RtpSource) => void) | null = null;
  /**
   * Instead of onMessage when set: the datagram as octets start..end of a
   * buffer it shares with others (no view made per datagram). The octets
   * stay as they are after the call; `from` does not.
   */
  onDatagram: ((data: Buffer, start: number, end: number, from: RtpSource) => void) | null = null;
  /** Gets send failures; never fatal. */
  onError: ((err: Error) => void) | null = null;
  private remoteAddress = '';
  private remotePort = -1;
  private closed = false;
  private resolved: { key: string; address?: string } | undefined;

  constructor(
    private readonly engine: RtpEngine,
    readonly handle: number,
    readonly port: number,
    readonly family: 'IPv4' | 'IPv6',
    readonly boundAddress: string,
  ) {}

  address(): { address: string; port: number; family: string } {
    return { address: this.boundAddress, port: this.port, family: this.family };
  }

  /** Queues a datagram; `sent` runs once it is handed to the engine. */
  send(packet: Uint8Array, port: number, address: string, sent?: () => void): void {
    if (!this.sendTo(port, address)) return;
    this.engine.queue(this.handle, packet);
    if (sent) process.nextTick(sent);
  }

  /**
   * Room for a datagram of `length` octets in the outgoing batch, to be
   * written before the current JavaScript turn ends (no copy); null when the
   * socket is closed or the destination unusable.
   */
  reserve(length: number, port: number, address: string): Uint8Array | null {
    if (!this.sendTo(port, address)) return null;
    return this.engine.reserve(this.handle, length);
  }

  private sendTo(port: number, address: string): boolean {
    if (this.closed) return false;
    if (port !== this.remotePort || address !== this.remoteAddress) {
      if (isIP(address) === 0) return this.resolve(port, address);
      this.engine.flush();
      try {
        this.engine.native.setRemote(this.handle, address, port);
      } catch (err) {
        this.onError?.(new Error(`RTP socket ${this.port}: ${(err as Error).message}`));
        return false;
      }
      this.remoteAddress = address;
      this.remotePort = port;
      this.resolved = undefined;
    }
    return true;
  }

  /**
   * A host name in c= (RFC 4566 §5.7 allows one): looked up once, off the
   * media path; datagrams before the answer are dropped, as a socket with
   * no route would.
   */
  private resolve(port: number, name: string): boolean {
    const key = `${name}:${port}`;
    if (this.resolved?.key === key) {
      if (this.resolved.address === undefined) return false;
      return this.sendToAddress(port, this.resolved.address, name);
    }
    this.resolved = { key };
    const family = this.family === 'IPv4' ? 4 : 0;
    lookup(name, { family }, (err, address) => {
      if (this.resolved?.key !== key) return;
      if (err) return void this.onError?.(new Error(`RTP socket ${this.port}: cannot resolve ${name}: ${err.message}`));
      this.resolved.address = address;
    });
    return false;
  }

  private sendToAddress(port: number, address: string, name: string): boolean {
    this.engine.flush();
    try {
      this.engine.native.setRemote(this.handle, address, port);
    } catch (err) {
      this.onError?.(new Error(`RTP socket ${this.port}: ${(err as Error).message}`));
      this.resolved = { key: `${name}:${port}` }; // reported once, not per packet
      return false;
    }
    this.remoteAddress = name; // sends to this name now go without a lookup
    this.remotePort = port;
    return true;
  }

  /** Delivers what has reached the engine for any socket now (RtpEngine.poll). */
  poll(): void {
    this.engine.poll();
  }

  /** Closes after the datagrams queued before are out; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.engine.flush();
    this.engine.release(this);
  }
}

/** The engine and its I/O thread; one per process is enough (sharedRtpEngine). */
export class RtpEngine {
  readonly native: NativeRtpEngine;
  private readonly sockets = new Map<number, RtpSocket>();
  private readonly outbox = new Uint8Array(OUTBOX_OCTETS);
  private readonly index = new Int32Array(3 * OUTBOX_PACKETS);
  private used = 0;
  private count = 0;
  private flushQueued = false;
  private readonly flushNow = (): void => this.flush();
  /** Received buffers not yet handed out, and where in the first one to go on. */
  private readonly inbox: Buffer[] = [];
  private inboxAt = 0;
  private drainScheduled = false;
  private draining = false;
  private readonly drainLater = (): void => {
    this.drainScheduled = false;
    this.drain(DRAIN_BUDGET_MS);
  };
  private readonly pending: Int32Array;
  private readonly source = new Source();

  constructor() {
    this.native = new (addon().RtpEngine)((records) => this.receive(records));
    this.pending = new Int32Array(this.native.pendingFlag());
  }

  /**
   * Hands every datagram that has reached the engine to its socket now, with
   * no time budget: the media clock calls it before a playout so that a
   * packet that arrived while JavaScript was busy is in the jitter buffer
   * when its frame is due, instead of waiting behind the clock's catch-up.
   * Costs one array read when nothing waits.
   */
  poll(): void {
    if (this.pending[0] !== 0) {
      const records = this.native.take();
      if (records) this.inbox.push(records);
    }
    if (this.inbox.length > 0) this.drain(Infinity);
  }

  /** Binds address:port (0: any free port). Throws RtpSocketError with the errno name. */
  open(address: string, port: number): RtpSocket {
    let handle: number;
    try {
      handle = this.native.open(address, port);
    } catch (err) {
      const e = err as Error & { code?: string };
      throw new RtpSocketError(e.message, e.code ?? 'ESOCKET');
    }
    const socket = new RtpSocket(this, handle, this.native.localPort(handle), address.includes(':') ? 'IPv6' : 'IPv4', address);
    this.sockets.set(handle, socket);
    return socket;
  }

  /** Copies a datagram into the outgoing batch; the batch leaves at the end of this turn of the event loop. */
  queue(handle: number, packet: Uint8Array): void {
    this.reserve(handle, packet.length)?.set(packet);
  }

  /** @internal RtpSocket.reserve: a slice of the outgoing batch, null for a size UDP cannot carry. */
  reserve(handle: number, length: number): Uint8Array | null {
    if (length > 65507) return null;
    if (this.used + length > OUTBOX_OCTETS || this.count === OUTBOX_PACKETS) this.flush();
    const at = this.used;
    const i = 3 * this.count;
    this.index[i] = handle;
    this.index[i + 1] = at;
    this.index[i + 2] = length;
    this.used += length;
    this.count++;
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushNow);
    }
    return this.outbox.subarray(at, at + length);
  }

  /** Hands the outgoing batch to the I/O thread. */
  flush(): void {
    this.flushQueued = false;
    if (this.count === 0) return;
    const n = this.count;
    const data = this.outbox.subarray(0, this.used);
    this.count = 0;
    this.used = 0;
    try {
      this.native.send(data, this.index, n);
    } catch (err) {
      // Not expected (handles and offsets are ours); the batch is lost, the process is not.
      const told = new Set<RtpSocket>();
      for (let i = 0; i < n; i++) {
        const socket = this.sockets.get(this.index[3 * i]!);
        if (socket && !told.has(socket)) {
          told.add(socket);
          socket.onError?.(new Error(`RTP socket ${socket.port}: send batch refused: ${(err as Error).message}`));
        }
      }
    }
  }

  /** @internal RtpSocket.close */
  release(socket: RtpSocket): void {
    this.sockets.delete(socket.handle);
    this.native.close(socket.handle);
  }

  stats(): NativeRtpEngineStats {
    return this.native.stats();
  }

  private receive(records: Buffer): void {
    this.inbox.push(records);
    if (this.inbox.length === 1) this.drain(DRAIN_BUDGET_MS);
  }

  /**
   * Hands received datagrams to their sockets, yielding to the event loop
   * after DRAIN_BUDGET_MS: a burst of a thousand calls' packets must not hold
   * up the media clock's next slot (the jitter buffer has tens of ms of room).
   */
  private drain(budgetMs: number): void {
    if (this.draining) return; // a listener that polls again from inside a drain
    this.draining = true;
    try {
      this.drainFor(budgetMs);
    } finally {
      this.draining = false;
    }
  }

  private drainFor(budgetMs: number): void {
    const until = performance.now() + budgetMs;
    let n = 0;
    while (this.inbox.length > 0) {
      const records = this.inbox[0]!;
      const end = records.length;
      let at = this.inboxAt;
      while (at + HEADER <= end) {
        const handle = records.readUInt32LE(at);
        const length = records.readUInt16LE(at + 4);
        const port = records.readUInt16LE(at + 6);
        const family = records[at + 8]!;
        const start = at + HEADER;
        const socket = this.sockets.get(handle);
        if (socket) {
          // Datagrams of a socket closed meanwhile are dropped with it.
          if (family === 0) socket.onError?.(new Error(`RTP socket ${socket.port}: ${records.toString('utf8', start, start + length)}`));
          else if (socket.onDatagram) socket.onDatagram(records, start, start + length, this.source.point(records, at, port, family === 6));
          else socket.onMessage?.(records.subarray(start, start + length), this.source.point(records, at, port, family === 6));
        }
        at = start + length;
        this.inboxAt = at; // a listener that throws does not get the datagram again
        if ((++n & 31) === 0 && performance.now() > until && at + HEADER <= end) {
          if (!this.drainScheduled) {
            this.drainScheduled = true;
            setImmediate(this.drainLater);
          }
          return;
        }
      }
      this.inbox.shift();
      this.inboxAt = 0;
    }
  }
}

let shared: RtpEngine | undefined;

/** The process's engine, started on first use. */
export function sharedRtpEngine(): RtpEngine {
  return (shared ??= new RtpEngine());
}
