// Ringback towards a line while the SIP side rings without early media
// (RFC 3398 §8.2.1: 18x without SDP, the gateway plays the ringing tone in-band).
// The tone of the line's zone (src/analog/tone-zones.ts), one 20 ms frame at a time.
import type { Tone } from '../analog/tone-zones.js';
import type { AudioPath } from '../media/frame.js';

const RATE = 8000;
const FRAME = 160;
/** -13 dBm0 per frequency (E.180 range -10 to -20 dBm0), as 16-bit linear peak. */
const AMPLITUDE = Math.round(32768 * 0.223 * Math.SQRT2 * 0.5);

export class Ringback {
  private timer: NodeJS.Timeout | null = null;
  private sample = 0;

  constructor(
    private readonly tone: Tone,
    private readonly path: AudioPath,
  ) {}

  get playing(): boolean {
    return this.timer !== null;
  }

  start(): void {
    if (this.timer) return;
    this.sample = 0;
    this.timer = setInterval(() => this.path.write({ encoding: 'L16', samples: FRAME, data: this.frame() }), 20);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Next 20 ms of the cadence, signed 16-bit little-endian. */
  private frame(): Uint8Array {
    const out = new Int16Array(FRAME);
    const period = this.tone.reduce((s, step) => s + step.ms, 0) * (RATE / 1000);
    for (let i = 0; i < FRAME; i++, this.sample++) {
      let at = period > 0 ? this.sample % period : this.sample;
      let step = this.tone[this.tone.length - 1]!;
      for (const s of this.tone) {
        const len = s.ms * (RATE / 1000);
        if (s.ms === 0 || at < len) {
          step = s;
          break;
        }
        at -= len;
      }
      const t = this.sample / RATE;
      let v = 0;
      if (step.modulated && step.freqs.length === 2) {
        v = Math.sin(2 * Math.PI * step.freqs[0]! * t) * (0.5 + 0.5 * Math.sin(2 * Math.PI * step.freqs[1]! * t));
      } else for (const f of step.freqs) v += Math.sin(2 * Math.PI * f * t);
      out[i] = Math.round(v * AMPLITUDE);
    }
    return new Uint8Array(out.buffer);
  }
}
