// A UDP relay between two SIP peers that drops packets on purpose: by a
// seeded pseudo-random rate, or by a rule, and records what it saw and when.
import { createSocket, type Socket } from 'node:dgram';
import { seeded } from '../peers/seeded-random.js';

export interface RelayedPacket {
  /** ms since the relay started. */
  at: number;
  /** 'a->b' from the front side to the back, 'b->a' the other way. */
  dir: 'a->b' | 'b->a';
  /** First line: request line or status line. */
  first: string;
  cseq: string;
  dropped: boolean;
}

export class LossyRelay {
  readonly packets: RelayedPacket[] = [];
  private readonly start = Date.now();
  private a?: { address: string; port: number };
  private readonly random: () => number;
  /** Return true to drop this packet (in addition to the random loss). */
  dropRule: (p: Omit<RelayedPacket, 'dropped' | 'at'>) => boolean = () => false;

  private constructor(
    private readonly front: Socket,
    private readonly back: Socket,
    private readonly b: { address: string; port: number },
    readonly lossRate: number,
    seed: number,
  ) {
    this.random = seeded(seed);
    front.on('message', (msg, rinfo) => {
      this.a = { address: rinfo.address, port: rinfo.port };
      this.relay(msg, 'a->b');
    });
    back.on('message', (msg) => this.relay(msg, 'b->a'));
  }

  static async open(b: { address: string; port: number }, lossRate = 0, seed = 1): Promise<LossyRelay> {
    const bind = async (): Promise<Socket> => {
      const s = createSocket('udp4');
      await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
      return s;
    };
    return new LossyRelay(await bind(), await bind(), b, lossRate, seed);
  }

  /** Where peer A sends (its outbound proxy). */
  get frontPort(): number {
    return this.front.address().port;
  }

  private relay(msg: Buffer, dir: 'a->b' | 'b->a'): void {
    const text = msg.toString('utf8');
    const first = text.slice(0, text.indexOf('\r\n'));
    const cseq = /\r\nCSeq:\s*([^\r\n]+)/i.exec(text)?.[1] ?? '';
    const p = { dir, first, cseq };
    const dropped = this.dropRule(p) || this.random() < this.lossRate;
    this.packets.push({ ...p, at: Date.now() - this.start, dropped });
    if (dropped) return;
    if (dir === 'a->b') this.back.send(msg, this.b.port, this.b.address);
    else if (this.a) this.front.send(msg, this.a.port, this.a.address);
  }

  /** Arrival times (ms) of packets matching a filter. */
  times(match: (p: RelayedPacket) => boolean): number[] {
    return this.packets.filter(match).map((p) => p.at);
  }

  close(): void {
    this.front.close();
    this.back.close();
  }
}

/** Differences between consecutive times. */
export function intervals(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]!);
}
