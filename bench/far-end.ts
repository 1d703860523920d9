// The far end of the benchmark's calls, in its own process so that its CPU
// is not counted as ours: per call a UDP socket that sends pre-encoded RTP
// every 20 ms and counts what arrives from the gateway. Its sockets live on
// an RTP engine of its own, so that on a small machine the far end does
// not take the cores the gateway is measured on.
import opusModule from '@discordjs/opus';
import { performance } from 'node:perf_hooks';
import { g711Encode } from '../src/hw/g711.js';
import { RtpEngine, type RtpSocket } from '../src/media/rtp-engine.js';

const { OpusEncoder } = opusModule;

interface Call {
  socket: RtpSocket;
  packet: Buffer;
  to: number;
  seq: number;
  ts: number;
  ssrc: number;
  first: boolean;
  rx: { count: number; base: number; highest: number; cycles: number; last: number; transit: number; jitter: number };
}

type Setup = { type: 'setup'; codec: 'opus' | 'PCMU'; ports: number[]; opus: { bitrate: number; complexity: number } };
type Message = Setup | { type: 'start' } | { type: 'mark' } | { type: 'stop' };

let calls: Call[] = [];
let payloads: Buffer[] = [];
let pt = 0;
let step = 160;
let rate = 8000;
let timer: NodeJS.Timeout | undefined;
let sent = 0;
let markCpu = process.cpuUsage();
const engine = new RtpEngine();

function speechLike(frame: number): Int16Array {
  // A voiced sound: 140 Hz fundamental with falling harmonics, syllable-rate envelope.
  const out = new Int16Array(160);
  for (let i = 0; i < 160; i++) {
    const t = (frame * 160 + i) / 8000;
    const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * 3 * t);
    let v = 0;
    for (let h = 1; h <= 8; h++) v += Math.sin(2 * Math.PI * 140 * h * t) / h;
    out[i] = Math.round(4000 * env * v);
  }
  return out;
}

function setup(m: Setup): Promise<number[]> {
  if (m.codec === 'opus') {
    const enc = new OpusEncoder(8000, 1);
    enc.setBitrate(m.opus.bitrate);
    enc.applyEncoderCTL(4010, m.opus.complexity);
    enc.applyEncoderCTL(4012, 1);
    payloads = Array.from({ length: 50 }, (_, f) => {
      const pcm = speechLike(f);
      return enc.encode(Buffer.from(pcm.buffer));
    });
    pt = 111;
    step = 960;
    rate = 48000;
  } else {
    payloads = Array.from({ length: 50 }, (_, f) => Buffer.from(g711Encode('PCMU', speechLike(f), new Uint8Array(160))));
    pt = 0;
    step = 160;
    rate = 8000;
  }
  for (const [i, to] of m.ports.entries()) {
    const socket = engine.open('127.0.0.1', 0);
    const call: Call = { socket, packet: Buffer.alloc(12 + Math.max(...payloads.map((p) => p.length))), to, seq: (i * 7919) & 0xffff, ts: i * 1000, ssrc: 0x10000 + i, first: true, rx: { count: 0, base: -1, highest: -1, cycles: 0, last: 0, transit: NaN, jitter: 0 } };
    socket.onMessage = (msg) => {
      if (msg.length < 12 || msg[0]! >> 6 !== 2) return;
      if (msg[1]! >= 200 && msg[1]! <= 204) return; // RTCP never comes here, but be sure
      const seq = msg.readUInt16BE(2);
      const r = call.rx;
      r.count++;
      // RFC 3550 A.8 interarrival jitter, in timestamp units: how unevenly the gateway's packets arrive.
      const transit = (performance.now() * rate) / 1000 - msg.readUInt32BE(4);
      if (!Number.isNaN(r.transit)) r.jitter += (Math.abs(transit - r.transit) - r.jitter) / 16;
      r.transit = transit;
      if (r.base < 0) {
        r.base = seq;
        r.highest = seq;
        r.last = seq;
        return;
      }
      const d = (seq - r.last + 65536) % 65536;
      if (d < 3000) {
        if (seq < r.last) r.cycles += 65536;
        r.last = seq;
        r.highest = r.cycles + seq;
      }
    };
    calls.push(call);
  }
  return Promise.resolve(calls.map((c) => c.socket.port));
}

function start(): void {
  let next = performance.now();
  let frame = 0;
  const tick = (): void => {
    const now = performance.now();
    while (next <= now) {
      const payload = payloads[frame % payloads.length]!;
      for (const c of calls) {
        const header = c.packet;
        header[0] = 0x80;
        header[1] = (c.first ? 0x80 : 0) | pt;
        header.writeUInt16BE(c.seq, 2);
        header.writeUInt32BE(c.ts >>> 0, 4);
        header.writeUInt32BE(c.ssrc, 8);
        payload.copy(header, 12);
        c.socket.send(header.subarray(0, 12 + payload.length), c.to, '127.0.0.1');
        sent++;
        c.first = false;
        c.seq = (c.seq + 1) & 0xffff;
        c.ts = (c.ts + step) >>> 0;
      }
      frame++;
      next += 20;
    }
    timer = setTimeout(tick, Math.max(0, next - performance.now()));
  };
  tick();
}

process.on('message', (m: Message) => {
  if (m.type === 'setup') {
    void setup(m).then((ports) => process.send!({ type: 'ports', ports }));
  } else if (m.type === 'start') {
    start();
  } else if (m.type === 'mark') {
    // Start of the measured window: count from here.
    for (const c of calls) {
      c.rx.count = 0;
      c.rx.base = -1;
      c.rx.cycles = 0;
      c.rx.transit = NaN;
      c.rx.jitter = 0;
    }
    sent = 0;
    markCpu = process.cpuUsage();
  } else {
    if (timer) clearTimeout(timer);
    let received = 0;
    let lost = 0;
    let jitterSum = 0;
    let jitterMax = 0;
    const count = calls.length;
    for (const c of calls) {
      received += c.rx.count;
      const ms = (c.rx.jitter * 1000) / rate;
      jitterSum += ms;
      jitterMax = Math.max(jitterMax, ms);
      if (c.rx.base >= 0) lost += Math.max(0, c.rx.highest - c.rx.base + 1 - c.rx.count);
      c.socket.close();
    }
    calls = [];
    process.send!({ type: 'stats', received, lost, sent, jitterMeanMs: jitterSum / Math.max(1, count), jitterMaxMs: jitterMax, cpu: process.cpuUsage(markCpu) }, () => process.exit(0));
  }
});
