// Display, Q.931 clause 4.5.16 (identifier 0x28); ANSI T1.607 clause 4.5.16
// adds a display-type octet in front of the text on NI-2 and DMS-100.
import { EXT, fail, ia5Decode, ia5Encode, ok, type IeCodec, type IeResult } from './ie-codec.js';
import type { VariantProfile } from '../variants/switch-variant.js';

/*
 *         8     7     6     5     4     3     2     1
 *      +-----+-----------------------------------------+
 *  3   |  1  |  display type (ANSI T1.607 only)        |   e.g. 0xb1 calling party name
 *      +-----+-----------------------------------------+
 *  3.. |  0  |  display information (IA5), up to 82    |
 *      +-----+-----------------------------------------+
 */
/** Q.931 clause 4.5.16: the display information is at most 80 (network-dependent: 34 in Q.931, 82 here) characters. */
const MAX_TEXT = 82;

export interface Display {
  kind: 'display';
  text: string;
  /** The display-type octet (with bit 8 set) where the variant has one. */
  displayType?: number;
}

const NAME = 'display';

function decode(c: Uint8Array, variant: VariantProfile): IeResult<Display> {
  let at = 0;
  const ie: Display = { kind: 'display', text: '' };
  if (variant.nameCarriage === 'display-typed' && c.length > 0 && (c[0] ?? 0) & EXT) {
    ie.displayType = c[0] ?? 0;
    at = 1;
  }
  if (c.length - at > MAX_TEXT) return fail(`${NAME}: ${c.length - at} characters, at most ${MAX_TEXT}`);
  const text = ia5Decode(c.subarray(at));
  if (text === null) return fail(`${NAME}: text is not IA5 (bit 8 set)`);
  ie.text = text;
  return ok(ie);
}

function encode(ie: Display, variant: VariantProfile): Uint8Array {
  if (ie.text.length > MAX_TEXT) throw new RangeError(`${NAME}: ${ie.text.length} characters, at most ${MAX_TEXT}`);
  const text = ia5Encode(NAME, 'text', ie.text);
  if (ie.displayType === undefined) return text;
  if (variant.nameCarriage !== 'display-typed') throw new RangeError(`${NAME}: ${variant.title} has no display type octet`);
  if (ie.displayType < EXT || ie.displayType > 0xff) throw new RangeError(`${NAME}: display type ${ie.displayType} needs bit 8 set`);
  const out = new Uint8Array(1 + text.length);
  out[0] = ie.displayType;
  out.set(text, 1);
  return out;
}

export const display: IeCodec<Display> = {
  identifier: 0x28,
  name: NAME,
  decode,
  encode,
  length: (ie) => (ie.displayType !== undefined ? 1 : 0) + ie.text.length,
};
