// Measuring audio in tests: a DFT (sox makes the tones, test/peers/signals.ts).

/** Power of one frequency in the samples: the Goertzel recurrence, one DFT bin in O(n). */
export function tonePower(x: Int16Array, hz: number, rate = 8000): number {
  const c = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (const v of x) {
    const s0 = v + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - c * s1 * s2;
}

/** Frequency (1 Hz steps) with the most energy, by a direct DFT over the samples. */
export function peakFrequency(x: Int16Array, rate = 8000): { freq: number; share: number } {
  let best = 0;
  let bestPower = -1;
  let total = 0;
  for (const v of x) total += v * v;
  const powers = new Float64Array(rate / 2);
  for (let f = 20; f < rate / 2 - 20; f++) {
    const p = tonePower(x, f, rate);
    powers[f] = p;
    if (p > bestPower) {
      bestPower = p;
      best = f;
    }
  }
  // Share of the signal's energy within +-20 Hz of the peak (Parseval: bin power = N/2 * energy of a sinusoid).
  let near = 0;
  for (let f = best - 20; f <= best + 20; f++) near += powers[f] ?? 0;
  const share = Math.min(1, (2 * near) / (x.length * total) / 1);
  return { freq: best, share };
}

export function rms(x: Int16Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / Math.max(1, x.length));
}
