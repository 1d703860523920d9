// Called party number, Q.931 clause 4.5.8, identifier 0x70.
import { type IeCodec, type IeResult } from './ie-codec.js';
import { decodePartyNumber, encodePartyNumber, partyNumberLength, type PartyNumberFields } from './party-number.js';

// Octet diagram: see party-number.ts (form 'called').

export interface CalledPartyNumber extends PartyNumberFields {
  kind: 'called-party-number';
}

const NAME = 'called party number';

function decode(c: Uint8Array): IeResult<CalledPartyNumber> {
  const r = decodePartyNumber(NAME, 'called', c);
  return r.ok ? { ok: true, value: { kind: 'called-party-number', ...r.value } } : r;
}

export const calledPartyNumber: IeCodec<CalledPartyNumber> = {
  identifier: 0x70,
  name: NAME,
  decode,
  encode: (ie) => encodePartyNumber(NAME, 'called', ie),
  length: (ie) => partyNumberLength(ie),
};
