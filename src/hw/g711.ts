// ITU-T G.711 mu-law and A-law companding, as lookup tables built once at load.
// Encode tables cover every 16-bit sample (64 KiB each), decode tables every
// code (256 entries), and PCMU<->PCMA is a direct 256-entry table (G.711
// clause 4 / Tables 3-4: conversion without passing through linear).

/** Mu-law encode of one 16-bit sample (G.711 clause 3, Table 2a: 8 segments, bias 33 on 14 bits). */
function linearToMuLaw(sample: number): number {
  let pcm = sample >> 2; // 14-bit magnitude domain
  let mask: number;
  if (pcm < 0) {
    pcm = -pcm;
    mask = 0x7f;
  } else {
    mask = 0xff;
  }
  if (pcm > 8159) pcm = 8159; // clip at the top of segment 8
  pcm += 0x21;
  let seg = 0;
  for (let top = 0x3f; seg < 8 && pcm > top; seg++) top = (top << 1) | 1;
  if (seg >= 8) return 0x7f ^ mask; // top of segment 8: full scale
  return ((seg << 4) | ((pcm >> (seg + 1)) & 0x0f)) ^ mask;
}

/** Mu-law decode (G.711 Table 2a, decoder output values). */
function muLawToLinear(code: number): number {
  const u = ~code & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

/** A-law encode (G.711 clause 2, Table 1a: 13-bit magnitude, even bits inverted by XOR 0x55). */
function linearToALaw(sample: number): number {
  let pcm = sample >> 3;
  let mask: number;
  if (pcm >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  let seg = 0;
  for (let top = 0x1f; seg < 8 && pcm > top; seg++) top = (top << 1) | 1;
  if (seg >= 8) return 0x7f ^ mask;
  const a = (seg << 4) | (seg < 2 ? (pcm >> 1) & 0x0f : (pcm >> seg) & 0x0f);
  return a ^ mask;
}

/** A-law decode (G.711 Table 1a, decoder output values). */
function aLawToLinear(code: number): number {
  const a = code ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

const MULAW_DECODE = new Int16Array(256);
const ALAW_DECODE = new Int16Array(256);
const MULAW_ENCODE = new Uint8Array(65536);
const ALAW_ENCODE = new Uint8Array(65536);
const MULAW_TO_ALAW = new Uint8Array(256);
const ALAW_TO_MULAW = new Uint8Array(256);

for (let c = 0; c < 256; c++) {
  MULAW_DECODE[c] = muLawToLinear(c);
  ALAW_DECODE[c] = aLawToLinear(c);
}
for (let i = 0; i < 65536; i++) {
  const s = i < 32768 ? i : i - 65536;
  MULAW_ENCODE[i] = linearToMuLaw(s);
  ALAW_ENCODE[i] = linearToALaw(s);
}
for (let c = 0; c < 256; c++) {
  MULAW_TO_ALAW[c] = ALAW_ENCODE[MULAW_DECODE[c]! & 0xffff]!;
  ALAW_TO_MULAW[c] = MULAW_ENCODE[ALAW_DECODE[c]! & 0xffff]!;
}

/** The G.711 law of a byte stream. */
export type G711Law = 'PCMU' | 'PCMA';

/** Decodes G.711 bytes into samples (out.length >= codes.length). */
export function g711Decode(law: G711Law, codes: Uint8Array, out: Int16Array): Int16Array {
  const table = law === 'PCMU' ? MULAW_DECODE : ALAW_DECODE;
  for (let i = 0; i < codes.length; i++) out[i] = table[codes[i]!]!;
  return out;
}

/** Encodes samples into G.711 bytes (out.length >= samples.length). */
export function g711Encode(law: G711Law, samples: Int16Array, out: Uint8Array): Uint8Array {
  const table = law === 'PCMU' ? MULAW_ENCODE : ALAW_ENCODE;
  for (let i = 0; i < samples.length; i++) out[i] = table[samples[i]! & 0xffff]!;
  return out;
}

/** Converts between the two laws code by code, never through a linear buffer. */
export function g711Transcode(from: G711Law, codes: Uint8Array, out: Uint8Array): Uint8Array {
  const table = from === 'PCMU' ? MULAW_TO_ALAW : ALAW_TO_MULAW;
  for (let i = 0; i < codes.length; i++) out[i] = table[codes[i]!]!;
  return out;
}

/** The code of digital silence: 0xFF in mu-law, 0xD5 in A-law (G.711 Tables 1a/2a, value 0). */
export function g711Silence(law: G711Law): number {
  return law === 'PCMU' ? 0xff : 0xd5;
}
