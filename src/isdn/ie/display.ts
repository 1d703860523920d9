// Display, Q.931 clause 4.5.16 (identifier 0x28); ANSI T1.607 clause 4.5.16
// adds a display-type octet in front of the text. Which variants send it is
// the variant's choice (callingNameIes); on receipt it is read on every
// variant, since switches send it whatever the span is configured as.
import { EXT, fail, ia5Decode, ia5Encode, ok, type IeCodec, type IeResult } from './ie-codec.js';

/*
 *         8     7     6     5     4     3     2     1
 *      +-----+-----------------------------------------+
 *  3   |  1  |  display type (ANSI T1.607 only)        |   e.g. 0xb1 calling party name
 *      +-----+-----------------------------------------+
 *  3.. |  0  |  display information (IA5), up to 80    |
 *      +-----+-----------------------------------------+
 */
/** Q.931 clause 4.5.16: the IE is at most 34 or 82 octets (network dependent), so at most 80 octets of contents. */
const MAX_CONTENTS = 80;

export interface Display {
  kind: 'display';
  text: string;
  /** The display-type octet (bit 8 set), e.g. 0xb1 calling party name, when present. */
  displayType?: number;
}

const NAME = 'display';

function decode(c: Uint8Array): IeResult<Display> {
  let at = 0;
  const ie: Display = { kind: 'display', text: '' };
  if (c.length > 0 && (c[0] ?? 0) & EXT) {
    ie.displayType = c[0] ?? 0;
    at = 1;
  }
  if (c.length > MAX_CONTENTS) return fail(`${NAME}: ${c.length} octets, at most ${MAX_CONTENTS}`);
  const text = ia5Decode(c.subarray(at));
  if (text === null) return fail(`${NAME}: text is not IA5 (bit 8 set)`);
  ie.text = text;
  return ok(ie);
}

function encode(ie: Display): Uint8Array {
  const size = (ie.displayType !== undefined ? 1 : 0) + ie.text.length;
  if (size > MAX_CONTENTS) throw new RangeError(`${NAME}: ${size} octets, at most ${MAX_CONTENTS}`);
  const text = ia5Encode(NAME, 'text', ie.text);
  if (ie.displayType === undefined) return text;
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
