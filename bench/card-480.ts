// 480 channels of an emulated card (16 E1 PRI spans) with DTMF detection and
// the power meter on every channel, for --seconds (default 60). Prints
// frames per second, lost frames, lateness of the per-tick callback and CPU
// per channel. Target: 0 lost, p99 lateness <= 2 ms.
//   node dist/bench/card-480.js [--seconds N] [--spans N] [--no-dsp]
// The I/O thread asks for SCHED_FIFO itself; the JavaScript thread runs at
// normal priority unless the process is started with real-time priority, as
// a service unit with CPUSchedulingPolicy=fifo does (try `chrt -f 5 node ...`):
// on a busy machine that is what separates a 2 ms p99 from a 20 ms one.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Card, type Tick } from '../src/hw/card.js';
import { SimCard } from '../src/hw/sim-card.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

const seconds = arg('seconds', 60);
const spans = arg('spans', 16);
const FRAME = 160;

// One second of line audio: a DTMF digit (100 ms at -10 dBm0 per tone) then speech-level noise.
function lineAudio(seed: number): Int16Array {
  const out = new Int16Array(8000);
  const digits: [number, number][] = [[697, 1209], [770, 1336], [852, 1477], [941, 1633]];
  const [lo, hi] = digits[seed % digits.length]!;
  const amp = 32767 * 10 ** ((-10 - 3.14) / 20);
  let x = seed * 7919 + 1;
  for (let i = 0; i < out.length; i++) {
    if (i < 800) out[i] = Math.round(amp * (Math.sin((2 * Math.PI * lo * i) / 8000) + Math.sin((2 * Math.PI * hi * i) / 8000)));
    else {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      out[i] = ((x >> 8) % 2000) - 1000;
    }
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const sim = new SimCard(Array.from({ length: spans }, () => ({ type: 'e1' as const })));
// E1 PRI: time slots 1-15 and 17-31 carry voice, 16 is the D-channel.
const channels = [];
for (let s = 0; s < spans; s++) {
  for (let ts = 1; ts <= 31; ts++) if (ts !== 16) channels.push({ number: s * 31 + ts, span: s + 1, ...(process.argv.includes("--no-dsp") ? {} : { dsp: { dtmfRx: true } }) });
}
for (const c of channels) sim.sendAudio(c.number, lineAudio(c.number), { loop: true });

const card = Card.open({ kernel: sim, channels });
// Two frames of slack in each tx queue, as a bridge keeps a little jitter margin.
for (const c of card.channels) c.writeAudio(new Int16Array(FRAME * 2));
const out = new Int16Array(FRAME);
const deliveryMs: number[] = [];
const threadMs: number[] = [];
const workMs: number[] = [];
const scheduleMs: number[] = [];
let frames = 0;
let digits = 0;
let firstTick: { tick: number; readyNs: bigint } | undefined;
let measuring = false;
let cpu0 = process.cpuUsage();
let t0 = process.hrtime.bigint();

for (const ch of card.channels) ch.on('dsp', (e) => void (measuring && e.kind === 'dtmf' && digits++));

card.on('tick', (t: Tick) => {
  const now = process.hrtime.bigint();
  if (!measuring) {
    for (const h of t.handles()) card.channels[h]!.writeAudio(out);
    return;
  }
  firstTick ??= { tick: t.tick, readyNs: t.readyNs };
  deliveryMs.push(Number(now - t.readyNs) / 1e6);
  // Lateness against the card clock: tick n is due 20 ms after tick n-1.
  const due = firstTick.readyNs + BigInt(t.tick - firstTick.tick) * 20_000_000n;
  scheduleMs.push(Number(now - due) / 1e6);
  threadMs.push(Number(t.readyNs - due) / 1e6);
  for (const h of t.handles()) {
    frames++;
    card.channels[h]!.writeAudio(out); // what a bridged call would send back
  }
  workMs.push(Number(process.hrtime.bigint() - now) / 1e6);
});

// One second to settle (thread start, JIT), then measure.
setTimeout(() => {
  measuring = true;
  cpu0 = process.cpuUsage();
  t0 = process.hrtime.bigint();
  setTimeout(finish, seconds * 1000);
}, 1000);

function finish(): void {
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const stats = card.stats();
  let lost = 0;
  let underruns = 0;
  let overruns = 0;
  for (const c of card.channels) {
    lost += sim.stats(c.number).blocksLost;
    const k = c.counters();
    underruns += k.underruns;
    overruns += k.overruns;
  }
  card.close();
  sim.close();
  const expected = channels.length * 50 * elapsed;
  const d = [...deliveryMs].sort((a, b) => a - b);
  const s = [...scheduleMs].sort((a, b) => a - b);
  const th = [...threadMs].sort((a, b) => a - b);
  const w = [...workMs].sort((a, b) => a - b);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  const lines = [
    `card-480: ${channels.length} channels (${spans} E1 PRI spans), DTMF detection + power meter on each, ${elapsed.toFixed(1)} s`,
    `  frames per second     ${(frames / elapsed).toFixed(0)} (expected ${(expected / elapsed).toFixed(0)})`,
    `  lost frames           ${lost} (card buffer overrun) + ${stats.batchesDropped * channels.length} (ticks dropped before JavaScript)`,
    `  tick lateness         p50 ${percentile(s, 50).toFixed(3)} ms  p99 ${percentile(s, 99).toFixed(3)} ms  max ${s.at(-1)?.toFixed(3)} ms (vs the card clock)`,
    `  tick delivery         p50 ${percentile(d, 50).toFixed(3)} ms  p99 ${percentile(d, 99).toFixed(3)} ms  (I/O thread poll return -> JavaScript callback)`,
    `  I/O thread lateness   p50 ${percentile(th, 50).toFixed(3)} ms  p99 ${percentile(th, 99).toFixed(3)} ms  (poll return vs the card clock)`,
    `  callback work         p50 ${percentile(w, 50).toFixed(3)} ms  p99 ${percentile(w, 99).toFixed(3)} ms  (480 frames written back per tick)`,
    `  machine               ${cpus().length} cores, load average ${load}`,
    `  CPU                   ${((cpuSec / elapsed) * 100).toFixed(1)} % of one core; ${((cpuSec / elapsed / channels.length) * 1e6).toFixed(0)} us per channel per second (${((cpuSec / elapsed / channels.length) * 100).toFixed(3)} % of a core)`,
    `  DTMF digits detected  ${digits} (one per channel per second expected: ${Math.round(channels.length * elapsed)})`,
    `  tx queue              ${underruns} underruns, ${overruns} overruns; I/O thread real-time: ${stats.realtime}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
