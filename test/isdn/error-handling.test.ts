// Q.931 clause 5.8: what the decoder tells the call control to do with
// messages that are wrong. Each test restates the rule it checks.
import assert from 'node:assert/strict';
import { decodeMessage, firstIe, unexpectedMessageAction, unknownCallReferenceAction, type DecodeResult } from '../../src/isdn/q931.js';
import { fromHex, toHex } from './hex.js';

const BC_SPEECH = '04 03 80 90 a2';
const CHANNEL_1 = '18 03 a9 83 81';
const CALLED = '70 05 a1 31323334';

function decode(hex: string, variant: Parameters<typeof decodeMessage>[1] = 'national'): DecodeResult {
  return decodeMessage(fromHex(hex), variant);
}

function causeOf(r: DecodeResult): { kind: string; cause?: number; diagnostic?: string } {
  const a = r.action;
  if (a.kind === 'ignore') return { kind: a.kind };
  if (a.kind === 'process') {
    const c = a.status ?? a.respondWith;
    const via = a.status ? 'status' : a.respondWith ? 'respond' : undefined;
    return c ? { kind: `process+${via}`, cause: c.cause, diagnostic: toHex(c.diagnostic ?? new Uint8Array()) } : { kind: a.kind };
  }
  return { kind: a.kind, cause: a.cause, diagnostic: toHex(a.diagnostic ?? new Uint8Array()) };
}

describe('Q.931 clause 5.8 error handling', () => {
  it('5.8.1: ignores a message whose protocol discriminator is not Q.931', () => {
    const r = decode(`09 02 0001 05 ${BC_SPEECH}`);
    assert.equal(r.action.kind, 'ignore');
    assert.equal(r.message, null);
    assert.match(r.action.kind === 'ignore' ? r.action.reason : '', /protocol discriminator 0x09/);
  });

  it('5.8.1: ignores the maintenance discriminator on a variant without SERVICE messages (ETSI)', () => {
    const service = `03 02 0000 0f 01 01 c0 ${CHANNEL_1}`;
    assert.equal(decode(service, 'euroisdn').action.kind, 'ignore');
    assert.deepEqual(decode(service, 'national').action, { kind: 'process' });
  });

  it('never throws, even for a switch variant that does not exist; the reason names it', () => {
    const r = decodeMessage(fromHex(`08 02 0001 05 ${BC_SPEECH}`), 'ni1' as 'national');
    assert.equal(r.action.kind, 'ignore');
    assert.match(r.action.kind === 'ignore' ? r.action.reason : '', /switch variant "ni1" is not one of/);
  });

  it('5.8.2: ignores a message too short to hold its message type', () => {
    assert.equal(decode('').action.kind, 'ignore');
    assert.equal(decode('08').action.kind, 'ignore');
    assert.equal(decode('08 02 00 01').action.kind, 'ignore');
  });

  it('5.8.3.1: ignores a call reference whose length octet has bits 8-5 set', () => {
    const r = decode(`08 12 0001 05 ${BC_SPEECH}`);
    assert.equal(r.action.kind, 'ignore');
  });

  it('5.8.3.1: ignores a call reference longer than the interface supports (3 octets on a PRI)', () => {
    const r = decode(`08 03 000001 05 ${BC_SPEECH}`);
    assert.equal(r.action.kind, 'ignore');
    assert.match(r.action.kind === 'ignore' ? r.action.reason : '', /3 octets.*allows 2/);
  });

  it('5.8.3.2: answers a SETUP on the global call reference with STATUS cause 81', () => {
    assert.deepEqual(causeOf(decode(`08 02 0000 05 ${BC_SPEECH}`)), { kind: 'status', cause: 81, diagnostic: '' });
  });

  it('5.8.3.2: takes RESTART on the global call reference', () => {
    const r = decode(`08 02 0000 46 ${CHANNEL_1} 79 01 80`);
    assert.deepEqual(r.action, { kind: 'process' });
    assert.equal(firstIe(r.message ?? { ies: [] }, 'restart-indicator')?.restartClass, 0);
  });

  it('5.8.4: answers an unrecognized message type with STATUS cause 97 naming the type', () => {
    assert.deepEqual(causeOf(decode('08 02 0001 7f')), { kind: 'status', cause: 97, diagnostic: '7f' });
  });

  it('5.8.5.2: handles only the first of a repeated IE and ignores the repetition without a cause', () => {
    const r = decode(`08 02 0001 05 ${BC_SPEECH} ${CALLED} 70 03 a1 3939`);
    assert.deepEqual(r.action, { kind: 'process' });
    assert.equal(firstIe(r.message ?? { ies: [] }, 'called-party-number')?.digits, '1234');
    assert.deepEqual(
      r.ieErrors.map((e) => [e.identifier, e.problem]),
      [[0x70, 'duplicated']],
    );
  });

  it('5.8.5.2: allows two progress indicators in one message', () => {
    const r = decode('08 02 8001 01 1e 02 82 88 1e 02 82 82');
    assert.equal(r.message?.ies.length, 2);
    assert.deepEqual(r.ieErrors, []);
  });

  it('5.8.6.1: answers a SETUP without bearer capability with RELEASE COMPLETE cause 96 naming the IE', () => {
    assert.deepEqual(causeOf(decode(`08 02 0001 05 ${CHANNEL_1} ${CALLED}`)), { kind: 'release-complete', cause: 96, diagnostic: '04' });
  });

  it('5.8.6.1: clears a DISCONNECT without cause with RELEASE cause 96', () => {
    assert.deepEqual(causeOf(decode('08 02 8001 45')), { kind: 'release', cause: 96, diagnostic: '08' });
  });

  it('5.8.6.1: answers a STATUS without call state with STATUS cause 96 and does not act on it', () => {
    assert.deepEqual(causeOf(decode('08 02 8001 7d 08 02 82 9e')), { kind: 'status', cause: 96, diagnostic: '14' });
  });

  it('5.8.6.1: answers PROGRESS without progress indicator, NOTIFY without notification, RESTART without restart indicator with cause 96', () => {
    assert.deepEqual(causeOf(decode('08 02 8001 03')), { kind: 'status', cause: 96, diagnostic: '1e' });
    assert.deepEqual(causeOf(decode('08 02 8001 6e')), { kind: 'status', cause: 96, diagnostic: '27' });
    assert.deepEqual(causeOf(decode('08 02 0000 46')), { kind: 'status', cause: 96, diagnostic: '79' });
  });

  it('5.5.2 / 5.8.6.1: answers a RESTART of "indicated channels" without channel identification with STATUS cause 96', () => {
    assert.deepEqual(causeOf(decode('08 02 0000 46 79 01 80')), { kind: 'status', cause: 96, diagnostic: '18' });
    assert.deepEqual(decode('08 02 0000 46 79 01 87').action, { kind: 'process' });
  });

  it('5.5.2 / 5.8.7.3: a RESTART of all interfaces ignores a channel identification and reports cause 99', () => {
    const r = decode('08 02 0000 46 18 03 a9 83 81 79 01 87');
    assert.deepEqual(causeOf(r), { kind: 'process+status', cause: 99, diagnostic: '18' });
    assert.equal(firstIe(r.message ?? { ies: [] }, 'channel-identification'), undefined);
  });

  it('5.8.5.2: a RESTART ACKNOWLEDGE may repeat channel identification, one per interface of an NFAS group', () => {
    const r = decode('08 02 8000 4e 18 04 e9 80 83 81 18 04 e9 81 83 81 79 01 80');
    assert.deepEqual(r.ieErrors, []);
    assert.equal(r.message?.ies.filter((ie) => ie.kind === 'channel-identification').length, 2);
  });

  it('5.8.7.1 b), c): RELEASE answers an unrecognized IE in its RELEASE COMPLETE; RELEASE COMPLETE answers nothing', () => {
    assert.deepEqual(causeOf(decode('08 02 8001 4d 08 02 82 90 5f 01 00')), { kind: 'process+respond', cause: 99, diagnostic: '5f' });
    assert.deepEqual(decode('08 02 8001 5a 08 02 82 90 5f 01 00').action, { kind: 'process' });
  });

  it('5.8.6.1: RELEASE COMPLETE without cause is acted on as a normal release', () => {
    assert.deepEqual(decode('08 02 8001 5a').action, { kind: 'process' });
  });

  it('5.8.6.2: answers a SETUP whose bearer capability is malformed with RELEASE COMPLETE cause 100', () => {
    const r = decode(`08 02 0001 05 04 01 80 ${CHANNEL_1}`);
    assert.deepEqual(causeOf(r), { kind: 'release-complete', cause: 100, diagnostic: '04' });
    assert.match(r.ieErrors[0]?.detail ?? '', /bearer capability: 1 octets, octets 3 and 4 need 2/);
  });

  it('5.8.6.2: answers a RESTART with a reserved restart class with STATUS cause 100', () => {
    assert.deepEqual(causeOf(decode('08 02 0000 46 79 01 83')), { kind: 'status', cause: 100, diagnostic: '79' });
  });

  it('5.8.7.1: acts on a message with an unrecognized IE and reports it in STATUS cause 99', () => {
    const r = decode(`08 02 8001 01 5f 02 1234 ${CHANNEL_1}`);
    assert.deepEqual(causeOf(r), { kind: 'process+status', cause: 99, diagnostic: '5f' });
    assert.ok(firstIe(r.message ?? { ies: [] }, 'channel-identification'));
  });

  it('5.8.7.1: a clearing message carries cause 99 in its response instead of a STATUS', () => {
    assert.deepEqual(causeOf(decode('08 02 8001 45 08 02 82 90 5f 01 00')), { kind: 'process+respond', cause: 99, diagnostic: '5f' });
  });

  it('5.8.7.1: an unrecognized "comprehension required" IE (0000 xxxx) is treated as a missing mandatory IE', () => {
    assert.deepEqual(causeOf(decode(`08 02 0001 05 ${BC_SPEECH} 0a 01 00`)), { kind: 'release-complete', cause: 96, diagnostic: '0a' });
  });

  it('5.8.7.2: acts on a message whose optional IE is malformed and reports STATUS cause 100', () => {
    // Calling party number with a digit that has bit 8 set.
    const r = decode(`08 02 0001 05 ${BC_SPEECH} 6c 03 a1 31 b2`);
    assert.deepEqual(causeOf(r), { kind: 'process+status', cause: 100, diagnostic: '6c' });
    assert.match(r.ieErrors[0]?.detail ?? '', /calling party number: number digits are not IA5/);
  });

  it('5.8.7.2: reports an IE running past the end of the message as a content error', () => {
    const r = decode(`08 02 0001 05 ${BC_SPEECH} 70 09 a1 3132`);
    assert.deepEqual(causeOf(r), { kind: 'process+status', cause: 100, diagnostic: '70' });
    assert.match(r.ieErrors[0]?.detail ?? '', /announces 9 octets, 3 remain/);
  });

  it('4.5.2: passes codeset 6 IEs through after a non-locking shift and returns to codeset 0', () => {
    const r = decode(`08 02 0001 05 ${BC_SPEECH} 9e 28 03 414243 ${CALLED}`, '5ess');
    assert.deepEqual(r.action, { kind: 'process' });
    const ies = r.message?.ies ?? [];
    assert.deepEqual(ies[1], { kind: 'shift', locking: false, codeset: 6 });
    assert.deepEqual(ies[2], { kind: 'opaque', codeset: 6, identifier: 0x28, data: fromHex('414243') });
    assert.equal(ies[3]?.kind, 'called-party-number');
  });

  it('4.5.3: keeps every IE after a locking shift in the new codeset', () => {
    const r = decode(`08 02 0001 05 ${BC_SPEECH} 95 70 01 00 28 01 41`);
    const ies = r.message?.ies ?? [];
    assert.deepEqual(
      ies.slice(2).map((ie) => (ie.kind === 'opaque' ? [ie.codeset, ie.identifier] : ie.kind)),
      [
        [5, 0x70],
        [5, 0x28],
      ],
    );
  });

  it('4.5.3: a locking shift to a lower codeset is a content error and the IEs after it stay in the active codeset', () => {
    const r = decode(`08 02 0001 05 ${BC_SPEECH} 96 95 ${CALLED}`);
    assert.deepEqual(causeOf(r), { kind: 'process+status', cause: 100, diagnostic: '95' });
    const ies = r.message?.ies ?? [];
    assert.deepEqual(ies[1], { kind: 'shift', locking: true, codeset: 6 });
    assert.deepEqual(ies[2], { kind: 'opaque', codeset: 6, identifier: 0x70, data: fromHex('a131323334') });
  });

  it('4.5.4: a locking shift right after a non-locking one acts as the locking shift alone', () => {
    const r = decode(`08 02 0001 05 ${BC_SPEECH} 9e 95 70 01 00 28 01 41`);
    assert.deepEqual(
      (r.message?.ies ?? []).slice(1).map((ie) => (ie.kind === 'opaque' ? ie.codeset : ie.kind)),
      ['shift', 5, 5],
    );
    assert.deepEqual(r.ieErrors, []);
  });

  it('4.5.4: a non-locking shift followed by another shift shifts nothing and leaves the message', () => {
    const r = decode(`08 02 0001 05 ${BC_SPEECH} 99 98 a2 ${CALLED}`);
    assert.deepEqual(
      (r.message?.ies ?? []).map((ie) => ie.kind),
      ['bearer-capability', 'called-party-number'],
    );
    assert.deepEqual(r.ieErrors.map((e) => e.identifier), [0xa2]);
  });

  it('4.5.2: IEs of a reserved codeset are unrecognized (cause 99), never comprehension required', () => {
    assert.deepEqual(causeOf(decode(`08 02 0001 05 ${BC_SPEECH} 99 01 01 00`)), { kind: 'process+status', cause: 99, diagnostic: '01' });
  });
});

describe('Q.931 clause 5.8.3.2 / 5.8.4: messages that fit no call', () => {
  const msg = (hex: string) => {
    const m = decodeMessage(fromHex(hex), 'national').message;
    assert.ok(m);
    return m;
  };

  it('5.8.3.2: ignores a SETUP whose call reference flag says it comes from the side that did not allocate it', () => {
    assert.equal(decode(`08 02 8001 05 ${BC_SPEECH}`).action.kind, 'ignore');
  });

  it('5.8.3.2 d): ignores a RESUME whose call reference flag is 1 as well', () => {
    assert.equal(decode('08 02 8001 26').action.kind, 'ignore');
  });

  it('5.8.3.2: takes a SETUP for a new call reference', () => {
    assert.deepEqual(unknownCallReferenceAction(msg(`08 02 0001 05 ${BC_SPEECH}`)), { kind: 'process' });
  });

  it('5.8.3.2: answers RELEASE and any other call message for an unknown call with RELEASE COMPLETE cause 81', () => {
    assert.deepEqual(causeOf({ message: null, ieErrors: [], action: unknownCallReferenceAction(msg('08 02 8009 4d 08 02 82 90')) }), { kind: 'release-complete', cause: 81, diagnostic: '' });
    assert.deepEqual(causeOf({ message: null, ieErrors: [], action: unknownCallReferenceAction(msg('08 02 8009 07')) }), { kind: 'release-complete', cause: 81, diagnostic: '' });
  });

  it('5.8.3.2: does nothing with a RELEASE COMPLETE for an unknown call', () => {
    assert.equal(unknownCallReferenceAction(msg('08 02 8009 5a')).kind, 'ignore');
  });

  it('5.8.10: answers STATUS ENQUIRY for an unknown call with STATUS cause 30', () => {
    assert.deepEqual(causeOf({ message: null, ieErrors: [], action: unknownCallReferenceAction(msg('08 02 8009 75')) }), { kind: 'status', cause: 30, diagnostic: '' });
  });

  it('5.8.11: clears a STATUS reporting an active call we do not have with RELEASE COMPLETE cause 101, and ignores one reporting Null', () => {
    assert.equal(unknownCallReferenceAction(msg('08 02 8009 7d 08 02 82 9e 14 01 0a')).kind, 'release-complete');
    assert.equal(unknownCallReferenceAction(msg('08 02 8009 7d 08 02 82 9e 14 01 00')).kind, 'ignore');
  });

  it('5.8.4: answers a message the call state does not expect with STATUS cause 101, but still acts on RELEASE', () => {
    assert.deepEqual(causeOf({ message: null, ieErrors: [], action: unexpectedMessageAction(msg('08 02 8001 01')) }), { kind: 'status', cause: 101, diagnostic: '' });
    assert.deepEqual(unexpectedMessageAction(msg('08 02 8001 4d')), { kind: 'process' });
  });
});

describe('Q.931 clause 5.8.5.2 / 5.8.6.2 together', () => {
  it('a malformed first called party number is not rescued by a valid repetition (only the first is handled)', () => {
    const r = decodeMessage(fromHex(`08 02 0001 05 ${BC_SPEECH} 70 01 21 70 03 a1 3132`), 'national');
    assert.deepEqual(r.ieErrors.map((e) => [e.identifier, e.problem]), [
      [0x70, 'content'],
      [0x70, 'duplicated'],
    ]);
    assert.equal(firstIe(r.message ?? { ies: [] }, 'called-party-number'), undefined);
    assert.deepEqual(causeOf(r), { kind: 'process+status', cause: 100, diagnostic: '70' });
  });

  it('a malformed channel identification in a RESTART of indicated channels is a mandatory content error (STATUS 100)', () => {
    const r = decodeMessage(fromHex('08 02 0000 46 18 02 a9 83 79 01 80'), 'national');
    assert.equal(r.action.kind, 'status');
    assert.equal(r.action.kind === 'status' ? r.action.cause : 0, 100);
  });
});
