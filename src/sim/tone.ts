// Audio the simulator puts on a line, made in code: steady tones and DTMF
// digits as 8 kHz linear samples.

const RATE = 8000;

/** dBm0 to peak amplitude of a sine in 16-bit linear: 0 dBm0 is 3.17 dB below the G.711 overload point (ITU-T G.711, G.168 convention). */
function amplitude(dbm0: number): number {
  return 32767 * 10 ** ((dbm0 - 3.17) / 20);
}

/** A sum of sines, each at its level, for `ms` milliseconds. */
export function toneSamples(freqs: readonly number[], ms: number, dbm0 = -13): Int16Array {
  const n = Math.round((RATE * ms) / 1000);
  const out = new Int16Array(n);
  const a = amplitude(dbm0);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (const f of freqs) v += a * Math.sin((2 * Math.PI * f * i) / RATE);
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
  }
  return out;
}

/** DTMF frequency pairs (ITU-T Q.23): row, column. */
const DTMF: Record<string, [number, number]> = {
  '1': [697, 1209], '2': [697, 1336], '3': [697, 1477], A: [697, 1633],
  '4': [770, 1209], '5': [770, 1336], '6': [770, 1477], B: [770, 1633],
  '7': [852, 1209], '8': [852, 1336], '9': [852, 1477], C: [852, 1633],
  '*': [941, 1209], '0': [941, 1336], '#': [941, 1477], D: [941, 1633],
};

export function isDtmfDigits(digits: string): boolean {
  return digits.length > 0 && [...digits].every((d) => d in DTMF);
}

/** Digits as DTMF: each `toneMs` long at -10 dBm0 per frequency (Q.24 limits), `gapMs` of silence after each. */
export function dtmfSamples(digits: string, toneMs = 100, gapMs = 100): Int16Array {
  const parts: Int16Array[] = [];
  for (const d of digits) {
    const pair = DTMF[d.toUpperCase()];
    if (!pair) throw new Error(`'${d}' is not a DTMF digit (0-9, *, #, A-D)`);
    parts.push(toneSamples(pair, toneMs, -10), new Int16Array((RATE * gapMs) / 1000));
  }
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
