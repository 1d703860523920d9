import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IE_CODECS, SWITCH_VARIANTS, variantProfile, type SwitchVariant, type TypedIe } from '../../src/isdn/q931.js';
import { fromHex, toHex } from './hex.js';

type Kind = TypedIe['kind'];

/** Decodes captured IE contents, checks the fields, and encodes back to the same octets. */
function roundTrip(kind: Kind, hex: string, expected: Record<string, unknown>, variant: SwitchVariant = 'national'): void {
  const v = variantProfile(variant);
  const codec = IE_CODECS[kind] as unknown as (typeof IE_CODECS)['cause'];
  const r = codec.decode(fromHex(hex), v);
  assert.ok(r.ok, r.ok ? '' : r.error);
  for (const [field, want] of Object.entries(expected)) {
    assert.deepEqual((r.value as unknown as Record<string, unknown>)[field], want, `${kind}.${field} of ${hex}`);
  }
  assert.equal(toHex(codec.encode(r.value, v)), hex.replace(/\s+/g, ''));
  assert.equal(codec.length(r.value, v), fromHex(hex).length);
}

function contentError(kind: Kind, hex: string, pattern: RegExp, variant: SwitchVariant = 'national'): void {
  const codec = IE_CODECS[kind] as unknown as (typeof IE_CODECS)['cause'];
  const r = codec.decode(fromHex(hex), variantProfile(variant));
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.error, pattern);
}

describe('Q.931 information elements', () => {
  it('bearer capability (4.5.5): speech u-law, 3.1 kHz audio A-law, 64k unrestricted, 6x64k multirate, V.110', () => {
    roundTrip('bearer-capability', '80 90 a2', { transferCapability: 0, transferRate: 0x10, layer1Protocol: 2 });
    roundTrip('bearer-capability', '90 90 a3', { transferCapability: 0x10, layer1Protocol: 3 });
    roundTrip('bearer-capability', '88 90', { transferCapability: 8, layer1Protocol: undefined });
    roundTrip('bearer-capability', '88 98 86', { transferRate: 0x18, rateMultiplier: 6 });
    roundTrip('bearer-capability', '88 90 21 8f', { layer1Protocol: 1, layer1Extension: fromHex('8f') });
    contentError('bearer-capability', '80', /1 octets, octets 3 and 4 need 2/);
    contentError('bearer-capability', '80 90 a2 a2', /layer id 1 out of order/);
    contentError('bearer-capability', '88 90 21', /layer 1 octet group runs past the 3 octets/);
  });

  it('channel identification (4.5.13): T1/E1 exclusive and preferred, any channel, BRI, slot map, D-channel, NFAS interface', () => {
    roundTrip('channel-identification', 'a9 83 81', { interfaceType: 'primary', exclusive: true, selection: 1, channels: [1] });
    roundTrip('channel-identification', 'a1 83 9f', { exclusive: false, channels: [31] });
    roundTrip('channel-identification', 'a3', { selection: 3, channels: undefined });
    roundTrip('channel-identification', '89', { interfaceType: 'basic', exclusive: true, selection: 1 });
    roundTrip('channel-identification', 'a1 93 ff ff ff', { slotMap: fromHex('ffffff'), channels: undefined });
    roundTrip('channel-identification', 'ac', { dChannel: true, exclusive: true, selection: 0 });
    roundTrip('channel-identification', 'e9 82 83 81', { interfaceIdentifier: 2, channels: [1] });
    roundTrip('channel-identification', 'a9 83 01 02 83', { channels: [1, 2, 3] });
    contentError('channel-identification', 'e9 82 83 81', /EuroISDN \(ETSI DSS1\) has no interface identifier/, 'euroisdn');
    contentError('channel-identification', 'a9 83', /octet 3.3 missing/);
    contentError('channel-identification', '89 83 81', /basic interface with 2 octets after octet 3/);
  });

  it('called party number (4.5.8): national ISDN digits and overlap digits with * and #', () => {
    roundTrip('called-party-number', 'a1 33313235353531323334', { typeOfNumber: 2, numberingPlan: 1, digits: '3125551234' });
    roundTrip('called-party-number', '81 2a 36 37 23', { typeOfNumber: 0, digits: '*67#' });
    contentError('called-party-number', '21 83 31', /octet 3 lacks the extension bit/);
  });

  it('calling party number (4.5.10): presentation allowed / restricted / number not available, and screening', () => {
    roundTrip('calling-party-number', '21 83 32313235353531323132', { presentation: 0, screening: 3, digits: '2125551212' });
    roundTrip('calling-party-number', '21 a3 32313235353531323132', { presentation: 1 });
    roundTrip('calling-party-number', '00 c3', { presentation: 2, digits: '' });
    roundTrip('calling-party-number', 'a1 35353531303030', { presentation: undefined, digits: '5551000' });
    contentError('calling-party-number', '21 03 31', /octet 3a lacks the extension bit/);
  });

  it('connected number (Q.951) and redirecting number with reason (Q.952)', () => {
    roundTrip('connected-number', '21 81 3535', { presentation: 0, screening: 1, digits: '55' });
    roundTrip('redirecting-number', '21 03 8f 35353531303030', { screening: 3, reason: 15, digits: '5551000' });
    roundTrip('redirecting-number', '21 83 3535', { reason: undefined });
  });

  it('cause (4.5.12, Q.850): location, cause value, recommendation and diagnostics', () => {
    roundTrip('cause', '82 90', { location: 2, value: 16, diagnostics: undefined });
    roundTrip('cause', '81 a2', { location: 1, value: 34 });
    roundTrip('cause', '82 e0 04', { value: 96, diagnostics: fromHex('04') });
    roundTrip('cause', '02 80 90', { recommendation: 0, value: 16 });
    contentError('cause', '82', /1 octets, octets 3 and 4 need 2/);
    contentError('cause', '82 10', /octet 4 lacks the extension bit/);
  });

  it('progress indicator (4.5.23), display (4.5.16), notification (4.5.22), restart (4.5.25), call state (4.5.7), change status', () => {
    roundTrip('progress-indicator', '82 88', { location: 2, description: 8 });
    roundTrip('progress-indicator', 'e2 81', { codingStandard: 3, description: 1 });
    roundTrip('display', 'b1 41434d45', { displayType: 0xb1, text: 'ACME' });
    roundTrip('display', '41434d45', { displayType: undefined, text: 'ACME' }, 'euroisdn');
    roundTrip('display', 'b1 41', { displayType: 0xb1, text: 'A' }, 'euroisdn');
    contentError('display', '41 b1', /not IA5/, 'euroisdn');
    roundTrip('notification-indicator', '80', { description: 0 });
    roundTrip('restart-indicator', '87', { restartClass: 7 });
    contentError('restart-indicator', '82', /class 2 is reserved/);
    roundTrip('call-state', '0a', { value: 10 });
    roundTrip('change-status', 'c2', { channel: true, status: 2 });
    roundTrip('facility', '91 a1 03 02 01 01', { data: fromHex('91a103020101') });
  });

  for (const variant of SWITCH_VARIANTS) {
    it(`every IE codec survives random contents and re-encodes what it accepts (${variant})`, () => {
      const v = variantProfile(variant);
      for (const [kind, codec0] of Object.entries(IE_CODECS)) {
        const codec = codec0 as unknown as (typeof IE_CODECS)['cause'];
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 40 }), (contents) => {
            const r = codec.decode(contents, v);
            if (!r.ok) {
              assert.match(r.error, /^[a-z ]+: /, `${kind} error names the IE`);
              return;
            }
            const again = codec.encode(r.value, v);
            assert.equal(codec.length(r.value, v), again.length);
            assert.deepEqual(codec.decode(again, v), r);
          }),
          { numRuns: 300 },
        );
      }
    });
  }
});
