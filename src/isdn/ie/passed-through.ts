// A codec for IEs the gateway carries without interpreting: the contents stay bytes.
import { fail, ok, type IeCodec } from './ie-codec.js';

/** Q.931 clause 4.5.1: a length octet; no IE here may exceed 255 octets of contents. */
const MAX_CONTENTS = 255;

export function passedThrough<K extends string>(
  kind: K,
  identifier: number,
  name: string,
  minLength: number,
): IeCodec<{ kind: K; data: Uint8Array }> {
  return {
    identifier,
    name,
    decode: (c) => (c.length < minLength ? fail(`${name}: ${c.length} octets, needs at least ${minLength}`) : ok({ kind, data: c.slice() })),
    encode: (ie) => {
      if (ie.data.length < minLength || ie.data.length > MAX_CONTENTS) {
        throw new RangeError(`${name}: ${ie.data.length} octets, needs ${minLength}..${MAX_CONTENTS}`);
      }
      return ie.data.slice();
    },
    length: (ie) => ie.data.length,
  };
}
