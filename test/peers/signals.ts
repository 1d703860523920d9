// Test signals made and measured by tools independent of spandsp: sox for
// tones, noise, mixing and spectra; minimodem for Bell 202 / V.23 FSK. All
// files live in a fresh temporary directory per call. A missing tool fails
// the test with its install hint.
import { execFileSync, spawnSync, type ExecFileSyncOptions } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FULL_SCALE_SINE_DBM0, SAMPLE_RATE_HZ } from '../../src/hw/dsp.js';
import { concatSamples } from '../../src/sim/sim-signals.js';
import { requirePeer } from './installed.js';

const RAW = ['-t', 'raw', '-r', String(SAMPLE_RATE_HZ), '-b', '16', '-e', 'signed', '-c', '1'];

/** Fails (never skips) with the install hint when a tool is missing. */
export function requireTool(tool: 'sox' | 'minimodem'): void {
  requirePeer(tool);
}

function run(tool: 'sox' | 'minimodem', args: string[], opts: ExecFileSyncOptions = {}): Buffer {
  requirePeer(tool);
  return execFileSync(tool, args, opts) as Buffer;
}

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'sipline-dsp-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readRaw(path: string): Int16Array {
  const b = readFileSync(path);
  const out = new Int16Array(b.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = b.readInt16LE(i * 2);
  return out;
}

function writeRaw(path: string, samples: Int16Array): void {
  writeFileSync(path, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
}

/** Peak amplitude, as a fraction of full scale, of a sine at a level in dBm0. */
export function sineFractionForDbm0(dbm0: number): number {
  return 10 ** ((dbm0 - FULL_SCALE_SINE_DBM0) / 20);
}

/** A sum of sines made by sox (`synth ... remix`), each at its own level in dBm0. */
export function soxTones(tones: { hz: number; dbm0: number }[], ms: number): Int16Array {
  return withDir((dir) => {
    const out = join(dir, 'tones.raw');
    const sines = tones.flatMap((t) => ['sine', String(t.hz)]);
    const remix = tones.map((t, i) => `${i + 1}v${sineFractionForDbm0(t.dbm0).toFixed(6)}`).join(',');
    run('sox', ['-D', '-r', String(SAMPLE_RATE_HZ), '-n', ...RAW, out, 'synth', String(ms / 1000), ...sines, 'remix', remix]);
    return readRaw(out);
  });
}

export function silence(ms: number): Int16Array {
  return new Int16Array((ms * SAMPLE_RATE_HZ) / 1000);
}

export function concat(...parts: Int16Array[]): Int16Array {
  return concatSamples(parts);
}

/** Level of a signal in dBm0 as sox measures it (`stat`, RMS amplitude). */
export function soxLevelDbm0(samples: Int16Array): number {
  return withDir((dir) => {
    const path = join(dir, 's.raw');
    writeRaw(path, samples);
    requirePeer('sox');
    const r = spawnSync('sox', [...RAW, path, '-n', 'stat'], { encoding: 'utf8' });
    const m = /RMS\s+amplitude:\s+([0-9.eE+-]+)/.exec(r.stderr);
    if (!m) throw new Error(`sox stat gave no RMS amplitude: ${r.stderr}`);
    return 20 * Math.log10(Number(m[1]) * Math.SQRT2) + FULL_SCALE_SINE_DBM0;
  });
}

/** White noise from sox, scaled by sox to a level in dBm0, as long as the signal. */
export function soxNoise(samples: number, dbm0: number): Int16Array {
  return withDir((dir) => {
    const raw = join(dir, 'n0.raw');
    // -n is read at the output rate given before it, so `synth Ns` counts 8 kHz samples.
    run('sox', ['-D', '-R', '-r', String(SAMPLE_RATE_HZ), '-n', ...RAW, raw, 'synth', `${samples}s`, 'whitenoise', 'vol', '0.1']);
    const have = soxLevelDbm0(readRaw(raw));
    const out = join(dir, 'n.raw');
    run('sox', ['-D', ...RAW, raw, ...RAW, out, 'vol', `${(dbm0 - have).toFixed(3)}dB`]);
    return readRaw(out);
  });
}

/** signal + noise mixed by sox (`-m`, unity gain on both). */
export function soxMix(a: Int16Array, b: Int16Array): Int16Array {
  if (a.length !== b.length) throw new Error(`soxMix: lengths differ (${a.length} and ${b.length} samples)`);
  return withDir((dir) => {
    const pa = join(dir, 'a.raw');
    const pb = join(dir, 'b.raw');
    const out = join(dir, 'm.raw');
    writeRaw(pa, a);
    writeRaw(pb, b);
    run('sox', ['-D', '-m', '-v', '1', ...RAW, pa, '-v', '1', ...RAW, pb, ...RAW, out]);
    return readRaw(out);
  });
}

/**
 * The signal with white noise added snrDb below the level of reference (by
 * default the signal itself; pass the burst alone when the signal has
 * silence around it). sox measures and mixes.
 */
export function withNoise(signal: Int16Array, snrDb: number, reference: Int16Array = signal): Int16Array {
  return soxMix(signal, soxNoise(signal.length, soxLevelDbm0(reference) - snrDb));
}

/** sox's echo path: the signal delayed by delayMs and attenuated by lossDb, same length. */
export function soxEcho(signal: Int16Array, delayMs: number, lossDb: number): Int16Array {
  return withDir((dir) => {
    const pin = join(dir, 'in.raw');
    const out = join(dir, 'echo.raw');
    writeRaw(pin, signal);
    run('sox', ['-D', ...RAW, pin, ...RAW, out, 'vol', `${-lossDb}dB`, 'delay', String(delayMs / 1000), 'trim', '0', `${signal.length}s`]);
    return readRaw(out);
  });
}

/** Strongest spectral peaks (Hz) by sox `stat -freq`, summed over its frames, strongest first. */
export function soxPeaks(samples: Int16Array, count: number): number[] {
  return withDir((dir) => {
    const path = join(dir, 's.raw');
    writeRaw(path, samples);
    requirePeer('sox');
    const r = spawnSync('sox', [...RAW, path, '-n', 'stat', '-freq'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const power = new Map<number, number>();
    for (const line of r.stderr.split('\n')) {
      const m = /^\s*([0-9.]+)\s+([0-9.eE+-]+)\s*$/.exec(line);
      if (m) power.set(Number(m[1]), (power.get(Number(m[1])) ?? 0) + Number(m[2]));
    }
    const bins = [...power.entries()].sort((x, y) => x[0] - y[0]);
    const peaks = bins.filter((b, i) => i > 0 && i < bins.length - 1 && b[1] > bins[i - 1]![1] && b[1] >= bins[i + 1]![1]);
    return peaks.sort((x, y) => y[1] - x[1]).slice(0, count).map((p) => p[0]);
  });
}

export type FskMode = 'bell202' | 'v23';

function minimodemArgs(mode: FskMode): string[] {
  // Bell 202: mark 1200 Hz, space 2200 Hz; V.23 forward channel: mark 1300 Hz, space 2100 Hz.
  return mode === 'bell202' ? ['1200'] : ['1200', '-M', '1300', '-S', '2100'];
}

/**
 * A caller ID burst as the test assembles it, modulated by minimodem: 300
 * bits of channel seizure (alternating), 180 mark bits, the message octets
 * each framed 8-N-1 (LSB first), a few marks after; sox sets the level
 * (GR-30-CORE and EN 300 659-1 send about -13.5 dBm0).
 */
export function minimodemCallerIdBurst(message: number[], mode: FskMode, levelDbm0 = -13.5): Int16Array {
  let bits = '01'.repeat(150) + '1'.repeat(180);
  for (const octet of message) {
    bits += '0';
    for (let i = 0; i < 8; i++) bits += String((octet >> i) & 1);
    bits += '1';
  }
  bits += '1'.repeat(10);
  return withDir((dir) => {
    const wav = join(dir, 'burst.wav');
    const out = join(dir, 'burst.raw');
    run('minimodem', ['--tx', ...minimodemArgs(mode), '--binary-raw', '1', '-R', String(SAMPLE_RATE_HZ), '-f', wav], { input: bits });
    run('sox', ['-D', wav, ...RAW, out]);
    const have = soxLevelDbm0(readRaw(out));
    const scaled = join(dir, 'scaled.raw');
    run('sox', ['-D', ...RAW, out, ...RAW, scaled, 'vol', `${(levelDbm0 - have).toFixed(3)}dB`]);
    return readRaw(scaled);
  });
}

/** Octets minimodem decodes (8-N-1) from a signal we generated. */
export function minimodemReceive(samples: Int16Array, mode: FskMode): Buffer {
  return withDir((dir) => {
    const raw = join(dir, 'in.raw');
    const wav = join(dir, 'in.wav');
    writeRaw(raw, samples);
    run('sox', ['-D', ...RAW, raw, wav]);
    return run('minimodem', ['--rx', ...minimodemArgs(mode), '-q', '-R', String(SAMPLE_RATE_HZ), '-f', wav], { maxBuffer: 1 << 20 });
  });
}

/** Octets of a caller ID message with its checksum (two's complement of the sum, GR-30-CORE). */
export function withChecksum(message: number[]): number[] {
  const sum = message.reduce((a, b) => a + b, 0);
  return [...message, -sum & 0xff];
}

/** Q.23 DTMF frequencies (low group, high group) of each key. */
export const DTMF_KEYS: Record<string, [number, number]> = {
  '1': [697, 1209], '2': [697, 1336], '3': [697, 1477], A: [697, 1633],
  '4': [770, 1209], '5': [770, 1336], '6': [770, 1477], B: [770, 1633],
  '7': [852, 1209], '8': [852, 1336], '9': [852, 1477], C: [852, 1633],
  '*': [941, 1209], '0': [941, 1336], '#': [941, 1477], D: [941, 1633],
};

/** DTMF tones for the digits, each onMs at levelDbm0 per tone, offMs of silence after each. */
export function soxDtmf(digits: string, opts: { onMs: number; offMs: number; lowDbm0: number; highDbm0?: number; scale?: number }): Int16Array {
  const parts: Int16Array[] = [silence(opts.offMs)];
  for (const d of digits) {
    const [lo, hi] = DTMF_KEYS[d]!;
    const k = opts.scale ?? 1;
    parts.push(soxTones([{ hz: lo * k, dbm0: opts.lowDbm0 }, { hz: hi * k, dbm0: opts.highDbm0 ?? opts.lowDbm0 }], opts.onMs));
    parts.push(silence(opts.offMs));
  }
  return concat(...parts);
}

/** Runs of non-zero samples (our generators emit exact zeros between tones), as [start, end) pairs. */
export function bursts(samples: Int16Array, minGap = 16): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  let lastNonZero = -1;
  for (let i = 0; i < samples.length; i++) {
    if (samples[i] !== 0) {
      if (start < 0) start = i;
      else if (i - lastNonZero > minGap) {
        out.push([start, lastNonZero + 1]);
        start = i;
      }
      lastNonZero = i;
    }
  }
  if (start >= 0) out.push([start, lastNonZero + 1]);
  return out;
}

/** A tone made by sox as 8 kHz signed 16-bit samples, at `volume` of full scale. */
export function soxTone(freq: number, seconds: number, volume = 0.5): Int16Array {
  return withDir((dir) => {
    const file = join(dir, 'tone.raw');
    run('sox', ['-n', ...RAW, file, 'synth', String(seconds), 'sine', String(freq), 'vol', String(volume)], { stdio: 'pipe' });
    return readRaw(file);
  });
}
