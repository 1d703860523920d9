import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CdrStore, type Cdr } from '../../src/call/cdr-store.js';
import { CentralOffice } from '../../src/sim/central-office.js';
import { DtmfDetector } from '../../src/sim/dtmf-detector.js';
import { Phone } from '../../src/sim/phone.js';
import type { SipCall } from '../../src/sip/sip-call.js';
import { dtmfSignal } from '../../src/sim/sim-signals.js';
import { startSipp } from '../peers/sipp.js';
import { reservePort, unusedPort } from '../support/ports.js';
import { eventually, quietFor } from '../support/waiting.js';
import { assertSipp, callInState, cdrRows, gatewayYaml, PBX_CALLER, startAnalogGateway, startTestGateway, type TestGateway } from './gateway-fixture.js';


/** The PBX's next ring for a number; on failure the gateway's log says why. */
function ringFor(t: TestGateway, called: string): ReturnType<TestGateway['pbx']['waitFor']> {
  return t.pbx.waitFor('ring', { called }).catch((err: Error) => {
    throw new Error(`${err.message}\ngateway log:\n${t.logs.join('\n')}`);
  });
}

function cdrs(t: TestGateway, count: number): Promise<Cdr[]> {
  return cdrRows(t.dir, count);
}

describe('gateway end to end on the emulated card: libpri as the PBX on a PRI span, the central office on an FXO port, SIPp as the trunk @slow', function () {
  this.timeout(30000);

  describe('one trunk', () => {
    let t: TestGateway;
    let trunkPort: number;
    before(async () => {
      trunkPort = await reservePort();
      t = await startTestGateway(gatewayYaml({ trunkPorts: [trunkPort], noAnswerS: 1.5 }));
    });
    after(async () => t?.close());

    it('PSTN -> SIP: a SETUP from the PBX arrives as an INVITE with its numbers; ringing, answer and release map through, and the CDR says so', async () => {
      const uas = await startSipp({ scenario: 'gw-uas-answer.xml', transport: 'udp', port: trunkPort, keys: { called: '5551234', calling: PBX_CALLER, cause: '16' } });
      t.pbx.command(`call c1 any 5551234 ${PBX_CALLER}`);
      await t.pbx.waitFor('proceeding', { id: 'c1' });
      // 180 from SIP without SDP: ALERTING towards the PBX, and we play the ringback in-band.
      await t.pbx.waitFor('ringing', { id: 'c1' });
      await t.pbx.waitFor('answer', { id: 'c1' });
      const calls = t.registry.snapshot().calls;
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.state, 'connected');
      assert.equal(calls[0]!.direction, 'pstn-to-sip');
      assert.equal(calls[0]!.trunk, 'carrier');
      assert.equal(calls[0]!.port, 'pbx:23', 'the network side hunts from the top B-channel');
      assert.equal(calls[0]!.codec, 'PCMU');
      t.pbx.command('hangup c1 16');
      assertSipp(await uas.done, 'UAS sees the INVITE and BYE with cause 16');
      const [row] = await cdrs(t, 1);
      assert.ok(row, 'a CDR row');
      assert.equal(row.direction, 'pstn-to-sip');
      assert.equal(row.caller, PBX_CALLER);
      assert.equal(row.callee, '5551234');
      assert.equal(row.route, 'pbx-out');
      assert.equal(row.line, 'pbx');
      assert.equal(row.trunk, 'carrier');
      assert.equal(row.codec, 'PCMU');
      assert.equal(row.hungUpBy, 'pstn');
      assert.equal(row.pstnCause, 16);
      assert.ok(row.answer !== undefined && row.answer >= row.start && row.end >= row.answer, 'answered between start and end');
      assert.equal(t.registry.snapshot().calls.length, 0, 'the call is gone from status');
    });

    it('PSTN -> SIP: a digit the PBX sends in-band leaves as RFC 4733 and, echoed by SIPp, comes back in-band', async () => {
      // SIPp's -rtp_echo returns our telephone-events; the gateway plays what it receives onto the B-channel.
      const uas = await startSipp({ scenario: 'gw-uas-answer.xml', transport: 'udp', port: trunkPort, extra: ['-rtp_echo'] });
      t.pbx.command(`call d1 any 5554321 ${PBX_CALLER}`);
      await t.pbx.waitFor('answer', { id: 'd1' });
      const access = t.gw.simSpan('pbx')!;
      const channel = access.bChannel(Number(t.registry.snapshot().calls[0]!.port!.split(':')[1]));
      const detector = new DtmfDetector();
      const heard: string[] = [];
      access.sim.receiveAudio(channel);
      const poll = setInterval(() => heard.push(...detector.push(access.sim.receiveAudio(channel))), 20);
      try {
        access.sim.sendAudio(channel, dtmfSignal('5', 120, 120));
        await eventually('the digit back on the B-channel', () => heard.length > 0);
      } finally {
        clearInterval(poll);
      }
      const sip = t.gw.router.activeCalls[0]!.sip as SipCall;
      // The event counts once its end packets are in (RFC 4733 §2.5.1.4).
      await eventually('the echoed event counted', () => (sip.mediaStats()?.digitsReceived ?? 0) >= 1);
      const rtp = sip.mediaStats();
      t.pbx.command('hangup d1 16');
      assertSipp(await uas.done, 'the call');
      assert.deepEqual(heard, ['5']);
      assert.equal(rtp?.digitsSent, 1, 'the digit left as an RFC 4733 event');
      assert.equal(rtp?.digitsReceived, 1, `and came back as one (${JSON.stringify(rtp)})`);
    });

    it('PSTN -> SIP with overlap dialing: the INVITE waits for the complete number', async () => {
      const uas = await startSipp({ scenario: 'gw-uas-answer.xml', transport: 'udp', port: trunkPort, keys: { called: '5559876', calling: PBX_CALLER, cause: '16' } });
      t.pbx.command(`call c2 any 555 ${PBX_CALLER} overlap`);
      await t.pbx.waitFor('setup-ack', { id: 'c2' });
      // No call may start before the number is complete.
      await quietFor(200);
      assert.equal(t.registry.snapshot().calls.length, 0, 'no call before the number is complete');
      t.pbx.command('digits c2 9876');
      await t.pbx.waitFor('answer', { id: 'c2' });
      t.pbx.command('hangup c2 16');
      assertSipp(await uas.done, 'UAS gets the whole number');
    });

    it('SIP -> PSTN: an INVITE to a DID rings the PBX on a free B-channel; answer and BYE map through', async () => {
      const uac = await startSipp({ scenario: 'gw-uac-call.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '4321', keys: { calling: '3125550199' } });
      const ring = await ringFor(t, '4321');
      assert.equal(ring.fields.calling, '3125550199');
      assert.ok(Number(ring.fields.channel) >= 1 && Number(ring.fields.channel) <= 23, `B-channel ${ring.fields.channel}`);
      const id = ring.fields.id!;
      t.pbx.command(`alert ${id}`);
      await callInState(t.registry, 'alerting');
      t.pbx.command(`answer ${id}`);
      const cleared = await t.pbx.waitFor(['disconnect', 'hangup'], { id });
      assert.equal(cleared.fields.cause, '16', 'BYE -> DISCONNECT cause 16 (RFC 3398 §8.2.6.1)');
      assertSipp(await uac.done, 'UAC call');
      const rows = await cdrs(t, 3);
      const row = rows.find((r) => r.direction === 'sip-to-pstn' && r.callee === '4321');
      assert.ok(row, 'a CDR row of the DID call');
      assert.equal(row.hungUpBy, 'sip');
      assert.equal(row.caller, '3125550199');
      assert.ok(row.answer !== undefined);
    });

    it('SIP -> PSTN: RFC 4733 digits from SIP are played in-band on the B-channel, where the PBX side hears them', async () => {
      const uac = await startSipp({ scenario: 'gw-uac-dtmf.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '4325', keys: { calling: '3125550199' } });
      const ring = await ringFor(t, '4325');
      const access = t.gw.simSpan('pbx')!;
      const channel = access.bChannel(Number(ring.fields.channel));
      const detector = new DtmfDetector();
      const heard: string[] = [];
      access.sim.receiveAudio(channel); // what was sent before the answer
      const poll = setInterval(() => heard.push(...detector.push(access.sim.receiveAudio(channel))), 20);
      try {
        t.pbx.command(`alert ${ring.fields.id}`);
        t.pbx.command(`answer ${ring.fields.id}`);
        assertSipp(await uac.done, 'the call with a digit');
      } finally {
        clearInterval(poll);
      }
      assert.deepEqual(heard, ['1']);
    });

    it('SIP -> PSTN: a busy line -> 486 with Reason Q.850 cause 17', async () => {
      const uac = await startSipp({ scenario: 'gw-uac-busy.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '4322', keys: { calling: '3125550199', cause: '17' } });
      const ring = await ringFor(t, '4322');
      t.pbx.command(`hangup ${ring.fields.id} 17`);
      assertSipp(await uac.done, '486 with cause 17');
    });

    it('SIP -> PSTN: every line busy -> 503 with Reason Q.850 cause 34', async () => {
      const uac = await startSipp({ scenario: 'gw-uac-all-busy.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '4323', keys: { calling: '3125550199', cause: '34' } });
      // The PBX has no circuit for it: the group has no other line to hunt to.
      const ring = await ringFor(t, '4323');
      t.pbx.command(`hangup ${ring.fields.id} 34`);
      assertSipp(await uac.done, '503 with cause 34');
    });

    it('SIP -> PSTN: no answer -> 480 with cause 19 after the configured time, and the PBX is cleared with 19', async () => {
      const started = Date.now();
      const uac = await startSipp({ scenario: 'gw-uac-no-answer.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '4324', keys: { calling: '3125550199', cause: '19' } });
      const ring = await ringFor(t, '4324');
      t.pbx.command(`alert ${ring.fields.id}`);
      const cleared = await t.pbx.waitFor(['disconnect', 'hangup'], { id: ring.fields.id! });
      assert.equal(cleared.fields.cause, '19');
      assertSipp(await uac.done, '480 with cause 19');
      const took = Date.now() - started;
      assert.ok(took >= 1400, `released after ${took} ms, before the 1.5 s no-answer time`);
    });
  });

  describe('two trunks, the first down', () => {
    let t: TestGateway;
    let up: number;
    before(async () => {
      const dead = await unusedPort();
      up = await reservePort();
      t = await startTestGateway(
        gatewayYaml({
          trunkPorts: [dead, up],
          keepalive: true,
          routes: `  - { name: pbx-out, from: pstn, match: { called: "_NXXXXXX" }, to: { trunks: [carrier, carrier2] } }
  - { name: via-carrier, from: sip, match: { called: "_5XXX" }, to: { trunks: [carrier], lineGroup: pbx-trunk, prefer: sip, failover: true } }`,
        }),
      );
    });
    after(async () => t?.close());

    it('a call to a route whose first trunk is down goes to the next trunk', async () => {
      const uas = await startSipp({ scenario: 'gw-uas-answer.xml', transport: 'udp', port: up, keys: { called: '5550001', calling: PBX_CALLER, cause: '16' } });
      // One unanswered OPTIONS (1 s) marks the first trunk down.
      await eventually('the dead trunk found down', () => !t.gw.sip.trunkUp('carrier'));
      assert.equal(t.gw.sip.trunkUp('carrier2'), true, 'the second trunk (no keepalive) counts as up');
      let sippOutput: string | undefined;
      void uas.done.then((r) => (sippOutput = r.output));
      t.pbx.command(`call f1 any 5550001 ${PBX_CALLER}`);
      await t.pbx.waitFor('answer', { id: 'f1' }).catch((err: Error) => {
        const sipp = sippOutput ?? 'SIPp still running';
        throw new Error(`${err.message}\ngateway log:\n${t.logs.join('\n')}\nSIPp:\n${sipp}`);
      });
      assert.equal(t.registry.snapshot().calls[0]?.trunk, 'carrier2');
      t.pbx.command('hangup f1 16');
      assertSipp(await uas.done, 'the second trunk takes the call');
      const [row] = await cdrs(t, 1);
      assert.equal(row?.trunk, 'carrier2');
    });

    it('a route whose every trunk is down fails over to its PSTN line group', async () => {
      await eventually('the dead trunk found down', () => !t.gw.sip.trunkUp('carrier'));
      const uac = await startSipp({ scenario: 'gw-uac-call.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '5123', keys: { calling: '3125550199' } });
      const ring = await ringFor(t, '5123');
      t.pbx.command(`alert ${ring.fields.id}`);
      t.pbx.command(`answer ${ring.fields.id}`);
      assertSipp(await uac.done, 'the call reaches the PBX line');
      const rows = await cdrs(t, 2);
      const row = rows.find((r) => r.callee === '5123');
      assert.equal(row?.route, 'via-carrier');
      assert.equal(row?.line, 'pbx');
    });
  });

  it('SIP -> PSTN over FXS: an INVITE rings the phone; lifting the handset answers, the BYE hangs up the line', async () => {
    const a = await startAnalogGateway({
      profile: 'sim-fxs4',
      ports: '      - { name: phone1, port: 1, signalling: fxs, callerId: bell202 }',
      lineGroups: 'lineGroups:\n  - { name: phones, lines: [phone1] }',
      trunkPort: await reservePort(),
      routes: '  - { name: to-phones, from: sip, match: { called: "_4XXX" }, to: { lineGroup: phones } }',
    });
    const gw = a.gw;
    const port = gw.simPort('phone1')!;
    const phone = new Phone(port.sim, port.channel);
    try {
      const uac = await startSipp({ scenario: 'gw-uac-call.xml', transport: 'udp', remote: `127.0.0.1:${gw.sipPort}`, service: '4001', keys: { calling: '3125550199' } });
      await eventually('the phone to ring', () => phone.ringing, { timeoutMs: 8000 });
      // 180 while ringing: the SIP side is told before the handset is lifted.
      await callInState(a.registry, 'alerting');
      phone.offhook();
      assertSipp(await uac.done, '180 while ringing, 200 when the handset is lifted');
      const rows = await a.rows(1);
      assert.equal(rows[0]?.line, 'phone1');
      assert.equal(rows[0]?.caller, '3125550199');
      assert.ok(rows[0]?.answer !== undefined, 'answered');
      assert.equal(rows[0]?.hungUpBy, 'sip');
    } finally {
      phone.close();
      await a.close();
    }
  });

  it('an emergency call with every line busy preempts the latest call on the group (cause 8) and takes its channel', async () => {
    const trunkPort = await reservePort();
    // The trunk may preempt (issue 14: a plain SIP source may not).
    const t = await startTestGateway(gatewayYaml({ trunkPorts: [trunkPort] }).replace('codecs: [pcmu, telephone-event] }', 'codecs: [pcmu, telephone-event], preempt: true }'));
    try {
      const span = t.gw.spans.get('pbx')!;
      // One B-channel in service (SERVICE, ANSI T1.607): one call fills the group.
      for (const n of span.channelNumbers.slice(0, -1)) span.setChannelService(n, 2);
      assert.equal(span.freeChannels(), 1);
      const victim = await startSipp({ scenario: 'gw-uas-preempted.xml', transport: 'udp', port: trunkPort });
      t.pbx.command(`call v1 any 5551234 ${PBX_CALLER}`);
      await t.pbx.waitFor('answer', { id: 'v1' });
      assert.equal(span.freeChannels(), 0, 'every line busy');
      const uac = await startSipp({ scenario: 'gw-uac-call.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '911', keys: { calling: '3125550199' } });
      const cleared = await t.pbx.waitFor(['disconnect', 'hangup'], { id: 'v1' });
      assert.equal(cleared.fields.cause, '8', 'the victim is cleared with cause 8 (preemption)');
      const ring = await ringFor(t, '911');
      t.pbx.command(`alert ${ring.fields.id}`);
      t.pbx.command(`answer ${ring.fields.id}`);
      assertSipp(await victim.done, 'the preempted call gets BYE with cause 8');
      assertSipp(await uac.done, 'the emergency call is answered');
      const rows = await cdrs(t, 2);
      assert.ok(rows.some((r) => r.emergency === true && r.callee === '911' && r.answer !== undefined), 'the emergency call\'s CDR');
      assert.ok(rows.some((r) => r.callee === '5551234' && r.pstnCause === 8), 'the preempted call\'s CDR');
    } finally {
      await t.close();
    }
  });

  it('on close every call is released with cause 16: SIPp sees BYE with Reason cause=16, the PBX sees DISCONNECT', async () => {
    const trunkPort = await reservePort();
    const t = await startTestGateway(gatewayYaml({ trunkPorts: [trunkPort] }));
    try {
      const uas = await startSipp({ scenario: 'gw-uas-answer.xml', transport: 'udp', port: trunkPort, keys: { called: '5551111', calling: PBX_CALLER, cause: '16' } });
      t.pbx.command(`call s1 any 5551111 ${PBX_CALLER}`);
      await t.pbx.waitFor('answer', { id: 's1' });
      const closing = t.gw.close();
      const cleared = await t.pbx.waitFor(['disconnect', 'hangup'], { id: 's1' });
      assert.equal(cleared.fields.cause, '16');
      assertSipp(await uas.done, 'BYE with cause 16');
      await closing;
      const db = new CdrStore(join(t.dir, 'cdr.sqlite'), { readonly: true });
      const [row] = db.query();
      db.close();
      assert.equal(row?.hungUpBy, 'gateway');
      assert.equal(row?.pstnCause, 16);
    } finally {
      await t.pbx.close();
    }
  });

  it('PSTN -> SIP over FXO: the central office rings with caller ID, the INVITE carries it; answer goes off hook, the office\'s disconnect is a BYE with cause 16', async () => {
    const trunkPort = await reservePort();
    const a = await startAnalogGateway({
      profile: 'sim-fxo4',
      ports: '      - { name: line1, port: 1, signalling: fxo, destination: "5552000", callerId: bell202 }',
      trunkPort,
      routes: '  - { name: lines-to-pbx, from: pstn, to: { trunks: [pbx] } }',
    });
    const { gw, registry } = a;
    const port = gw.simPort('line1')!;
    const co = new CentralOffice(port.sim, port.channel, { zone: 'us' });
    try {
      const uas = await startSipp({ scenario: 'gw-uas-answer.xml', transport: 'udp', port: trunkPort, keys: {} });
      const answered = new Promise<void>((r) => co.once('answered', () => r()));
      co.ring({ number: PBX_CALLER, name: 'ALICE', dateTime: '11291200' });
      await answered;
      assert.equal(registry.snapshot().calls[0]?.state, 'connected');
      co.hangup('loopCurrent');
      assertSipp(await uas.done, 'INVITE from the caller ID to the destination, BYE with cause 16');
      const rows = await a.rows(1);
      assert.equal(rows[0]?.caller, PBX_CALLER);
      assert.equal(rows[0]?.callee, '5552000');
      assert.equal(rows[0]?.line, 'line1');
      assert.equal(rows[0]?.hungUpBy, 'pstn');
    } finally {
      co.close();
      await a.close();
    }
  });
});
