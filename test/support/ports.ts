// Ports for peers that must be told which port to bind (SIPp's UAS, baresip,
// a fixed RTP range), free of races with anything else on the machine:
// - they come from below the kernel's ephemeral range, so no socket bound to
//   port 0 (ours, the gateway's RTP, another suite's) can be given them;
// - each is held (bound, UDP and TCP) by this process from reservation until
//   the peer starts, and again between peers, so no other reserver takes it;
// - a lock (an abstract Unix socket named after the port) keeps other
//   processes running this code off it for the whole reservation.
// What binds port 0 itself (the gateway, our sockets) needs none of this.
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/** Lowest port handed out; SIPp's own defaults (5060+, media 6000+, control 8888+) stay below. */
const FIRST = 20000;

function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 32768;
  }
}

class Hold {
  #udp: Socket[] = [];
  #tcp: Server[] = [];
  readonly lock: Server[];
  /** The taking back after the last peer, which the next hand-over waits for. */
  takingBack: Promise<unknown> = Promise.resolve();
  constructor(
    readonly port: number,
    readonly count: number,
    readonly address: string,
    lock: Server[],
  ) {
    this.lock = lock;
  }

  /** Binds every port of the hold; false (and nothing bound) if any is taken. */
  async bind(): Promise<boolean> {
    try {
      for (let p = this.port; p < this.port + this.count; p++) {
        const udp = createSocket(this.address.includes(':') ? 'udp6' : 'udp4');
        this.#udp.push(udp);
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind(p, this.address, () => resolve());
        });
        udp.unref();
        const tcp = createServer();
        this.#tcp.push(tcp);
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen(p, this.address, () => resolve());
        });
        tcp.unref();
      }
      return true;
    } catch {
      await this.unbind();
      return false;
    }
  }

  async unbind(): Promise<void> {
    for (const u of this.#udp.splice(0)) await new Promise<void>((r) => { try { u.close(() => r()); } catch { r(); } });
    for (const t of this.#tcp.splice(0)) await new Promise<void>((r) => t.close(() => r()));
  }
}

const holds = new Map<number, Hold>();

async function lockPort(port: number): Promise<Server | undefined> {
  const server = createServer();
  const ok = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(`\0sipline-test-port-${port}`, () => resolve(true));
  });
  if (!ok) return undefined;
  server.unref();
  return server;
}

/**
 * Reserves `count` consecutive ports (even first; 2 by default, as baresip
 * listens for TLS on port + 1 and RTP wants port + 1 for RTCP) on `address`,
 * held until a peer is started on them with handOverPort().
 */
export async function reservePort(address = '127.0.0.1', count = 2): Promise<number> {
  const low = ephemeralLow();
  if (low - FIRST < 1000) throw new Error(`the ephemeral port range starts at ${low}: too low to reserve test ports above ${FIRST}`);
  const span = Math.floor((low - FIRST - count) / 2);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = FIRST + 2 * Math.floor(Math.random() * span);
    if ([...holds.values()].some((h) => port < h.port + h.count && h.port < port + count)) continue;
    const locks: Server[] = [];
    for (let p = port; p < port + count; p++) {
      const l = await lockPort(p);
      if (!l) break;
      locks.push(l);
    }
    if (locks.length === count) {
      const hold = new Hold(port, count, address, locks);
      if (await hold.bind()) {
        holds.set(port, hold);
        return port;
      }
    }
    for (const l of locks) l.close();
  }
  throw new Error(`no free port pair between ${FIRST} and ${low} after 200 tries`);
}

/**
 * Reserves ports that nothing is bound to: for the gateway (our own code) to
 * bind from its config, or for a trunk that must stay dead (connections are
 * refused). No port-0 bind or other reserver is given them meanwhile.
 */
export async function unusedPort(address = '127.0.0.1', count = 2): Promise<number> {
  const port = await reservePort(address, count);
  await holds.get(port)!.unbind();
  return port;
}

/**
 * Starts a peer on a reserved port: our sockets let go of the port just
 * before `start`, and take it back once `exited` resolves. A port that was
 * not reserved is passed on as is.
 */
export async function handOverPort<T>(port: number, start: () => T | Promise<T>, exited: (peer: T) => Promise<unknown>): Promise<T> {
  const hold = holds.get(port);
  if (!hold) return start();
  await hold.takingBack;
  await hold.unbind();
  const peer = await start();
  hold.takingBack = exited(peer).then(async () => {
    // Released meanwhile: nothing to take back.
    if (holds.get(port) !== hold) return;
    await hold.bind();
    if (holds.get(port) !== hold) await hold.unbind();
  });
  return peer;
}

/** Ends a reservation: the ports are free again for anyone. */
export async function releasePort(port: number): Promise<void> {
  const hold = holds.get(port);
  if (!hold) return;
  holds.delete(port);
  await hold.unbind();
  for (const l of hold.lock) l.close();
}

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // The descriptor closed while we looked.
      }
    }
  } catch {
    // The process is gone.
  }
  return inodes;
}

/** Rows of the kernel's socket tables (/proc/net/udp, tcp and their v6 twins) for a process's sockets. */
function socketRows(pid: number, transport: 'udp' | 'tcp'): string[][] {
  const inodes = socketInodes(pid);
  const rows: string[][] = [];
  for (const file of [`/proc/net/${transport}`, `/proc/net/${transport}6`]) {
    let table = '';
    try {
      table = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of table.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length >= 10 && inodes.has(cols[9]!)) rows.push(cols);
    }
  }
  return rows;
}

const localPort = (cols: string[]): number => parseInt(cols[1]!.split(':')[1]!, 16);

/** Bytes waiting to be read on a process's UDP socket bound to `port`, or undefined if it has none. */
export function udpQueue(pid: number, port: number): number | undefined {
  const row = socketRows(pid, 'udp').find((cols) => localPort(cols) === port);
  return row ? parseInt(row[4]!.split(':')[1]!, 16) : undefined;
}

/**
 * Ports a process has bound, read from /proc (its socket inodes in the
 * kernel's tables): how we learn the port of a peer that picked its own.
 */
export function boundPorts(pid: number, transport: 'udp' | 'tcp'): number[] {
  // TCP state 0A is LISTEN; UDP sockets are all "bound".
  return socketRows(pid, transport).filter((cols) => transport === 'udp' || cols[3] === '0A').map(localPort);
}
