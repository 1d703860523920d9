import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MaintenanceMessageType,
  MessageType,
  ProgressDescription,
  SWITCH_VARIANTS,
  bChannel,
  calledPartyNumberFor,
  callingName,
  callingNameIes,
  callingPartyNumberFor,
  decodeMessage,
  encodeMessage,
  firstIe,
  interworkingProgressFor,
  progressIndicatorFor,
  qsigCallingName,
  qsigCallingNameFacility,
  setupChannelFor,
  spanChannelError,
  variantProfile,
  type Q931Message,
  type SwitchVariant,
} from '../../src/isdn/q931.js';
import { fromHex, toHex } from './hex.js';

function setup(variant: SwitchVariant, channel: number, name: string): Q931Message {
  return {
    protocolDiscriminator: 0x08,
    callReference: { value: 5, flag: 0, length: 2 },
    messageType: MessageType.SETUP,
    ies: [
      { kind: 'bearer-capability', codingStandard: 0, transferCapability: 0, transferMode: 0, transferRate: 0x10, layer1Protocol: variant === 'euroisdn' ? 3 : 2 },
      setupChannelFor(channel, variant),
      ...callingNameIes(name, variant).filter((ie) => ie.kind === 'facility' || ie.kind === 'display'),
      callingPartyNumberFor('5551000', variant),
      calledPartyNumberFor('5552000', variant),
      ...callingNameIes(name, variant).filter((ie) => ie.kind === 'shift' || ie.kind === 'opaque'),
    ],
  };
}

describe('Q.931 switch variants', () => {
  it('carries the calling name as a typed display on NI-2 and DMS-100 (ANSI T1.607 display type 0xb1)', () => {
    for (const v of ['national', 'dms100'] as const) {
      const hex = toHex(encodeMessage(setup(v, 1, 'ACME'), v));
      assert.match(hex, /2805b141434d45/);
      const r = decodeMessage(fromHex(hex), v);
      assert.equal(callingName(r.message?.ies ?? [], v), 'ACME');
    }
  });

  it('carries the calling name in codeset 6 behind a non-locking shift on 5ESS and 4ESS', () => {
    for (const v of ['5ess', '4ess'] as const) {
      const hex = toHex(encodeMessage(setup(v, 1, 'ACME'), v));
      assert.match(hex, /9e280441434d45$/);
      assert.doesNotMatch(hex, /2805b1/);
      assert.equal(callingName(decodeMessage(fromHex(hex), v).message?.ies ?? [], v), 'ACME');
    }
  });

  it('reads a calling name in any form whatever the variant, preferring the variant\'s own form', () => {
    // A typed display in codeset 0 on a 5ESS span (as libpri sends it on every AT&T variant).
    const typed = decodeMessage(fromHex(`08 02 0001 05 04 03 80 90 a2 28 05 b1 41434d45`), '5ess');
    assert.deepEqual(typed.ieErrors, []);
    assert.equal(callingName(typed.message?.ies ?? [], '5ess'), 'ACME');
    const both = decodeMessage(fromHex(`08 02 0001 05 04 03 80 90 a2 28 05 b1 4f544852 9e 28 04 41434d45`), '5ess');
    assert.equal(callingName(both.message?.ies ?? [], '5ess'), 'ACME');
    assert.equal(callingName(both.message?.ies ?? [], 'national'), 'OTHR');
  });

  it('carries a plain display on EuroISDN', () => {
    const hex = toHex(encodeMessage(setup('euroisdn', 1, 'ACME'), 'euroisdn'));
    assert.match(hex, /280441434d45/);
    assert.equal(callingName(decodeMessage(fromHex(hex), 'euroisdn').message?.ies ?? [], 'euroisdn'), 'ACME');
  });

  it('carries the QSIG calling name as an ECMA-164 callingName invoke in a facility IE, with no display', () => {
    const hex = toHex(encodeMessage(setup('qsig', 1, 'ACME'), 'qsig'));
    assert.match(hex, new RegExp('1c1a 9f aa06800100820100 8b0100 a10c 020101 020100 800441434d45 6c'.replace(/ /g, '')));
    assert.doesNotMatch(hex, /28..41434d45/);
    assert.equal(callingName(decodeMessage(fromHex(hex), 'qsig').message?.ies ?? [], 'qsig'), 'ACME');
  });

  it('reads a QSIG name in the extended form and never throws on a malformed facility', () => {
    // invoke { id 5, callingName, namePresentationAllowedExtended { nameData "Bob", characterSet 1 } }
    const extended = fromHex('9f a1 10 020105 020100 a1 08 0403426f62 020101');
    assert.equal(qsigCallingName(extended), 'Bob');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), (b) => {
        const name = qsigCallingName(Uint8Array.from([0x9f, ...b]));
        assert.ok(name === undefined || typeof name === 'string');
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 50 }), (name) => {
        assert.equal(qsigCallingName(qsigCallingNameFacility(name)), name);
      }),
    );
    assert.throws(() => qsigCallingNameFacility('x'.repeat(51)), /51 characters, needs 1\.\.50/);
  });

  it('asks for a T1 B-channel exclusively on national variants and preferred on an E1 (ETSI), timeslot 17', () => {
    assert.equal(toHex(encodeMessage({ ...setup('national', 23, 'A'), ies: [setupChannelFor(23, 'national')] }, 'national')), '0802000505' + '1803a98397');
    assert.equal(toHex(encodeMessage({ ...setup('euroisdn', 17, 'A'), ies: [setupChannelFor(17, 'euroisdn')] }, 'euroisdn')), '0802000505' + '1803a18391');
  });

  it('names B-channels on another span of an NFAS group by interface identifier, which ETSI rejects', () => {
    const ci = setupChannelFor(5, 'national', 1);
    const hex = toHex(encodeMessage({ ...setup('national', 5, 'A'), ies: [ci] }, 'national'));
    assert.equal(hex, '0802000505' + '1804e9818385');
    assert.deepEqual(firstIe(decodeMessage(fromHex(hex), 'national').message ?? { ies: [] }, 'channel-identification'), ci);
    const etsi = decodeMessage(fromHex(hex), 'euroisdn');
    assert.equal(etsi.ieErrors[0]?.problem, 'content');
    assert.match(etsi.ieErrors[0]?.detail ?? '', /no interface identifier/);
    assert.throws(() => setupChannelFor(5, 'euroisdn', 1), /EuroISDN \(ETSI DSS1\) has no interface identifier/);
  });

  it('sends SERVICE under discriminator 0x43 on NI-2, 0x03 on AT&T switches and DMS-100, none on ETSI/QSIG', () => {
    const expected: Record<SwitchVariant, number | null> = { national: 0x43, dms100: 0x03, '5ess': 0x03, '4ess': 0x03, euroisdn: null, qsig: null };
    for (const v of SWITCH_VARIANTS) {
      const pd = variantProfile(v).maintenanceDiscriminator;
      assert.equal(pd, expected[v], v);
      const service: Q931Message = {
        protocolDiscriminator: pd ?? 0x03,
        callReference: { value: 0, flag: 0, length: 2 },
        messageType: MaintenanceMessageType.SERVICE,
        ies: [{ kind: 'change-status', channel: true, status: 2 }, setupChannelFor(3, v)],
      };
      const r = decodeMessage(encodeMessage(service, v), v);
      assert.equal(r.action.kind, pd === null ? 'ignore' : 'process', v);
    }
  });

  it('marks the SIP side as non-ISDN where the switch takes it: NI-2 in SETUP, all but DMS-100 in answers', () => {
    const hex = (v: SwitchVariant, m: 'setup' | 'answer') => {
      const pi = interworkingProgressFor(v, m);
      return pi === undefined ? null : toHex(encodeMessage({ protocolDiscriminator: 8, callReference: { value: 1, flag: 1, length: 2 }, messageType: MessageType.PROGRESS, ies: [pi] }, v));
    };
    // Q.931 clause 4.5.23: ITU-T coding, location 1 (private network serving the local user).
    assert.equal(hex('national', 'setup'), '08028001031e028183');
    assert.equal(hex('national', 'answer'), '08028001031e028182');
    assert.equal(hex('5ess', 'setup'), null);
    assert.equal(hex('5ess', 'answer'), '08028001031e028182');
    assert.equal(hex('dms100', 'setup'), null);
    assert.equal(hex('dms100', 'answer'), null);
    assert.deepEqual(progressIndicatorFor(ProgressDescription.INBAND_AVAILABLE, 'euroisdn'), { kind: 'progress-indicator', codingStandard: 0, location: 1, description: 8 });
  });

  it('gives untyped numbers the type and plan of the variant (unknown/ISDN, national/ISDN on AT&T, private plan on QSIG)', () => {
    assert.deepEqual([calledPartyNumberFor('1', 'national').typeOfNumber, calledPartyNumberFor('1', 'national').numberingPlan], [0, 1]);
    assert.deepEqual([calledPartyNumberFor('1', '4ess').typeOfNumber, calledPartyNumberFor('1', '4ess').numberingPlan], [2, 1]);
    assert.deepEqual([calledPartyNumberFor('1', 'qsig').typeOfNumber, calledPartyNumberFor('1', 'qsig').numberingPlan], [0, 9]);
  });

  it('rejects an unknown variant name with the list of known ones', () => {
    assert.throws(() => variantProfile('ni1' as SwitchVariant), /switch variant "ni1" is not one of national, dms100, 5ess, 4ess, euroisdn, qsig/);
  });
});

describe('Q.931 channel identification on T1 and E1 spans', () => {
  it('accepts B-channels 1..23 of a T1 and refuses the D-channel timeslot 24 unless NFAS names another interface', () => {
    assert.equal(spanChannelError(bChannel(1, true), 'T1'), null);
    assert.equal(spanChannelError(bChannel(23, true), 'T1'), null);
    assert.match(spanChannelError(bChannel(24, true), 'T1') ?? '', /channel 24 is not a B-channel of a T1 \(1\.\.23\)/);
    assert.equal(spanChannelError(bChannel(24, true, 1), 'T1'), null);
  });

  it('accepts E1 timeslots 1..15 and 17..31 and refuses 16, the D-channel', () => {
    assert.equal(spanChannelError(bChannel(1, false), 'E1'), null);
    assert.equal(spanChannelError(bChannel(31, false), 'E1'), null);
    assert.match(spanChannelError(bChannel(16, false), 'E1') ?? '', /timeslot 16 is not a B-channel of an E1/);
    assert.match(spanChannelError(bChannel(32, false), 'E1') ?? '', /timeslot 32/);
  });
});
