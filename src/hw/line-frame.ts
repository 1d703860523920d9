// Line frames as 16-bit linear samples and back: what an analog channel and
// the voice modem need. The companding itself is g711.ts beside it (ITU-T G.711).
import type { AudioFrame } from '../media/frame.js';
import { g711Decode } from './g711.js';

/** A frame's samples as 16-bit linear, or undefined when its length does not fit its encoding. */
export function decodeG711(frame: AudioFrame): Int16Array | undefined {
  const d = frame.data;
  if (frame.encoding === 'L16') {
    if (d.length % 2 !== 0) return undefined;
    const out = new Int16Array(d.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = (d[2 * i]! | (d[2 * i + 1]! << 8)) << 16 >> 16;
    return out;
  }
  return g711Decode(frame.encoding, d, new Int16Array(d.length));
}

export function l16Frame(samples: Int16Array): AudioFrame {
  const data = new Uint8Array(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    data[2 * i] = samples[i]! & 0xff;
    data[2 * i + 1] = (samples[i]! >> 8) & 0xff;
  }
  return { encoding: 'L16', samples: samples.length, data };
}
