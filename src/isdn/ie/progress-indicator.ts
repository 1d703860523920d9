// Progress indicator, Q.931 clause 4.5.23 (identifier 0x1e).
import { EXT, checkField, fail, ok, type IeCodec, type IeResult } from './ie-codec.js';

/*
 *         8     7     6     5     4     3     2     1
 *      +-----+-----------+-----+-----------------------+
 *  3   | ext | coding std|spare|       location        |
 *      +-----+-----------+-----+-----------------------+
 *  4   | ext |        progress description             |
 *      +-----+-----------------------------------------+
 */
const CODING_SHIFT = 5;
const TWO_BITS = 0x03;
const LOCATION_MASK = 0x0f;
const SEVEN_BITS = 0x7f;

/** Progress description (octet 4, Q.931 clause 4.5.23). */
export const ProgressDescription = {
  NOT_END_TO_END_ISDN: 1,
  DESTINATION_NON_ISDN: 2,
  ORIGIN_NON_ISDN: 3,
  RETURNED_TO_ISDN: 4,
  INTERWORKING: 5,
  INBAND_AVAILABLE: 8,
} as const;

export interface ProgressIndicator {
  kind: 'progress-indicator';
  codingStandard: number;
  location: number;
  description: number;
}

const NAME = 'progress indicator';

function decode(c: Uint8Array): IeResult<ProgressIndicator> {
  if (c.length !== 2) return fail(`${NAME}: ${c.length} octets, expected 2`);
  const o3 = c[0] ?? 0;
  const o4 = c[1] ?? 0;
  if (!(o3 & EXT) || !(o4 & EXT)) return fail(`${NAME}: octet 3 or 4 lacks the extension bit`);
  return ok({
    kind: 'progress-indicator',
    codingStandard: (o3 >> CODING_SHIFT) & TWO_BITS,
    location: o3 & LOCATION_MASK,
    description: o4 & SEVEN_BITS,
  });
}

function encode(ie: ProgressIndicator): Uint8Array {
  checkField(NAME, 'coding standard', ie.codingStandard, TWO_BITS);
  checkField(NAME, 'location', ie.location, LOCATION_MASK);
  checkField(NAME, 'description', ie.description, SEVEN_BITS);
  return Uint8Array.of(EXT | (ie.codingStandard << CODING_SHIFT) | ie.location, EXT | ie.description);
}

export const progressIndicator: IeCodec<ProgressIndicator> = {
  identifier: 0x1e,
  name: NAME,
  decode,
  encode,
  length: () => 2,
};
