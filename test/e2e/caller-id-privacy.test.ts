// Caller-ID privacy end to end (issue #7): a PBX caller with presentation
// restricted (Q.931 clause 4.5.10) reaches SIP anonymous with the identity
// asserted only to a trusted trunk (RFC 3323, RFC 3325); a SIP caller with
// Privacy: id reaches the PBX restricted with the number kept, and an FXS
// phone as "P" (private) in the caller ID message minimodem decodes; a
// private caller on an FXO line reaches SIP with Privacy: id.
import assert from 'node:assert/strict';
import { CentralOffice } from '../../src/sim/central-office.js';
import { Phone } from '../../src/sim/phone.js';
import { minimodemReceive, requireTool } from '../peers/signals.js';
import { startSipp } from '../peers/sipp.js';
import { reservePort } from '../support/ports.js';
import { eventually } from '../support/waiting.js';
import { assertSipp, gatewayYaml, PBX_CALLER, startAnalogGateway, startTestGateway, type TestGateway } from './gateway-fixture.js';

/** Parameters of the first MDMF message (type 0x80, GR-30-CORE §5.3) in what minimodem decoded: type -> value. */
function mdmfParams(bytes: Buffer): Map<number, string> | null {
  for (let i = 0; i + 2 <= bytes.length; i++) {
    if (bytes[i] !== 0x80) continue;
    const end = i + 2 + bytes[i + 1]!;
    if (end > bytes.length) continue;
    const params = new Map<number, string>();
    let j = i + 2;
    while (j + 2 <= end) {
      const len = bytes[j + 1]!;
      params.set(bytes[j]!, bytes.subarray(j + 2, j + 2 + len).toString('latin1'));
      j += 2 + len;
    }
    if (j === end) return params;
  }
  return null;
}

/** Presentation indicator of a libpri "pres" field (Q.931 clause 4.5.10 octet 3a bits 7-6). */
function presentation(pres: string | undefined): string {
  const p = (Number(pres) >> 5) & 3;
  return p === 0 ? 'allowed' : p === 1 ? 'restricted' : p === 2 ? 'unavailable' : `pres=${pres}`;
}

describe('caller-ID privacy end to end: PRI presentation restricted <-> SIP Privacy: id, FXS and FXO caller ID "P" (issue #7) @slow', function () {
  this.timeout(30000);

  describe('PRI span, a trusted and an untrusted trunk', () => {
    let t: TestGateway;
    let trusted: number;
    let untrusted: number;
    before(async () => {
      trusted = await reservePort();
      untrusted = await reservePort();
      t = await startTestGateway(
        gatewayYaml({
          trunkPorts: [trusted, untrusted],
          routes: `  - { name: trusted-out, from: pstn, match: { called: "_555XXXX" }, to: { trunks: [carrier] } }
  - { name: untrusted-out, from: pstn, match: { called: "_556XXXX" }, to: { trunks: [carrier2] } }
  - { name: did, from: sip, match: { called: "_4XXX" }, to: { lineGroup: pbx-trunk } }`,
        }).replace('name: carrier, host', 'name: carrier, trusted: true, host'),
      );
    });
    after(async () => t?.close());

    it('PSTN -> trusted SIP trunk: presentation restricted is From anonymous, the number in P-Asserted-Identity, Privacy: id', async () => {
      const uas = await startSipp({ scenario: 'gw-uas-privacy.xml', transport: 'udp', port: trusted });
      t.pbx.command(`call p1 any 5551234 ${PBX_CALLER} restricted`);
      const cleared = await t.pbx.waitFor(['disconnect', 'hangup'], { id: 'p1' });
      assertSipp(await uas.done, 'anonymous From, asserted identity, Privacy: id');
      assert.equal(cleared.fields.cause, '17', '486 -> cause 17 (RFC 3398 §8.2.6.1)');
    });

    it('PSTN -> untrusted SIP trunk: presentation restricted leaves the number out of the INVITE altogether', async () => {
      const uas = await startSipp({ scenario: 'gw-uas-privacy-untrusted.xml', transport: 'udp', port: untrusted });
      t.pbx.command(`call p2 any 5561234 ${PBX_CALLER} restricted`);
      await t.pbx.waitFor(['disconnect', 'hangup'], { id: 'p2' });
      assertSipp(await uas.done, 'anonymous From, Privacy: id, no P-Asserted-Identity, the number nowhere');
    });

    it('trusted SIP -> PSTN: Privacy: id with P-Asserted-Identity is a SETUP with the asserted number, presentation restricted', async () => {
      const uac = await startSipp({ scenario: 'gw-uac-privacy.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '4501', keys: { calling: '3125550199', rtp: String(await reservePort()) } });
      const ring = await t.pbx.waitFor('ring', { called: '4501' }).catch(async (err: Error) => {
        throw new Error(`${err.message}\nSIPp:\n${(await uac.done).output}`);
      });
      t.pbx.command(`alert ${ring.fields.id}`);
      t.pbx.command(`answer ${ring.fields.id}`);
      assertSipp(await uac.done, 'the call');
      assert.equal(ring.fields.calling, '3125550199', 'the number stays in the calling party IE for the network to withhold');
      assert.equal(presentation(ring.fields.pres), 'restricted', `Q.931 clause 4.5.10 octet 3a (${ring.line})`);
    });

    it('SIP -> PSTN without privacy: the same caller is presentation allowed (the mapping tells them apart)', async () => {
      const uac = await startSipp({ scenario: 'gw-uac-call.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '4502', keys: { calling: '3125550199' } });
      const ring = await t.pbx.waitFor('ring', { called: '4502' });
      t.pbx.command(`alert ${ring.fields.id}`);
      t.pbx.command(`answer ${ring.fields.id}`);
      assertSipp(await uac.done, 'the call');
      assert.equal(ring.fields.calling, '3125550199');
      assert.equal(presentation(ring.fields.pres), 'allowed', ring.line);
    });
  });

  it('SIP -> FXS: Privacy: id from an untrusted trunk rings the phone with caller ID "P" (private) and no number', async () => {
    requireTool('minimodem');
    const a = await startAnalogGateway({
      profile: 'sim-fxs4',
      ports: '      - { name: phone1, port: 1, signalling: fxs, callerId: bell202 }',
      lineGroups: 'lineGroups:\n  - { name: phones, lines: [phone1] }',
      trunkPort: await reservePort(),
      routes: '  - { name: to-phones, from: sip, match: { called: "_4XXX" }, to: { lineGroup: phones } }',
    });
    const port = a.gw.simPort('phone1')!;
    const phone = new Phone(port.sim, port.channel);
    try {
      const t0 = Date.now();
      const uac = await startSipp({ scenario: 'gw-uac-privacy.xml', transport: 'udp', remote: `127.0.0.1:${a.gw.sipPort}`, service: '4001', keys: { calling: '3125550199', rtp: String(await reservePort()) }, timeoutS: 20 });
      // Bell 202 caller ID goes between the first and the second ring (GR-30-CORE §3.1).
      await eventually('the phone to ring twice', () => phone.rings.filter((r) => r.on).length >= 2, { timeoutMs: 12000 });
      const decoded = minimodemReceive(phone.heard(t0), 'bell202');
      phone.offhook();
      assertSipp(await uac.done, '180 while ringing, 200 off hook');
      const params = mdmfParams(decoded);
      assert.ok(params, `an MDMF message in what minimodem decoded: ${JSON.stringify(decoded.toString('latin1'))}`);
      assert.equal(params.get(0x04), 'P', `reason for absence of number: P (private), got ${JSON.stringify([...params])}`);
      assert.equal(params.has(0x02), false, 'no calling number parameter');
      assert.ok(!decoded.toString('latin1').includes('3125550199'), 'the number is not on the line');
    } finally {
      phone.close();
      await a.close();
    }
  });

  it('FXO -> SIP: the office\'s caller ID "P" (private) leaves as From anonymous with Privacy: id, so the far side can tell it from unavailable', async () => {
    const trunkPort = await reservePort();
    const a = await startAnalogGateway({
      profile: 'sim-fxo4',
      ports: '      - { name: line1, port: 1, signalling: fxo, destination: "5552000", callerId: bell202 }',
      trunkPort,
      routes: '  - { name: lines-to-pbx, from: pstn, to: { trunks: [pbx] } }',
    });
    const port = a.gw.simPort('line1')!;
    const co = new CentralOffice(port.sim, port.channel, { zone: 'us' });
    try {
      const uas = await startSipp({ scenario: 'gw-uas-privacy-untrusted.xml', transport: 'udp', port: trunkPort, timeoutS: 15 });
      co.ring({ numberAbsence: 'P', nameAbsence: 'P', dateTime: '11291200' }, { maxRings: 3 });
      assertSipp(await uas.done, 'From anonymous, Privacy: id, no number');
    } finally {
      co.close();
      await a.close();
    }
  });
});
