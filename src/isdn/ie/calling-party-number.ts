// Calling party number, Q.931 clause 4.5.10, identifier 0x6c.
import { type IeCodec, type IeResult } from './ie-codec.js';
import { decodePartyNumber, encodePartyNumber, partyNumberLength, type PartyNumberFields } from './party-number.js';

// Octet diagram: see party-number.ts (form 'calling').

export interface CallingPartyNumber extends PartyNumberFields {
  kind: 'calling-party-number';
}

const NAME = 'calling party number';

function decode(c: Uint8Array): IeResult<CallingPartyNumber> {
  const r = decodePartyNumber(NAME, 'calling', c);
  return r.ok ? { ok: true, value: { kind: 'calling-party-number', ...r.value } } : r;
}

export const callingPartyNumber: IeCodec<CallingPartyNumber> = {
  identifier: 0x6c,
  name: NAME,
  decode,
  encode: (ie) => encodePartyNumber(NAME, 'calling', ie),
  length: (ie) => partyNumberLength(ie),
};
