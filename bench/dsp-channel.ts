// How many channels of DSP one core carries, per configuration, measured side
// by side in one run. Run: npm run build && node dist/bench/dsp-channel.js
import { Dsp, SAMPLE_RATE_HZ, type DspConfig } from '../src/hw/dsp.js';

const SECONDS = 10;
const FRAME = 160;

// A deterministic, speech-band-ish test signal (no external tool needed for a benchmark).
function signal(n: number, seed: number): Int16Array {
  const out = new Int16Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) | 0;
    out[i] = (x >> 20) + Math.round(3000 * Math.sin((2 * Math.PI * 1004 * i) / SAMPLE_RATE_HZ));
  }
  return out;
}

const zone = [
  { name: 'dial', freq1Hz: 350, freq2Hz: 440 },
  { name: 'ringback', freq1Hz: 440, freq2Hz: 480, cadence: [{ onMs: 2000, offMs: 4000 }] },
  { name: 'busy', freq1Hz: 480, freq2Hz: 620, cadence: [{ onMs: 500, offMs: 500 }] },
  { name: 'congestion', freq1Hz: 480, freq2Hz: 620, cadence: [{ onMs: 250, offMs: 250 }] },
];

const configs: [string, DspConfig][] = [
  ['DTMF only', {}],
  ['DTMF + caller ID (Bell 202) + zone tones', { callerIdRx: 'bell202', toneRx: true, tones: zone }],
  ['all + echo canceller 64 ms', { callerIdRx: 'bell202', toneRx: true, tones: zone, echoCanceller: true, echoTailMs: 64 }],
  ['all + echo canceller 128 ms', { callerIdRx: 'bell202', toneRx: true, tones: zone, echoCanceller: true, echoTailMs: 128 }],
];

const n = SECONDS * SAMPLE_RATE_HZ;
const rx = signal(n, 1);
const tx = signal(n, 2);

console.log(`per-channel DSP, ${SECONDS} s of audio in 20 ms frames (tx then rx, as the I/O thread does)`);
let baseline = 0;
for (const [name, config] of configs) {
  const dsp = new Dsp(config);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i += FRAME) {
    dsp.tx(tx.subarray(i, i + FRAME));
    dsp.rx(rx.subarray(i, i + FRAME));
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  dsp.close();
  const channels = SECONDS / seconds;
  if (!baseline) baseline = seconds;
  console.log(`  ${name.padEnd(42)} ${(seconds * 1000).toFixed(0).padStart(6)} ms  ${channels.toFixed(0).padStart(5)} channels/core  x${(seconds / baseline).toFixed(2)} of DTMF only`);
}
