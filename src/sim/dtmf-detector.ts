// A DTMF receiver for the simulators, written apart from the card's DSP
// (Goertzel filters on 205-sample blocks) so that the far end checks what a
// port dialled without trusting the detector the port itself uses.
// Frequencies: ITU-T Q.23; a digit must last two blocks (about 50 ms, Q.24
// asks for 40 ms to be accepted).

const LOW = [697, 770, 852, 941];
const HIGH = [1209, 1336, 1477, 1633];
const KEYS = ['123A', '456B', '789C', '*0#D'];
const BLOCK = 205;

function goertzel(x: Float64Array, hz: number): number {
  const k = (2 * Math.cos((2 * Math.PI * hz) / 8000));
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s = x[i]! + k * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return s1 * s1 + s2 * s2 - k * s1 * s2;
}

export class DtmfDetector {
  readonly #block = new Float64Array(BLOCK);
  #fill = 0;
  #candidate = '';
  #count = 0;
  #current = '';
  readonly digits: string[] = [];

  /** Feeds 8 kHz samples; returns the digits that ended in them. */
  push(samples: Int16Array): string[] {
    const out: string[] = [];
    for (let i = 0; i < samples.length; i++) {
      this.#block[this.#fill++] = samples[i]!;
      if (this.#fill < BLOCK) continue;
      this.#fill = 0;
      const d = this.classify();
      if (d === this.#candidate) this.#count++;
      else {
        this.#candidate = d;
        this.#count = 1;
      }
      if (this.#count === 2 && d !== this.#current) {
        if (this.#current) {
          out.push(this.#current);
          this.digits.push(this.#current);
        }
        this.#current = d;
      }
    }
    return out;
  }

  private classify(): string {
    let energy = 0;
    for (const v of this.#block) energy += v * v;
    if (energy < BLOCK * 100 * 100) return ''; // below about -45 dBm0
    const lo = LOW.map((f) => goertzel(this.#block, f));
    const hi = HIGH.map((f) => goertzel(this.#block, f));
    const li = lo.indexOf(Math.max(...lo));
    const hj = hi.indexOf(Math.max(...hi));
    // Each tone must dominate its group and together carry most of the block's energy.
    const sorted = (a: number[]) => [...a].sort((x, y) => y - x);
    if (sorted(lo)[1]! * 6 > lo[li]! || sorted(hi)[1]! * 6 > hi[hj]!) return '';
    const tonePower = ((lo[li]! + hi[hj]!) * 2) / BLOCK;
    if (tonePower < energy * 0.35) return '';
    return KEYS[li]![hj]!;
  }
}
