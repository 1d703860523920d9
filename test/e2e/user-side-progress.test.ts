// Call progress and release causes with the gateway as the user side of the
// PRI (issue #7): the install on a PRI from a carrier, whose switch is the
// network side. libpri plays that network; SIPp is the SIP trunk and the
// test's RTP endpoint its media. Q.931 clause 5.1 (we originate towards the
// network) and 5.2 (the network offers us a call) from the user's seat.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toneZone } from '../../src/analog/tone-zones.js';
import { requireTool, soxTones } from '../hw/signals.js';
import { freePort, scenarioDir, startSipp } from '../sip/sipp-peer.js';
import { BChannelTap, blockShare, toneRuns } from './b-channel-tap.js';
import { assertSipp, channelOfCall, gatewayYaml, PBX_CALLER, sleep, startTestGateway, toneShare, type TestGateway } from './gateway-fixture.js';
import { RtpEndpoint } from './rtp-endpoint.js';

const B_CHANNELS = Array.from({ length: 23 }, (_, i) => i + 1);
/** The network's announcement (a frequency no zone uses for ringback or DTMF). */
const ANNOUNCEMENT_HZ = 1020;
/** The tone the SIP side plays as its early media. */
const SIP_EARLY_HZ = 620;

describe('the gateway as the user side of a PRI: progress, early media and causes against a network (issue #7) @slow', function () {
  this.timeout(40000);
  let t: TestGateway;
  let trunkPort: number;
  let dir: string;
  before(async () => {
    requireTool('sox');
    dir = mkdtempSync(join(tmpdir(), 'sipline-user-side-'));
    trunkPort = await freePort();
    t = await startTestGateway(gatewayYaml({ trunkPorts: [trunkPort], side: 'user' }));
  });
  after(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A copy of a scenario with its [status] / [cause] written in (SIPp reads them at load). */
  function scenarioFor(file: string, status: number, cause?: number): string {
    const path = join(dir, `${status}-${cause ?? ''}-${file}`);
    let text = readFileSync(join(scenarioDir, file), 'utf8').replaceAll('[status]', String(status));
    if (cause !== undefined) text = text.replaceAll('[cause]', String(cause));
    writeFileSync(path, text);
    return path;
  }

  it('SIP -> PSTN: the network\'s PROGRESS with progress indicator 8 is a 183 with SDP, and its announcement reaches the SIP side before the 200', async () => {
    const rtp = await RtpEndpoint.open();
    try {
      const uac = await startSipp({ scenario: 'gw-uac-early-media.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '4401', keys: { calling: '3125550199', rtp: String(rtp.port) } });
      const ring = await t.pbx.waitFor('ring', { called: '4401' });
      const id = ring.fields.id!;
      const access = t.gw.simSpan('pbx')!;
      t.pbx.command(`proceed ${id}`);
      // Q.931 clause 5.1.6: the network sends PROGRESS with progress indicator 8 (clause 4.5.23).
      t.pbx.command(`progress ${id}`);
      access.sim.sendAudio(access.bChannel(Number(ring.fields.channel)), soxTones([{ hz: ANNOUNCEMENT_HZ, dbm0: -10 }], 1500));
      await rtp.heard();
      await sleep(1500);
      const beforeAnswer = Date.now();
      t.pbx.command(`answer ${id}`);
      assertSipp(await uac.done, '183 with SDP before 200');
      const early = rtp.audio(0, beforeAnswer);
      assert.ok(early.length >= 8000 * 0.8, `${early.length} samples of early media before the 200`);
      const share = toneShare(early, ANNOUNCEMENT_HZ);
      assert.ok(share > 0.5, `the announcement (${ANNOUNCEMENT_HZ} Hz) is ${(share * 100).toFixed(0)}% of the early media`);
    } finally {
      rtp.close();
    }
  });

  it('SIP -> PSTN: ALERTING with in-band information from the network is a 183 with SDP carrying the network\'s ringback', async () => {
    const rtp = await RtpEndpoint.open();
    try {
      const uac = await startSipp({ scenario: 'gw-uac-early-media.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '4403', keys: { calling: '3125550199', rtp: String(rtp.port) } });
      const ring = await t.pbx.waitFor('ring', { called: '4403' });
      const id = ring.fields.id!;
      const access = t.gw.simSpan('pbx')!;
      // Q.931 clause 5.1.7: ALERTING, here with progress indicator 8.
      t.pbx.command(`alert ${id} inband`);
      access.sim.sendAudio(access.bChannel(Number(ring.fields.channel)), soxTones([{ hz: 440, dbm0: -16 }, { hz: 480, dbm0: -16 }], 1500));
      await rtp.heard();
      await sleep(1500);
      const beforeAnswer = Date.now();
      t.pbx.command(`answer ${id}`);
      assertSipp(await uac.done, '183 with SDP before 200');
      const early = rtp.audio(0, beforeAnswer);
      for (const hz of [440, 480]) assert.ok(blockShare(early, hz, toneShare) > 0.25, `the network's ringback (${hz} Hz) is ${(blockShare(early, hz, toneShare) * 100).toFixed(0)}% of the early media`);
    } finally {
      rtp.close();
    }
  });

  it('PSTN -> SIP: a SETUP from the network, answered 183 with SDP, is PROGRESS with progress indicator 8 and the network hears the SIP side\'s early media', async () => {
    const rtp = await RtpEndpoint.open();
    const tap = new BChannelTap(t.gw.simSpan('pbx')!, B_CHANNELS);
    try {
      const uas = await startSipp({ scenario: 'gw-uas-early-media.xml', transport: 'udp', port: trunkPort, keys: { rtp: String(rtp.port) } });
      t.pbx.command(`call e1 any 5551234 ${PBX_CALLER}`);
      const progress = await t.pbx.waitFor(['ringing', 'progress'], { id: 'e1' });
      // RFC 3398 §8.2.1: 183 is progress, not the callee ringing; Q.931 clause 5.2.6 (the user's PROGRESS).
      assert.equal(progress.name, 'progress', `${progress.line}: PROGRESS, the callee is not said to be alerted`);
      assert.equal(Number(progress.fields.mask) & 8, 8, `${progress.line}: in-band information available (Q.931 clause 4.5.23)`);
      const channel = await channelOfCall(t);
      await rtp.heard();
      const playedAt = Date.now();
      await rtp.play(soxTones([{ hz: SIP_EARLY_HZ, dbm0: -10 }], 1200));
      await sleep(100);
      const heard = tap.audio(channel, playedAt);
      assert.equal(t.pbx.events.some((e) => e.name === 'answer' && e.fields.id === 'e1'), false, 'measured before the 200');
      await t.pbx.waitFor('answer', { id: 'e1' });
      t.pbx.command('hangup e1 16');
      assertSipp(await uas.done, '183 with SDP, 200, BYE with cause 16');
      const share = toneShare(heard, SIP_EARLY_HZ);
      assert.ok(share > 0.4, `the SIP side's early media (${SIP_EARLY_HZ} Hz) is ${(share * 100).toFixed(0)}% of what the network heard`);
    } finally {
      tap.stop();
      rtp.close();
    }
  });

  it('PSTN -> SIP: a SETUP from the network, answered 180 without SDP, is ALERTING with progress indicator 8 and the network hears our us ringback', async () => {
    const uas = await startSipp({ scenario: 'gw-uas-ringing.xml', transport: 'udp', port: trunkPort, timeoutS: 20 });
    const tap = new BChannelTap(t.gw.simSpan('pbx')!, B_CHANNELS);
    try {
      t.pbx.command(`call r1 any 5552345 ${PBX_CALLER}`);
      const ringing = await t.pbx.waitFor('ringing', { id: 'r1' });
      const channel = await channelOfCall(t);
      await sleep(2500);
      const heard = tap.audio(channel);
      t.pbx.command('hangup r1 16');
      assertSipp(await uas.done, '180 without SDP, then CANCEL when the network gives up');
      assert.equal(Number(ringing.fields.mask) & 8, 8, `${ringing.line}: ALERTING says in-band information is available`);
      const freqs = toneZone('us').ringback[0]!.freqs;
      const on = toneRuns(heard, (b) => freqs.reduce((s, f) => s + toneShare(b, f), 0)).filter((r) => r.on).reduce((n, r) => n + r.ms, 0);
      assert.ok(Math.abs(on - 2000) <= 250, `${on} ms of us ringback in the first 2.5 s (the zone's burst is 2000 ms)`);
    } finally {
      tap.stop();
    }
  });

  // RFC 3398 §8.2.6.1 towards the network, §7.2.4.1 from it.
  for (const [status, cause] of [[486, 17], [404, 1]] as const) {
    it(`PSTN -> SIP: SIP refuses with ${status}: the network is cleared with cause ${cause}`, async () => {
      const uas = await startSipp({ scenario: scenarioFor('gw-uas-refuse.xml', status), transport: 'udp', port: trunkPort });
      const id = `s${status}`;
      t.pbx.command(`call ${id} any 5551234 ${PBX_CALLER}`);
      const cleared = await t.pbx.waitFor(['disconnect', 'hangup'], { id });
      assertSipp(await uas.done, `${status} and its ACK`);
      assert.equal(cleared.fields.cause, String(cause), cleared.line);
    });
  }

  for (const [cause, status] of [[17, 486], [1, 404], [21, 403]] as const) {
    it(`SIP -> PSTN: the network clears with cause ${cause}: ${status} with Reason Q.850 cause ${cause}`, async () => {
      const called = `46${String(cause).padStart(2, '0')}`;
      const uac = await startSipp({ scenario: scenarioFor('gw-uac-refused.xml', status, cause), transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: called, keys: { calling: '3125550199' } });
      const ring = await t.pbx.waitFor('ring', { called });
      t.pbx.command(`proceed ${ring.fields.id}`);
      t.pbx.command(`hangup ${ring.fields.id} ${cause}`);
      assertSipp(await uac.done, `${status} with Reason cause ${cause}`);
    });
  }
});
