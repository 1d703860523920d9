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

/** 16-bit linear to µ-law (G.711 §2: bias 0x84, clip at 32635). */
export function linearToUlaw(sample: number): number {
  let s = Math.max(-32635, Math.min(32635, sample));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  s += 0x84;
  let exp = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exp > 0; mask >>= 1) exp--;
  const mant = (s >> (exp + 3)) & 0x0f;
  return ~(sign | (exp << 4) | mant) & 0xff;
}

/** 16-bit linear to A-law (G.711 §3, even bits inverted). */
export function linearToAlaw(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, sample));
  const sign = s >= 0 ? 0x80 : 0;
  if (!sign) s = -s - 1;
  let out: number;
  if (s < 256) out = s >> 4;
  else {
    let exp = 1;
    while (exp < 7 && s >= 256 << exp) exp++;
    out = (exp << 4) | ((s >> (exp + 3)) & 0x0f);
  }
  return (out | sign) ^ 0x55;
}
