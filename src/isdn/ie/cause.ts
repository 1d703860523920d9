// Cause, Q.931 clause 4.5.12 with the coding of ITU-T Q.850 clause 2.2 (identifier 0x08).
import { EXT, checkField, fail, ok, type IeCodec, type IeResult } from './ie-codec.js';

/*
 *         8     7     6     5     4     3     2     1
 *      +-----+-----------+-----+-----------------------+
 *  3   | ext | coding std|spare|       location        |
 *      +-----+-----------+-----+-----------------------+
 *  3a  | ext |          recommendation                 |   only when octet 3 ext = 0
 *      +-----+-----------------------------------------+
 *  4   | ext |           cause value                   |
 *      +-----+-----------------------------------------+
 *  5.. |              diagnostic(s)                    |
 *      +-----------------------------------------------+
 */
const CODING_SHIFT = 5;
const TWO_BITS = 0x03;
const LOCATION_MASK = 0x0f;
const SEVEN_BITS = 0x7f;
/** Q.931 Table 3-6: the cause IE is 4-32 octets long, so at most 30 octets of contents. */
const MAX_CONTENTS = 30;

/** Location (Q.850 clause 2.2.3). */
export const Location = {
  USER: 0,
  PRIVATE_LOCAL: 1,
  PUBLIC_LOCAL: 2,
  TRANSIT: 3,
  PUBLIC_REMOTE: 4,
  PRIVATE_REMOTE: 5,
  INTERNATIONAL: 7,
  BEYOND_INTERWORKING: 10,
} as const;

export interface CauseIe {
  kind: 'cause';
  codingStandard: number;
  location: number;
  /** Octet 3a (Q.850 clause 2.2.4), absent on most PRIs. */
  recommendation?: number;
  /** Q.850 cause value 0..127. */
  value: number;
  diagnostics?: Uint8Array;
}

const NAME = 'cause';

function decode(c: Uint8Array): IeResult<CauseIe> {
  if (c.length < 2) return fail(`${NAME}: ${c.length} octets, octets 3 and 4 need 2`);
  if (c.length > MAX_CONTENTS) return fail(`${NAME}: ${c.length} octets, at most ${MAX_CONTENTS}`);
  const o3 = c[0] ?? 0;
  const ie: CauseIe = {
    kind: 'cause',
    codingStandard: (o3 >> CODING_SHIFT) & TWO_BITS,
    location: o3 & LOCATION_MASK,
    value: 0,
  };
  let at = 1;
  if (!(o3 & EXT)) {
    const o3a = c[at++] ?? 0;
    if (!(o3a & EXT)) return fail(`${NAME}: octet 3a lacks the extension bit`);
    ie.recommendation = o3a & SEVEN_BITS;
  }
  const o4 = c[at++];
  if (o4 === undefined) return fail(`${NAME}: octet 4 (cause value) missing after octet 3a`);
  if (!(o4 & EXT)) return fail(`${NAME}: octet 4 lacks the extension bit`);
  ie.value = o4 & SEVEN_BITS;
  if (at < c.length) ie.diagnostics = c.slice(at);
  return ok(ie);
}

function length(ie: CauseIe): number {
  return 2 + (ie.recommendation !== undefined ? 1 : 0) + (ie.diagnostics?.length ?? 0);
}

function encode(ie: CauseIe): Uint8Array {
  checkField(NAME, 'coding standard', ie.codingStandard, TWO_BITS);
  checkField(NAME, 'location', ie.location, LOCATION_MASK);
  checkField(NAME, 'value', ie.value, SEVEN_BITS);
  const out = new Uint8Array(length(ie));
  if (out.length > MAX_CONTENTS) throw new RangeError(`${NAME}: ${out.length} octets, at most ${MAX_CONTENTS}`);
  const has3a = ie.recommendation !== undefined;
  out[0] = (has3a ? 0 : EXT) | (ie.codingStandard << CODING_SHIFT) | ie.location;
  let at = 1;
  if (has3a) {
    checkField(NAME, 'recommendation', ie.recommendation ?? 0, SEVEN_BITS);
    out[at++] = EXT | (ie.recommendation ?? 0);
  }
  out[at++] = EXT | ie.value;
  if (ie.diagnostics) out.set(ie.diagnostics, at);
  return out;
}

export const cause: IeCodec<CauseIe> = { identifier: 0x08, name: NAME, decode, encode, length };

/** The usual cause IE: ITU-T coding, the given location, no diagnostics. */
export function causeIe(value: number, location: number = Location.PRIVATE_LOCAL, diagnostics?: Uint8Array): CauseIe {
  const ie: CauseIe = { kind: 'cause', codingStandard: 0, location, value };
  if (diagnostics !== undefined && diagnostics.length > 0) ie.diagnostics = diagnostics;
  return ie;
}
