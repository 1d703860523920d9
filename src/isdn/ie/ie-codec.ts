// The contract every information element file implements: the same
// decode/encode/length trio (pion/rtp's Unmarshal/Marshal/MarshalSize).
import type { VariantProfile } from '../variants/switch-variant.js';

/** Outcome of decoding the contents of one IE: a value or a content error. */
export type IeResult<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Codec of one information element. `decode` sees the contents only (the
 * octets after the length octet, Q.931 clause 4.5.1); `encode` returns the
 * contents only; `length` is `encode(ie).length` without building it.
 * `decode` never throws; `encode` throws a RangeError naming the field when
 * the value cannot be coded.
 */
export interface IeCodec<T> {
  /** Identifier octet in codeset 0 (Q.931 Table 4-3). */
  readonly identifier: number;
  readonly name: string;
  decode(contents: Uint8Array, variant: VariantProfile): IeResult<T>;
  encode(ie: T, variant: VariantProfile): Uint8Array;
  length(ie: T, variant: VariantProfile): number;
}

/** Bit 8 of an octet: the extension bit of Q.931 clause 4.5.1 (1 = last octet of the group). */
export const EXT = 0x80;

export function ok<T>(value: T): IeResult<T> {
  return { ok: true, value };
}

export function fail<T>(error: string): IeResult<T> {
  return { ok: false, error };
}

/** Throws a RangeError for a field that does not fit its bits. */
export function checkField(ie: string, field: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${ie}: ${field} ${value} does not fit (0..${max})`);
  }
}

/** IA5 text (Q.931 clause 4.5.8 "number digits", 4.5.16 display): 7-bit characters. */
export function ia5Decode(octets: Uint8Array): string | null {
  let s = '';
  for (const o of octets) {
    if (o & EXT) return null;
    s += String.fromCharCode(o);
  }
  return s;
}

export function ia5Encode(ie: string, field: string, text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) throw new RangeError(`${ie}: ${field} character ${i} (U+${c.toString(16)}) is not IA5`);
    out[i] = c;
  }
  return out;
}

/**
 * Reads an octet group (Q.931 clause 4.5.1 note: "octet N, Na, Nb ..."): the
 * octets from `at` up to and including the first with bit 8 set. Returns the
 * end offset, or -1 when the contents end inside the group.
 */
export function groupEnd(contents: Uint8Array, at: number): number {
  for (let i = at; i < contents.length; i++) {
    if ((contents[i] ?? 0) & EXT) return i + 1;
  }
  return -1;
}
