import assert from 'node:assert/strict';
import { CentralOffice } from '../../src/sim/central-office.js';
import { concatSamples, sineSignal } from '../../src/sim/sim-signals.js';
import { unusedPort } from '../support/ports.js';
import { eventually, quietFor } from '../support/waiting.js';
import { cdrRows, PBX_CALLER, startTestGateway, toneShare, type TestGateway } from './gateway-fixture.js';

function until(what: string, ok: () => boolean, timeoutMs: number, t: TestGateway): Promise<true> {
  return eventually(what, () => {
    assert.ok(ok(), `gateway log:\n${t.logs.join('\n')}`);
    return true;
  }, { timeoutMs });
}

describe('PSTN -> PSTN failover: the PBX\'s call leaves on an FXO line to the central office when the route\'s trunk is down @slow', function () {
  this.timeout(40000);
  let t: TestGateway;
  let co: CentralOffice;
  before(async () => {
    // The trunk's port has no SIP peer: one unanswered OPTIONS marks it down.
    const dead = await unusedPort();
    t = await startTestGateway(`version: 1
toneZone: us
cards:
  - name: card0
    profile: sim-t1
    spans:
      - { name: pbx, span: 1, signalling: pri, side: network, switchType: national }
  - name: analog
    profile: sim-fxo4
    ports:
      - { name: co1, port: 1, signalling: fxo }
lineGroups:
  - { name: pbx-trunk, lines: [pbx] }
  - { name: office, lines: [co1] }
sipTrunks:
  - { name: carrier, host: 127.0.0.1, port: ${dead}, allowedAddresses: [127.0.0.1], keepalive: { interval: 1, failures: 1 }, codecs: [pcmu, telephone-event] }
routes:
  - { name: pbx-out, from: pstn, match: { called: "_NXXXXXX" }, to: { trunks: [carrier], lineGroup: office, prefer: sip, failover: true } }
media:
  codecs: [pcmu]
sip: { listen: "127.0.0.1:0" }
calls: { noAnswerTimeout: 30 }
cdr: { database: cdr.sqlite }
`);
    const port = t.gw.simPort('co1')!;
    co = new CentralOffice(port.sim, port.channel, { zone: 'us' });
  });
  after(async () => {
    co?.close();
    await t?.close();
  });

  it('dials the called number on the office line, answers, passes audio both ways, maps the release cause, and the CDR names the FXO line', async () => {
    await until('the trunk found down', () => !t.gw.sip.trunkUp('carrier'), 5000, t);
    const seized = new Promise<void>((r) => co.once('seized', () => r()));
    t.pbx.command(`call h1 any 5553000 ${PBX_CALLER}`);
    await seized;
    await until('the office receives 5553000', () => co.digits === '5553000', 8000, t);
    // The line has no answer supervision by default: answered once dialing is done.
    await t.pbx.waitFor('answer', { id: 'h1' });
    const calls = t.registry.snapshot().calls;
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.port, 'co1:1', 'the call holds the office line');
    assert.equal(calls[0]!.trunk, null);
    assert.equal(calls[0]!.direction, 'pstn-to-pstn');
    // The office's tones (dial tone, digits) drain from the line before the audio is measured.
    await quietFor(300);

    // Audio: 1000 Hz from the PBX's B-channel reaches the office; 600 Hz from the office reaches the PBX.
    const access = t.gw.simSpan('pbx')!;
    const caller = t.gw.router.activeCalls[0]!.caller;
    assert.equal(caller?.address.line, 'pbx', 'the calling leg is the PBX span');
    const channel = access.bChannel(caller.address.channel);
    access.sim.receiveAudio(channel);
    co.startCapture();
    const heard: Int16Array[] = [];
    const poll = setInterval(() => heard.push(access.sim.receiveAudio(channel)), 20);
    try {
      access.sim.sendAudio(channel, sineSignal(1000, 1000));
      co.play(sineSignal(600, 1000));
      await eventually('1.3 s of audio at both ends', () => concatSamples(heard).length >= 8000 * 1.3 && co.capturedAudio().length >= 8000 * 1.3);
    } finally {
      clearInterval(poll);
    }
    const atOffice = co.capturedAudio();
    const atPbx = concatSamples(heard);
    assert.ok(toneShare(atOffice, 1000) > 0.5, `the office hears the PBX's 1000 Hz (share ${toneShare(atOffice, 1000).toFixed(2)} of ${atOffice.length} samples)`);
    assert.ok(toneShare(atPbx, 600) > 0.5, `the PBX hears the office's 600 Hz (share ${toneShare(atPbx, 600).toFixed(2)} of ${atPbx.length} samples)`);

    // The office clears (loop current drop): DISCONNECT cause 16 towards the PBX.
    co.hangup('loopCurrent');
    const cleared = await t.pbx.waitFor(['disconnect', 'hangup'], { id: 'h1' });
    assert.equal(cleared.fields.cause, '16');

    const [row] = await cdrRows(t.dir, 1);
    assert.ok(row, 'a CDR row');
    assert.equal(row.direction, 'pstn-to-pstn');
    assert.equal(row.route, 'pbx-out');
    assert.equal(row.caller, PBX_CALLER);
    assert.equal(row.callee, '5553000');
    assert.equal(row.line, 'co1', 'the PSTN destination');
    assert.equal(row.channel, 1);
    assert.equal(row.trunk, undefined);
    assert.equal(row.hungUpBy, 'pstn');
    assert.equal(row.pstnCause, 16);
    assert.ok(row.answer !== undefined);
  });
});
