import assert from 'node:assert/strict';
import { Cause } from '../../src/call/q850.js';
import {
  MessageType,
  TransferCapability,
  UserInfoLayer1,
  bChannel,
  decodeMessage,
  encodeMessage,
  firstIe,
  messageLength,
  summarizeMessage,
  type Q931Message,
} from '../../src/isdn/q931.js';
import { fromHex, toHex } from './hex.js';

// A typical NI-2 SETUP towards the network: call reference 1, speech, exclusive
// B-channel 1, calling name as a typed display, calling and called numbers.
const NI2_SETUP =
  '08 02 0001 05' +
  '04 03 80 90 a2' + // bearer capability: ITU, speech, circuit 64k, G.711 u-law
  '18 03 a9 83 81' + // channel id: PRI, exclusive, as indicated; B-channel; channel 1
  '28 0b b1 4a6f686e20536d697468' + // display: type 0xb1 (calling name) "John Smith"
  '6c 0c 21 83 32313235353531323132' + // calling: national/ISDN, allowed, network provided, 2125551212
  '70 0b a1 33313235353531323334'; // called: national/ISDN, 3125551234

describe('Q.931 message codec', () => {
  it('decodes a captured NI-2 SETUP into typed IEs and encodes it back to the same octets', () => {
    const r = decodeMessage(fromHex(NI2_SETUP), 'national');
    assert.deepEqual(r.action, { kind: 'process' });
    assert.deepEqual(r.ieErrors, []);
    const m = r.message;
    assert.ok(m);
    assert.equal(m.protocolDiscriminator, 0x08);
    assert.deepEqual(m.callReference, { value: 1, flag: 0, length: 2 });
    assert.equal(m.messageType, MessageType.SETUP);
    const bc = firstIe(m, 'bearer-capability');
    assert.equal(bc?.transferCapability, TransferCapability.SPEECH);
    assert.equal(bc?.layer1Protocol, UserInfoLayer1.G711_ULAW);
    assert.deepEqual(firstIe(m, 'channel-identification'), bChannel(1, true));
    assert.deepEqual(firstIe(m, 'display'), { kind: 'display', displayType: 0xb1, text: 'John Smith' });
    const calling = firstIe(m, 'calling-party-number');
    assert.equal(calling?.digits, '2125551212');
    assert.equal(calling?.typeOfNumber, 2);
    assert.equal(calling?.presentation, 0);
    assert.equal(calling?.screening, 3);
    assert.equal(firstIe(m, 'called-party-number')?.digits, '3125551234');
    const again = encodeMessage(m, 'national');
    assert.equal(toHex(again), NI2_SETUP.replace(/\s+/g, ''));
    assert.equal(messageLength(m, 'national'), again.length);
  });

  it('builds a DISCONNECT with cause 16 (normal clearing) at the private network location', () => {
    const msg: Q931Message = {
      protocolDiscriminator: 0x08,
      callReference: { value: 0x1234, flag: 1, length: 2 },
      messageType: MessageType.DISCONNECT,
      ies: [{ kind: 'cause', codingStandard: 0, location: 1, value: Cause.NORMAL_CLEARING }],
    };
    assert.equal(toHex(encodeMessage(msg, 'euroisdn')), '080292344508028190');
  });

  it('summarizes a message on one line for logs', () => {
    const m = decodeMessage(fromHex(NI2_SETUP), 'national').message;
    assert.ok(m);
    assert.equal(summarizeMessage(m), 'SETUP cr=1/0 BC speech ulaw | CHAN B1 excl | DISPLAY "John Smith" | CGPN 2125551212 | CDPN 3125551234');
    const restart = decodeMessage(fromHex('08 02 0000 46 79 01 87'), 'national').message;
    assert.ok(restart);
    assert.equal(summarizeMessage(restart), 'RESTART cr=global RESTART-CLASS 7');
  });

  it('refuses to encode values that do not fit, naming the field and the sizes', () => {
    const base: Q931Message = { protocolDiscriminator: 8, callReference: { value: 1, flag: 0, length: 2 }, messageType: MessageType.DISCONNECT, ies: [] };
    const enc = (m: Partial<Q931Message>) => () => encodeMessage({ ...base, ...m }, 'national');
    assert.throws(enc({ ies: [{ kind: 'cause', codingStandard: 0, location: 2, value: 200 }] }), /cause: value 200 does not fit \(0\.\.127\)/);
    assert.throws(enc({ ies: [{ kind: 'cause', codingStandard: 0, location: 2, value: 16, diagnostics: new Uint8Array(29) }] }), /cause: 31 octets, at most 30/);
    assert.throws(enc({ ies: [{ kind: 'display', text: 'x'.repeat(81) }] }), /display: 81 octets, at most 80/);
    assert.throws(enc({ ies: [{ kind: 'display', text: 'Zoë' }] }), /display: text character 2 \(U\+eb\) is not IA5/);
    assert.throws(enc({ ies: [{ kind: 'facility', data: new Uint8Array(256) }] }), /facility: 256 octets, needs 1\.\.255/);
    assert.throws(enc({ callReference: { value: 0x8000, flag: 0, length: 2 } }), /call reference 32768 does not fit 2 octets \(0\.\.32767\)/);
    assert.throws(enc({ ies: [{ kind: 'shift', locking: false, codeset: 6 }, { kind: 'cause', codingStandard: 0, location: 2, value: 16 }] }), /cause: belongs to codeset 0, follows a shift to codeset 6/);
    assert.throws(enc({ ies: [{ kind: 'called-party-number', typeOfNumber: 2, numberingPlan: 1, presentation: 0, digits: '1' } as never] }), /called party number: has no presentation or screening/);
  });
});
