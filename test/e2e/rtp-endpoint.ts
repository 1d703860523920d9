// The media end of a SIP peer in the e2e tests: SIPp does the signalling and
// puts this socket's port in its SDP; here the RTP the gateway sends is kept
// with its arrival time and decoded, and PCMU is played back to wherever the
// gateway sends from (symmetric RTP, RFC 4961).
import { createSocket, type Socket } from 'node:dgram';
import { g711Decode, g711Encode } from '../../src/hw/g711.js';
import { concatSamples } from '../../src/sim/sim-signals.js';
import { eventually } from '../support/waiting.js';

export interface RtpArrival {
  at: number;
  payloadType: number;
  marker: boolean;
  timestamp: number;
  payload: Buffer;
}

/** One RFC 4733 event as its packets told it: the event code, its end and its length. */
export interface TelephoneEvent {
  event: number;
  timestamp: number;
  /** Packets with the E bit set (RFC 4733 §2.5.1.4 sends the end three times). */
  endPackets: number;
  /** Duration of the last packet, in timestamp units (1/8000 s). */
  duration: number;
}

/** Payload of an RTP packet (RFC 3550 §5.1: CSRCs, header extension and padding skipped), or null. */
function parse(msg: Buffer, at: number): RtpArrival | null {
  if (msg.length < 12 || msg[0]! >> 6 !== 2) return null;
  let offset = 12 + 4 * (msg[0]! & 0x0f);
  if (msg[0]! & 0x10) {
    if (msg.length < offset + 4) return null;
    offset += 4 + 4 * msg.readUInt16BE(offset + 2);
  }
  let end = msg.length;
  if (msg[0]! & 0x20) end -= msg[msg.length - 1]!;
  if (end < offset) return null;
  return { at, payloadType: msg[1]! & 0x7f, marker: (msg[1]! & 0x80) !== 0, timestamp: msg.readUInt32BE(4), payload: msg.subarray(offset, end) };
}

export class RtpEndpoint {
  readonly packets: RtpArrival[] = [];
  private from: { address: string; port: number } | null = null;
  private playing: NodeJS.Timeout | null = null;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (msg, rinfo) => {
      this.from ??= { address: rinfo.address, port: rinfo.port };
      const p = parse(msg, Date.now());
      if (p) this.packets.push(p);
    });
  }

  static async open(): Promise<RtpEndpoint> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return new RtpEndpoint(socket, socket.address().port);
  }

  /** PCMU packets (payload type 0) that arrived in [since, until), decoded and joined. */
  audio(since = 0, until = Infinity): Int16Array {
    const parts = this.packets.filter((p) => p.payloadType === 0 && p.at >= since && p.at < until).map((p) => g711Decode('PCMU', p.payload, new Int16Array(p.payload.length)));
    return concatSamples(parts);
  }

  /**
   * The telephone-events (RFC 4733 §2.3: event, E bit, volume, duration) of
   * payload type `pt`, one per RTP timestamp (an event keeps the timestamp of
   * its start, §2.5.1.1), in order of arrival.
   */
  events(pt: number): TelephoneEvent[] {
    const byTimestamp = new Map<number, TelephoneEvent>();
    for (const p of this.packets) {
      if (p.payloadType !== pt || p.payload.length < 4) continue;
      const e = byTimestamp.get(p.timestamp) ?? { event: p.payload[0]!, timestamp: p.timestamp, endPackets: 0, duration: 0 };
      if (p.payload[1]! & 0x80) e.endPackets++;
      e.duration = Math.max(e.duration, p.payload.readUInt16BE(2));
      byTimestamp.set(p.timestamp, e);
    }
    return [...byTimestamp.values()];
  }

  /** Waits until the gateway has sent something, so that we know where its RTP comes from. */
  async heard(timeoutMs = 3000): Promise<void> {
    await eventually(`RTP from the gateway at 127.0.0.1:${this.port}`, () => this.from !== null, { timeoutMs });
  }

  /** Sends the samples as PCMU, 20 ms a packet in real time, to where the gateway's RTP comes from. */
  play(samples: Int16Array): Promise<void> {
    const to = this.from;
    if (!to) throw new Error('play() before any RTP from the gateway: call heard() first');
    const ssrc = 0x5ea1ab1e;
    let seq = 1;
    let offset = 0;
    return new Promise((resolve) => {
      this.playing = setInterval(() => {
        if (offset >= samples.length) {
          if (this.playing) clearInterval(this.playing);
          this.playing = null;
          resolve();
          return;
        }
        const chunk = samples.subarray(offset, offset + 160);
        const header = Buffer.alloc(12);
        header[0] = 0x80;
        header[1] = seq === 1 ? 0x80 : 0x00; // marker on the first packet of the talkspurt (RFC 3551 §4.1)
        header.writeUInt16BE(seq++ & 0xffff, 2);
        header.writeUInt32BE(offset, 4);
        header.writeUInt32BE(ssrc, 8);
        this.socket.send(Buffer.concat([header, g711Encode('PCMU', chunk, new Uint8Array(chunk.length))]), to.port, to.address);
        offset += 160;
      }, 20);
    });
  }

  close(): void {
    if (this.playing) clearInterval(this.playing);
    this.socket.close();
  }
}
