// The octets shared by the party number IEs: called (Q.931 clause 4.5.8),
// calling (4.5.10), connected (Q.951 clause 3.1.2 / 4.5.x) and redirecting
// (Q.952 clause 4.5.x) party number.
import { EXT, checkField, fail, ia5Decode, ia5Encode, ok, type IeResult } from './ie-codec.js';
import type { NumberingPlan as NumberingPlanName, TypeOfNumber as TypeOfNumberName } from '../../call/pstn-leg.js';

/*
 *         8     7     6     5     4     3     2     1
 *      +-----+-----------------+-----------------------+
 *  3   | ext | type of number  | numbering plan ident. |
 *      +-----+-----------+-----+-----------+-----------+
 *  3a  | ext |presentatn.|   spare 0 0 0   | screening |   calling, connected, redirecting
 *      +-----+-----------+-----------------+-----------+
 *  3b  | ext |   spare 0 0 0   | reason for redirection|   redirecting only
 *      +-----+-----------------+-----------------------+
 *  4.. |  0  |          number digits (IA5)            |
 *      +-----+-----------------------------------------+
 */
const TON_SHIFT = 4;
const TON_MASK = 0x07;
const NPI_MASK = 0x0f;
const PRESENTATION_SHIFT = 5;
const TWO_BITS = 0x03;
const REASON_MASK = 0x0f;

/** Type of number (octet 3 bits 7-5). */
export const TypeOfNumber = {
  UNKNOWN: 0,
  INTERNATIONAL: 1,
  NATIONAL: 2,
  NETWORK_SPECIFIC: 3,
  SUBSCRIBER: 4,
  ABBREVIATED: 6,
} as const;

/** Numbering plan identification (octet 3 bits 4-1). */
export const NumberingPlan = { UNKNOWN: 0, ISDN: 1, DATA: 3, TELEX: 4, NATIONAL: 8, PRIVATE: 9 } as const;

/** Presentation indicator (octet 3a bits 7-6). */
export const Presentation = { ALLOWED: 0, RESTRICTED: 1, NOT_AVAILABLE: 2 } as const;

/** Screening indicator (octet 3a bits 2-1). */
export const Screening = { USER_NOT_SCREENED: 0, USER_PASSED: 1, USER_FAILED: 2, NETWORK: 3 } as const;

export interface PartyNumberFields {
  typeOfNumber: number;
  numberingPlan: number;
  /** Present when octet 3a is. */
  presentation?: number;
  screening?: number;
  /** Redirecting number octet 3b (Q.952): 1 busy, 2 no reply, 15 unconditional. */
  reason?: number;
  digits: string;
}

/** Octet groups the IE may carry after octet 3: none (called), 3a, or 3a and 3b. */
export type PartyForm = 'called' | 'calling' | 'redirecting';

export function decodePartyNumber(name: string, form: PartyForm, c: Uint8Array): IeResult<PartyNumberFields> {
  const o3 = c[0];
  if (o3 === undefined) return fail(`${name}: empty, octet 3 needs 1 octet`);
  const fields: PartyNumberFields = {
    typeOfNumber: (o3 >> TON_SHIFT) & TON_MASK,
    numberingPlan: o3 & NPI_MASK,
    digits: '',
  };
  let at = 1;
  if (!(o3 & EXT)) {
    if (form === 'called') return fail(`${name}: octet 3 lacks the extension bit`);
    const o3a = c[at];
    if (o3a === undefined) return fail(`${name}: octet 3a announced, only ${c.length} octet`);
    fields.presentation = (o3a >> PRESENTATION_SHIFT) & TWO_BITS;
    fields.screening = o3a & TWO_BITS;
    at++;
    if (!(o3a & EXT)) {
      if (form !== 'redirecting') return fail(`${name}: octet 3a lacks the extension bit`);
      const o3b = c[at];
      if (o3b === undefined) return fail(`${name}: octet 3b announced, only ${c.length} octets`);
      if (!(o3b & EXT)) return fail(`${name}: octet 3b lacks the extension bit`);
      fields.reason = o3b & REASON_MASK;
      at++;
    }
  }
  const digits = ia5Decode(c.subarray(at));
  if (digits === null) return fail(`${name}: number digits are not IA5 (bit 8 set)`);
  fields.digits = digits;
  return ok(fields);
}

export function partyNumberLength(f: PartyNumberFields): number {
  return 1 + (f.presentation !== undefined ? 1 : 0) + (f.reason !== undefined ? 1 : 0) + f.digits.length;
}

export function encodePartyNumber(name: string, form: PartyForm, f: PartyNumberFields): Uint8Array {
  checkField(name, 'type of number', f.typeOfNumber, TON_MASK);
  checkField(name, 'numbering plan', f.numberingPlan, NPI_MASK);
  const has3a = f.presentation !== undefined || f.screening !== undefined;
  const has3b = f.reason !== undefined;
  if (form === 'called' && has3a) throw new RangeError(`${name}: has no presentation or screening`);
  if (form !== 'redirecting' && has3b) throw new RangeError(`${name}: has no redirection reason`);
  const out = new Uint8Array(1 + (has3a || has3b ? 1 : 0) + (has3b ? 1 : 0) + f.digits.length);
  out[0] = (has3a || has3b ? 0 : EXT) | (f.typeOfNumber << TON_SHIFT) | f.numberingPlan;
  let at = 1;
  if (has3a || has3b) {
    const p = f.presentation ?? 0;
    const s = f.screening ?? 0;
    checkField(name, 'presentation', p, TWO_BITS);
    checkField(name, 'screening', s, TWO_BITS);
    out[at++] = (has3b ? 0 : EXT) | (p << PRESENTATION_SHIFT) | s;
  }
  if (has3b) {
    checkField(name, 'reason', f.reason ?? 0, REASON_MASK);
    out[at++] = EXT | (f.reason ?? 0);
  }
  out.set(ia5Encode(name, 'digits', f.digits), at);
  return out;
}

const TON_NAMES: Record<number, TypeOfNumberName> = {
  0: 'unknown',
  1: 'international',
  2: 'national',
  3: 'network-specific',
  4: 'subscriber',
  6: 'abbreviated',
};
const NPI_NAMES: Record<number, NumberingPlanName> = { 0: 'unknown', 1: 'isdn', 3: 'data', 4: 'telex', 8: 'national', 9: 'private' };

/** The PSTN-leg name of a type of number code (reserved codes read as unknown). */
export function typeOfNumberName(code: number): TypeOfNumberName {
  return TON_NAMES[code] ?? 'unknown';
}

export function numberingPlanName(code: number): NumberingPlanName {
  return NPI_NAMES[code] ?? 'unknown';
}

export function typeOfNumberCode(name: TypeOfNumberName): number {
  return Number(Object.keys(TON_NAMES).find((k) => TON_NAMES[Number(k)] === name) ?? 0);
}

export function numberingPlanCode(name: NumberingPlanName): number {
  return Number(Object.keys(NPI_NAMES).find((k) => NPI_NAMES[Number(k)] === name) ?? 0);
}
