// Restart indicator, Q.931 clause 4.5.25 (identifier 0x79).
import { EXT, fail, ok, type IeCodec, type IeResult } from './ie-codec.js';

/*
 *         8     7     6     5     4     3     2     1
 *      +-----+-----------------------+-----------------+
 *  3   | ext |      spare 0 0 0 0    |      class      |
 *      +-----+-----------------------+-----------------+
 */
const CLASS_MASK = 0x07;
const SPARE_MASK = 0x78;

/** Restart class (octet 3 bits 3-1); other values are reserved. */
export const RestartClass = { INDICATED_CHANNELS: 0, SINGLE_INTERFACE: 6, ALL_INTERFACES: 7 } as const;
const CLASSES: readonly number[] = Object.values(RestartClass);

export interface RestartIndicator {
  kind: 'restart-indicator';
  restartClass: number;
}

const NAME = 'restart indicator';

function decode(c: Uint8Array): IeResult<RestartIndicator> {
  if (c.length !== 1) return fail(`${NAME}: ${c.length} octets, expected 1`);
  const o3 = c[0] ?? 0;
  if (!(o3 & EXT)) return fail(`${NAME}: octet 3 lacks the extension bit`);
  if (o3 & SPARE_MASK) return fail(`${NAME}: spare bits set in octet 3 (0x${o3.toString(16)})`);
  const restartClass = o3 & CLASS_MASK;
  if (!CLASSES.includes(restartClass)) return fail(`${NAME}: class ${restartClass} is reserved`);
  return ok({ kind: 'restart-indicator', restartClass });
}

function encode(ie: RestartIndicator): Uint8Array {
  if (!CLASSES.includes(ie.restartClass)) throw new RangeError(`${NAME}: class ${ie.restartClass} is not 0, 6 or 7`);
  return Uint8Array.of(EXT | ie.restartClass);
}

export const restartIndicator: IeCodec<RestartIndicator> = {
  identifier: 0x79,
  name: NAME,
  decode,
  encode,
  length: () => 1,
};
