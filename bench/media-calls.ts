// Media benchmark: N simultaneous calls, RTP over loopback, line frames in
// and out every 20 ms on one playout clock.
//   [chrt -f 5] node dist/bench/media-calls.js [--seconds 60] [--opus-calls 200] [--pcmu-calls 1000] [--only opus|pcmu] [--slots N]
// Prints, per scenario: CPU per call, the bare libopus encode+decode cost per
// frame measured in the same run and the ratio of the two, lost packets, and
// the p99 lateness of frames reaching the line.
import opusModule from '@discordjs/opus';
import { fork } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { AudioFrame } from '../src/media/frame.js';
import { g711Decode, g711Encode } from '../src/hw/g711.js';
import { MediaClock } from '../src/media/media-clock.js';
import type { NegotiatedMedia, RtpMapEntry } from '../src/media/media-description.js';
import { MediaSession } from '../src/media/media-session.js';
import { sharedRtpEngine } from '../src/media/rtp-engine.js';
import { RtpPortPool } from '../src/media/rtp-port-pool.js';

const { OpusEncoder } = opusModule;
const OPUS = { bitrate: 24000, complexity: 5, fec: true, packetLossPercent: 5 };

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number, got "${process.argv[i + 1]}"`);
  return v;
}

const seconds = arg('seconds', 60);
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

function voice(frame: number): Int16Array {
  const out = new Int16Array(160);
  for (let i = 0; i < 160; i++) {
    const t = (frame * 160 + i) / 8000;
    let v = 0;
    for (let h = 1; h <= 6; h++) v += Math.sin(2 * Math.PI * 120 * h * t) / h;
    out[i] = Math.round(5000 * (0.6 + 0.4 * Math.sin(2 * Math.PI * 2 * t)) * v);
  }
  return out;
}

const LINE_FRAMES: AudioFrame[] = Array.from({ length: 50 }, (_, f) => ({ encoding: 'PCMU', samples: 160, data: g711Encode('PCMU', voice(f), new Uint8Array(160)) }));

function bareOpus(): InstanceType<typeof OpusEncoder> {
  const opus = new OpusEncoder(8000, 1);
  opus.setBitrate(OPUS.bitrate);
  opus.applyEncoderCTL(4010, OPUS.complexity);
  opus.applyEncoderCTL(4024, 3001);
  opus.applyEncoderCTL(4012, 1);
  opus.applyEncoderCTL(4014, OPUS.packetLossPercent);
  return opus;
}

/**
 * libopus alone: encode + decode of one 20 ms 8 kHz frame, same settings as
 * the calls, in µs, with `pairs` encoder/decoder pairs used in turn: 1 is the
 * codec warm in cache; one pair per call is the working set the calls have.
 */
function bareOpusMicros(frames: number, pairs: number): number {
  const codecs = Array.from({ length: pairs }, () => ({ enc: bareOpus(), dec: bareOpus() }));
  const pcm = LINE_FRAMES.map((f) => Buffer.from(g711Decode('PCMU', f.data, new Int16Array(160)).buffer));
  const rounds = Math.max(1, Math.round(frames / pairs));
  for (let r = 0; r < Math.max(10, Math.round(200 / pairs)); r++) for (const [i, c] of codecs.entries()) c.dec.decode(c.enc.encode(pcm[(r + i) % 50]!));
  const t0 = process.cpuUsage();
  for (let r = 0; r < rounds; r++) for (const [i, c] of codecs.entries()) c.dec.decode(c.enc.encode(pcm[(r + i) % 50]!));
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / (rounds * pairs);
}

/** Lateness histogram in 10 µs buckets up to 200 ms. */
class Histogram {
  private readonly buckets = new Uint32Array(20001);
  count = 0;
  max = 0;
  /** Frames handed over before their due time (counted as 0 late), and the earliest. */
  early = 0;
  earliest = 0;
  add(ms: number): void {
    if (ms < 0) {
      this.early++;
      if (-ms > this.earliest) this.earliest = -ms;
    }
    const b = Math.min(20000, Math.max(0, Math.round(ms * 100)));
    this.buckets[b]!++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }
  quantile(q: number): number {
    const want = Math.ceil(this.count * q);
    let seen = 0;
    for (let b = 0; b < this.buckets.length; b++) {
      seen += this.buckets[b]!;
      if (seen >= want) return b / 100;
    }
    return this.max;
  }
  /** The quantile, or ">=200" when it falls in the top bucket. */
  format(q: number): string {
    const v = this.quantile(q);
    return v >= 200 ? '>=200' : v.toFixed(2);
  }
  reset(): void {
    this.buckets.fill(0);
    this.count = 0;
    this.max = 0;
    this.early = 0;
    this.earliest = 0;
  }
}

/** CPU seconds so far of this process's JavaScript thread and of its RTP engine I/O thread (Linux /proc). */
function threadCpu(): { js: number; rtp: number } {
  const out = { js: 0, rtp: 0 };
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime in clock ticks (USER_HZ 100)
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (Number(tid) === process.pid) out.js += seconds;
      else if (name === 'sipline-rtp') out.rtp += seconds;
    }
  } catch {
    // not Linux: the split is left out
  }
  return out;
}

interface FarEndStats {
  received: number;
  lost: number;
  sent: number;
  jitterMeanMs: number;
  jitterMaxMs: number;
  cpu: NodeJS.CpuUsage;
}

async function scenario(codec: 'opus' | 'PCMU', calls: number): Promise<void> {
  // The gateway's clock unless --slots asks for another number of slots per 20 ms.
  const clock = process.argv.includes('--slots') ? new MediaClock(20, arg('slots', 5)) : new MediaClock(20);
  const pool = new RtpPortPool('127.0.0.1');
  const sessions: MediaSession[] = [];
  for (let i = 0; i < calls; i++) sessions.push(await MediaSession.open({ address: '127.0.0.1', ports: pool, lineEncoding: 'PCMU', clock, rtpTimeoutSeconds: 0, opus: OPUS }));

  // The far end stands for peers on other machines: normal priority even when
  // this process runs real-time, as under the service unit.
  const farEnd = fileURLToPath(new URL('./far-end.js', import.meta.url));
  const far = existsSync('/usr/bin/chrt') ? fork(farEnd, [], { stdio: 'inherit', execPath: '/usr/bin/chrt', execArgv: ['--other', '0', process.execPath] }) : fork(farEnd, [], { stdio: 'inherit' });
  const reply = <T>(type: string): Promise<T> => new Promise((resolve) => far.on('message', (m: { type: string }) => m.type === type && resolve(m as T)));
  const portsReply = reply<{ ports: number[] }>('ports');
  far.send({ type: 'setup', codec, ports: sessions.map((s) => s.localRtpPort), opus: OPUS });
  const { ports } = await portsReply;

  const lateness = new Histogram();
  const scheduled = new Float64Array(calls);
  let delivered = 0;
  // Frames are counted only inside the measured window: winding the calls
  // down afterwards (closing 200 sockets) is not media work.
  let measuring = false;
  // The line side: per call, a feed in the call's clock slot writes its
  // frame (as the card's tick would), then the session's playout in the
  // same slot hands one back; lateness is from the slot's due time.
  sessions.forEach((s, i) => {
    let frame = i;
    clock.add((at) => {
      scheduled[i] = at;
      s.write(LINE_FRAMES[frame++ % 50]!);
    }, s);
  });
  const payloadTypes = new Map<number, RtpMapEntry>([
    [0, { name: 'PCMU', clockRate: 8000 }],
    [111, { name: 'opus', clockRate: 48000, channels: 2 }],
    [101, { name: 'telephone-event', clockRate: 8000 }],
  ]);
  sessions.forEach((s, i) => {
    s.onFrame(() => {
      if (!measuring) return;
      delivered++;
      lateness.add(performance.now() - scheduled[i]!);
    });
    const d: NegotiatedMedia = { remoteAddress: '127.0.0.1', remoteRtpPort: ports[i]!, payloadTypes, sendPayloadType: codec === 'opus' ? 111 : 0, ptime: 20, direction: 'sendrecv', telephoneEventPayloadType: 101 };
    s.on('warning', (w) => process.stderr.write(`warning: ${w}\n`));
    s.negotiate(d);
  });
  far.send({ type: 'start' });

  const warmup = 2000;
  await new Promise((r) => setTimeout(r, warmup));
  const before = sessions.map((s) => s.stats());
  lateness.reset();
  delivered = 0;
  measuring = true;
  far.send({ type: 'mark' });
  const overrunsBefore = clock.overruns;
  const skippedBefore = clock.skipped;
  const cpu0 = process.cpuUsage();
  const threads0 = threadCpu();
  const engine0 = sharedRtpEngine().stats();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  const overruns = clock.overruns - overrunsBefore;
  const skipped = clock.skipped - skippedBefore;
  const cpu = process.cpuUsage(cpu0);
  const elapsed = (performance.now() - t0) / 1000;
  const threads1 = threadCpu();
  const engine1 = sharedRtpEngine().stats();
  const after = sessions.map((s) => s.stats());

  const statsReply = reply<FarEndStats>('stats');
  far.send({ type: 'stop' });
  const farStats = await statsReply;
  for (const s of sessions) s.close();

  const sum = (k: 'lost' | 'late' | 'concealed' | 'packetsReceived' | 'packetsSent'): number => after.reduce((n, a, i) => n + a[k] - before[i]![k], 0);
  const cpuMicros = cpu.user + cpu.system;
  const framesPerCall = elapsed * 50;
  const perCallPercent = (cpuMicros / (elapsed * 1e6) / calls) * 100;
  // Per frame actually processed: one encode towards the far end and one
  // frame to the line per call per tick; ticks the clock had to give up are
  // not counted as work done.
  const framesDone = Math.max(1, sum('packetsSent'));
  const perFrameMicros = cpuMicros / framesDone;
  // What one call costs when every frame is processed (50 a second), from the per-frame cost.
  const fullRatePercent = (perFrameMicros * 50) / 1e4;
  const label = codec === 'opus' ? `${calls} Opus<->PCMU transcoded calls` : `${calls} PCMU pass-through calls`;
  const lines = [
    `== ${label}, RTP over loopback, ${elapsed.toFixed(1)} s measured (after ${warmup / 1000} s warm-up)`,
    `CPU (gateway process): ${(cpuMicros / 1e6).toFixed(2)} s = ${((cpuMicros / (elapsed * 1e6)) * 100).toFixed(1)} % of one core; per call ${perCallPercent.toFixed(3)} % of a core; per call per 20 ms frame (encode out + decode in) ${perFrameMicros.toFixed(1)} µs over ${framesDone} frames (${((100 * framesDone) / (calls * framesPerCall)).toFixed(0)} % of the ${Math.round(calls * framesPerCall)} due)`,
    `CPU per call at the full 50 frames/s (from the per-frame cost): ${fullRatePercent.toFixed(3)} % of a core, i.e. ${Math.floor(100 / fullRatePercent)} calls per core`,
    `of which the JavaScript thread ${(((threads1.js - threads0.js) / elapsed) * 100).toFixed(1)} % of a core (${(((threads1.js - threads0.js) * 1e6) / framesDone).toFixed(1)} µs per call per frame), the RTP engine's I/O thread (UDP system calls) ${(((threads1.rtp - threads0.rtp) / elapsed) * 100).toFixed(1)} % (${(((threads1.rtp - threads0.rtp) * 1e6) / framesDone).toFixed(1)} µs); the engine received ${engine1.received - engine0.received} datagrams and notified JavaScript ${engine1.deliveries - engine0.deliveries} times (playouts take the rest by polling), dropped ${engine1.receiveDropped - engine0.receiveDropped} waiting for JavaScript, ${engine1.sendErrors - engine0.sendErrors} send errors`,
  ];
  if (codec === 'opus') {
    const warm = bareOpusMicros(4000, 1);
    const perCall = bareOpusMicros(4000, calls);
    lines.push(`bare libopus encode+decode per 20 ms frame (same settings, this run): ${perCall.toFixed(1)} µs with one encoder/decoder pair per call (${calls} pairs in turn), ${warm.toFixed(1)} µs with one pair warm in cache`);
    lines.push(`ratio per-call frame cost / bare libopus: ${(perFrameMicros / perCall).toFixed(2)} against ${calls} pairs (target <= 1.25), ${(perFrameMicros / warm).toFixed(2)} against one warm pair`);
  }
  lines.push(
    `packets: gateway sent ${sum('packetsSent')}, received ${sum('packetsReceived')}; far end sent ${farStats.sent} (until told to stop), received ${farStats.received}`,
    `lost: towards the gateway ${sum('lost')} (RFC 3550 A.3), towards the far end ${farStats.lost} (sequence gaps); by count: far end sent - gateway received = ${farStats.sent - sum('packetsReceived')}, gateway sent - far end received = ${sum('packetsSent') - farStats.received}; late ${sum('late')}; concealed frames ${sum('concealed')}`,
    `frames to the line: ${delivered} (expected ~${Math.round(calls * framesPerCall)}); lateness after the tick: p50 ${lateness.format(0.5)} ms, p99 ${lateness.format(0.99)} ms (target <= 2 ms), max ${lateness.max.toFixed(2)} ms; ${((100 * lateness.early) / Math.max(1, lateness.count)).toFixed(0)} % of frames before their due time (at most ${lateness.earliest.toFixed(2)} ms; the clock runs a slot at the timer tick before it is due); clock overruns ${overruns}, ticks skipped ${skipped}`,
  );
  lines.push(`frames to the network: interarrival jitter at the far end (RFC 3550 A.8, its own scheduling included), mean over calls ${farStats.jitterMeanMs.toFixed(2)} ms, worst call ${farStats.jitterMaxMs.toFixed(2)} ms`);
  lines.push(`far end (its own process, not counted above): ${(((farStats.cpu.user + farStats.cpu.system) / 1e6 / elapsed) * 100).toFixed(1)} % of a core`);
  lines.push(`load average now: ${loadavg().map((x) => x.toFixed(1)).join(' ')} (other work on this machine competes for its ${cpus().length} CPUs)`);
  process.stdout.write(lines.join('\n') + '\n\n');
}

/** The scheduling policy this process runs under (Linux /proc). */
function policy(): string {
  try {
    const n = Number(/^policy\s*:\s*(\d+)/m.exec(readFileSync('/proc/self/sched', 'utf8'))?.[1]);
    const prio = Number(/^prio\s*:\s*(\d+)/m.exec(readFileSync('/proc/self/sched', 'utf8'))?.[1]);
    if (n === 1 || n === 2) return `${n === 1 ? 'SCHED_FIFO' : 'SCHED_RR'} priority ${99 - prio}`;
    return 'normal (SCHED_OTHER; the service unit runs the gateway with CPUSchedulingPolicy=fifo, priority 5: `chrt -f 5 node ...` does the same)';
  } catch {
    return 'unknown';
  }
}

process.stdout.write(`sipline media bench: node ${process.version}, ${process.arch}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}, --seconds ${seconds}, scheduling ${policy()}\n\n`);
if (only !== 'pcmu') await scenario('opus', arg('opus-calls', 200));
if (only !== 'opus') await scenario('PCMU', arg('pcmu-calls', 1000));
process.exit(0);
