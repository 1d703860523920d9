// Packet loss concealment for G.711 in the manner of ITU-T G.711 Appendix I:
// repeat the last pitch period(s) of the history, 1, 2 then 3 periods as the
// erasure grows, fade 20 % per 10 ms after the first 10 ms, silent after
// 60 ms, and overlap-add into the first good frame after the erasure.
// TypeScript rather than spandsp's plc_t: spandsp is reached only from the
// card thread, and per-packet work stays in TypeScript (DESIGN.md).
import { g711Decode, g711Encode, type G711Law } from '../hw/g711.js';

const PITCH_MIN = 40; // 5 ms at 8 kHz (Appendix I PITCH_MIN)
const PITCH_MAX = 120; // 15 ms (PITCH_MAX)
const CORR_LEN = 160; // 20 ms correlation window (CORRLEN)
const HISTORY = PITCH_MAX * 3 + PITCH_MAX / 4; // 390 samples, 48.75 ms (HISTORYLEN)
const MS10 = 80;
const FADE_END = 6 * MS10; // silent after 60 ms

export class G711Plc {
  private readonly history = new Int16Array(HISTORY);
  private pitch = PITCH_MIN;
  private periods = 1;
  private template = new Float32Array(PITCH_MAX * 3);
  private templateLength = 0;
  private phase = 0;
  private erased = 0;
  /** For pass-through: the last coded frames, decoded only when a loss needs them. */
  private coded: Uint8Array[] = [];
  private readonly scratch = new Int16Array(HISTORY);

  constructor(readonly law?: G711Law) {}

  /** True after a concealed frame, until the next good one. */
  get concealing(): boolean {
    return this.erased > 0;
  }

  /** A received frame of linear samples; smoothed in place if it ends an erasure. */
  good(frame: Int16Array): void {
    if (this.erased > 0) this.mergeAfterErasure(frame);
    this.remember(frame);
  }

  /** A received G.711 frame: returned untouched (no decoding) unless it ends an erasure. */
  goodCoded(frame: Uint8Array): Uint8Array {
    const law = this.law!;
    if (this.erased === 0) {
      this.coded.push(frame);
      if (this.coded.length > 3) this.coded.shift();
      return frame;
    }
    const linear = g711Decode(law, frame, new Int16Array(frame.length));
    this.mergeAfterErasure(linear);
    this.remember(linear);
    this.coded = [];
    return g711Encode(law, linear, new Uint8Array(frame.length));
  }

  /** Writes a concealment frame of out.length samples. */
  conceal(out: Int16Array): Int16Array {
    if (this.erased === 0) this.startErasure();
    for (let i = 0; i < out.length; i++) {
      if (this.erased === MS10 && this.periods === 1) this.growTemplate(2);
      else if (this.erased === 2 * MS10 && this.periods === 2) this.growTemplate(3);
      out[i] = Math.round(this.template[this.phase]! * this.gain());
      this.phase = (this.phase + 1) % this.templateLength;
      this.erased++;
    }
    return out;
  }

  /** A concealment frame in the law, for pass-through. */
  concealCoded(samples: number): Uint8Array {
    const linear = this.conceal(new Int16Array(samples));
    return g711Encode(this.law!, linear, new Uint8Array(samples));
  }

  private gain(): number {
    if (this.erased < MS10) return 1;
    if (this.erased >= FADE_END) return 0;
    return 1 - (0.2 * (this.erased - MS10)) / MS10;
  }

  private remember(frame: Int16Array): void {
    if (frame.length >= HISTORY) {
      this.history.set(frame.subarray(frame.length - HISTORY));
    } else {
      this.history.copyWithin(0, frame.length);
      this.history.set(frame, HISTORY - frame.length);
    }
  }

  private startErasure(): void {
    if (this.coded.length > 0) {
      // Pass-through: the history lives in the coded frames until now.
      for (const f of this.coded) this.remember(g711Decode(this.law!, f, this.scratch.subarray(0, f.length)).slice(0, f.length));
      this.coded = [];
    }
    this.pitch = this.findPitch();
    this.periods = 1;
    this.phase = 0;
    this.buildTemplate();
  }

  /** Lag in PITCH_MIN..PITCH_MAX with the highest normalised correlation over the last 20 ms. */
  private findPitch(): number {
    const h = this.history;
    const ref = HISTORY - CORR_LEN;
    let best = PITCH_MIN;
    let bestScore = -Infinity;
    for (let lag = PITCH_MIN; lag <= PITCH_MAX; lag++) {
      let cross = 0;
      let energy = 1;
      for (let i = 0; i < CORR_LEN; i++) {
        const y = h[ref - lag + i]!;
        cross += h[ref + i]! * y;
        energy += y * y;
      }
      const score = cross / Math.sqrt(energy);
      if (score > bestScore) {
        bestScore = score;
        best = lag;
      }
    }
    return best;
  }

  /** Template of `periods` pitch periods from the end of the history, its tail blended into its head. */
  private buildTemplate(): void {
    const len = this.pitch * this.periods;
    const start = HISTORY - len;
    const q = Math.max(1, this.pitch >> 2); // overlap of a quarter period (Appendix I POVERLAP)
    for (let j = 0; j < len; j++) this.template[j] = this.history[start + j]!;
    for (let j = 0; j < q && start - q + j >= 0; j++) {
      const w = (j + 1) / (q + 1);
      const k = len - q + j;
      this.template[k] = (1 - w) * this.template[k]! + w * this.history[start - q + j]!;
    }
    this.templateLength = len;
  }

  private growTemplate(periods: number): void {
    const offsetInPeriod = this.phase % this.pitch;
    this.periods = periods;
    this.buildTemplate();
    this.phase = (this.templateLength - this.pitch + offsetInPeriod) % this.templateLength;
  }

  private mergeAfterErasure(frame: Int16Array): void {
    // Appendix I: overlap 1/4 period plus 4 ms per further 10 ms erased, at most 10 ms.
    const ola = Math.min(frame.length, MS10, (this.pitch >> 2) + 32 * Math.floor(this.erased / MS10));
    const gain = this.gain();
    for (let j = 0; j < ola; j++) {
      const w = (j + 1) / (ola + 1);
      const synthetic = this.template[this.phase]! * gain;
      this.phase = (this.phase + 1) % this.templateLength;
      frame[j] = Math.max(-32768, Math.min(32767, Math.round((1 - w) * synthetic + w * frame[j]!)));
    }
    this.erased = 0;
  }
}
