// Call state, Q.931 clause 4.5.7 (identifier 0x14).
import { checkField, fail, ok, type IeCodec, type IeResult } from './ie-codec.js';

/*
 *         8     7     6     5     4     3     2     1
 *      +-----------+-----------------------------------+
 *  3   | coding std|  call state value (U0..U25, N0..N25, REST0..2) |
 *      +-----------+-----------------------------------+
 */
const CODING_SHIFT = 6;
const TWO_BITS = 0x03;
const STATE_MASK = 0x3f;

export interface CallState {
  kind: 'call-state';
  codingStandard: number;
  /** Call state value: 0 null, 1 call initiated, ..., 10 active, 12 disconnect indication, 19 release request. */
  value: number;
}

const NAME = 'call state';

function decode(c: Uint8Array): IeResult<CallState> {
  if (c.length !== 1) return fail(`${NAME}: ${c.length} octets, expected 1`);
  const o3 = c[0] ?? 0;
  return ok({ kind: 'call-state', codingStandard: (o3 >> CODING_SHIFT) & TWO_BITS, value: o3 & STATE_MASK });
}

function encode(ie: CallState): Uint8Array {
  checkField(NAME, 'coding standard', ie.codingStandard, TWO_BITS);
  checkField(NAME, 'value', ie.value, STATE_MASK);
  return Uint8Array.of((ie.codingStandard << CODING_SHIFT) | ie.value);
}

export const callState: IeCodec<CallState> = { identifier: 0x14, name: NAME, decode, encode, length: () => 1 };
