// G.711 expansion for frames written to an analog channel (ITU-T G.711
// tables 1a/2a), and the linear frames an analog channel hands out.
import type { AudioFrame } from '../media/frame.js';

/** µ-law octet to 16-bit linear (G.711 §2, bias 0x84). */
export function ulawToLinear(u: number): number {
  const v = ~u & 0xff;
  const t = (((v & 0x0f) << 3) + 0x84) << ((v & 0x70) >> 4);
  return v & 0x80 ? 0x84 - t : t - 0x84;
}

/** A-law octet to 16-bit linear (G.711 §3, even bits inverted). */
export function alawToLinear(a: number): number {
  const v = a ^ 0x55;
  const seg = (v & 0x70) >> 4;
  let t = (v & 0x0f) << 4;
  t = seg === 0 ? t + 8 : seg === 1 ? t + 0x108 : (t + 0x108) << (seg - 1);
  return v & 0x80 ? t : -t;
}

/** A frame's samples as 16-bit linear, or undefined when its length does not fit its encoding. */
export function decodeG711(frame: AudioFrame): Int16Array | undefined {
  const d = frame.data;
  if (frame.encoding === 'L16') {
    if (d.length % 2 !== 0) return undefined;
    const out = new Int16Array(d.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = (d[2 * i]! | (d[2 * i + 1]! << 8)) << 16 >> 16;
    return out;
  }
  const f = frame.encoding === 'PCMU' ? ulawToLinear : alawToLinear;
  const out = new Int16Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = f(d[i]!);
  return out;
}

export function l16Frame(samples: Int16Array): AudioFrame {
  const data = new Uint8Array(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    data[2 * i] = samples[i]! & 0xff;
    data[2 * i + 1] = (samples[i]! >> 8) & 0xff;
  }
  return { encoding: 'L16', samples: samples.length, data };
}
