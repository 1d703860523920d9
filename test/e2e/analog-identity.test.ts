// An analog port's own identity (issue #7): the number and caller name of an
// FXS extension are the calling party of its phone's calls, in From and
// P-Asserted-Identity as SIPp receives them; an FXO line's own number is the
// called number of calls ringing in on it, and both show in the status.
import assert from 'node:assert/strict';
import { CentralOffice } from '../../src/sim/central-office.js';
import { Phone } from '../../src/sim/phone.js';
import { startSipp } from '../peers/sipp.js';
import { reservePort } from '../support/ports.js';
import { assertSipp, portInState, startAnalogGateway } from './gateway-fixture.js';

describe('analog port identity: FXS number and caller name to SIP, FXO line number (issue #7) @slow', function () {
  this.timeout(30000);

  it('a phone on an FXS port dials; the INVITE carries the port\'s number and caller name in From and P-Asserted-Identity', async () => {
    const trunkPort = await reservePort();
    const a = await startAnalogGateway({
      profile: 'sim-fxs4',
      ports: '      - { name: phone1, port: 1, signalling: fxs, callerId: bell202, number: "5550201", callerName: "Front Desk" }',
      trunkPort,
      trustedTrunk: true,
      routes: '  - { name: out, from: pstn, match: { called: "_NXXNXXXXXX" }, to: { trunks: [pbx] } }',
    });
    const port = a.gw.simPort('phone1')!;
    const phone = new Phone(port.sim, port.channel);
    try {
      const snap = a.registry.snapshot();
      const row = snap.ports.find((p) => p.name === 'phone1');
      assert.equal(row?.number, '5550201', 'status shows the extension\'s number');
      const uas = await startSipp({ scenario: 'gw-uas-fxs-identity.xml', transport: 'udp', port: trunkPort, timeoutS: 20 });
      phone.offhook();
      await portInState(a.registry, 'phone1', 'collecting');
      phone.dial('2125550142', 100, 100);
      assertSipp(await uas.done, 'From and P-Asserted-Identity "Front Desk" <sip:5550201@...>');
      const rows = await a.rows(1);
      assert.equal(rows[0]?.caller, '5550201', 'the CDR names the extension as the caller');
      assert.equal(rows[0]?.callee, '2125550142');
    } finally {
      phone.onhook();
      phone.close();
      await a.close();
    }
  });

  it('an FXO line with its own number and no destination: a ring without caller ID is a call to the line\'s number, still anonymous', async () => {
    const trunkPort = await reservePort();
    const a = await startAnalogGateway({
      profile: 'sim-fxo4',
      ports: '      - { name: line1, port: 1, signalling: fxo, number: "5550301", callerId: bell202 }',
      trunkPort,
      routes: '  - { name: in, from: pstn, to: { trunks: [pbx] } }',
    });
    const port = a.gw.simPort('line1')!;
    const co = new CentralOffice(port.sim, port.channel, { zone: 'us' });
    try {
      const s = a.registry.snapshot();
      assert.equal(s.ports.find((p) => p.name === 'line1')?.number, '5550301');
      const uas = await startSipp({ scenario: 'uas-busy.xml', transport: 'udp', port: trunkPort, timeoutS: 20 });
      co.ring(undefined, { maxRings: 4 });
      assertSipp(await uas.done, 'the INVITE from the line');
      const rows = await a.rows(1);
      assert.equal(rows[0]?.callee, '5550301', 'the line\'s own number is the called number');
      assert.equal(rows[0]?.caller, '', 'no caller ID from the office: the call stays anonymous, not "from" the line itself');
    } finally {
      co.close();
      await a.close();
    }
  });
});
