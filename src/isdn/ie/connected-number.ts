// Connected number, Q.951 clause 3.2 (coded as the calling party number), identifier 0x4c.
import { type IeCodec, type IeResult } from './ie-codec.js';
import { decodePartyNumber, encodePartyNumber, partyNumberLength, type PartyNumberFields } from './party-number.js';

// Octet diagram: see party-number.ts (form 'calling').

export interface ConnectedNumber extends PartyNumberFields {
  kind: 'connected-number';
}

const NAME = 'connected number';

function decode(c: Uint8Array): IeResult<ConnectedNumber> {
  const r = decodePartyNumber(NAME, 'calling', c);
  return r.ok ? { ok: true, value: { kind: 'connected-number', ...r.value } } : r;
}

export const connectedNumber: IeCodec<ConnectedNumber> = {
  identifier: 0x4c,
  name: NAME,
  decode,
  encode: (ie) => encodePartyNumber(NAME, 'calling', ie),
  length: (ie) => partyNumberLength(ie),
};
