// Redirecting number, Q.952 clause 4.5 (calling party number plus octet 3b), identifier 0x74.
import { type IeCodec, type IeResult } from './ie-codec.js';
import { decodePartyNumber, encodePartyNumber, partyNumberLength, type PartyNumberFields } from './party-number.js';

// Octet diagram: see party-number.ts (form 'redirecting').

export interface RedirectingNumber extends PartyNumberFields {
  kind: 'redirecting-number';
}

const NAME = 'redirecting number';

function decode(c: Uint8Array): IeResult<RedirectingNumber> {
  const r = decodePartyNumber(NAME, 'redirecting', c);
  return r.ok ? { ok: true, value: { kind: 'redirecting-number', ...r.value } } : r;
}

export const redirectingNumber: IeCodec<RedirectingNumber> = {
  identifier: 0x74,
  name: NAME,
  decode,
  encode: (ie) => encodePartyNumber(NAME, 'redirecting', ie),
  length: (ie) => partyNumberLength(ie),
};
