// A 180 Ringing with SDP (issue #7): RFC 3960 §3 lets any 18x open an early
// media session, and §3.2 gives a gateway its policy: play the far end's
// media once RTP arrives, otherwise generate ringback locally. libpri is the
// PBX calling through the gateway, SIPp the trunk answering 180 with SDP,
// the test's RTP endpoint that SDP's media (playing or silent).
import assert from 'node:assert/strict';
import { toneZone } from '../../src/analog/tone-zones.js';
import { requireTool, soxTones } from '../peers/signals.js';
import { startSipp } from '../peers/sipp.js';
import { reservePort } from '../support/ports.js';
import { BChannelTap, blockShare, toneRuns } from './b-channel-tap.js';
import { assertSipp, channelOfCall, gatewayYaml, PBX_CALLER, startTestGateway, toneShare, type TestGateway } from './gateway-fixture.js';
import { RtpEndpoint } from './rtp-endpoint.js';

const B_CHANNELS = Array.from({ length: 23 }, (_, i) => i + 1);
/** The tone the SIP side plays as its early media. */
const SIP_EARLY_HZ = 620;

/** Milliseconds of us ringback (440+480 Hz) in the audio. */
function ringbackMs(audio: Int16Array): number {
  const freqs = toneZone('us').ringback[0]!.freqs;
  return toneRuns(audio, (b) => freqs.reduce((s, f) => s + toneShare(b, f), 0))
    .filter((r) => r.on)
    .reduce((n, r) => n + r.ms, 0);
}

describe('180 Ringing with SDP: the far end\'s early media when RTP comes, our ringback until then (RFC 3960 §3.2, issue #7) @slow', function () {
  this.timeout(30000);
  let t: TestGateway;
  let trunkPort: number;
  before(async () => {
    requireTool('sox');
    trunkPort = await reservePort();
    t = await startTestGateway(gatewayYaml({ trunkPorts: [trunkPort] }));
  });
  after(async () => t?.close());

  it('RTP arrives after the 180 with SDP: the PBX hears our ringback, then the far end\'s audio in its place', async () => {
    const rtp = await RtpEndpoint.open();
    const tap = new BChannelTap(t.gw.simSpan('pbx')!, B_CHANNELS);
    try {
      const uas = await startSipp({ scenario: 'gw-uas-ringing-sdp.xml', transport: 'udp', port: trunkPort, timeoutS: 20, keys: { rtp: String(rtp.port) } });
      t.pbx.command(`call a1 any 5551234 ${PBX_CALLER}`);
      const ringing = await t.pbx.waitFor('ringing', { id: 'a1' });
      const channel = await channelOfCall(t);
      // The gateway sends the line's audio to the 180's SDP: early media is set up.
      await rtp.heard(5000);
      await tap.listen(channel, Date.now(), 1000);
      const playedAt = Date.now();
      await rtp.play(soxTones([{ hz: SIP_EARLY_HZ, dbm0: -10 }], 1200));
      const before = tap.audio(channel, 0, playedAt);
      // From the first 20 ms block of the far end's tone on the line (when its RTP reached the gateway) on.
      const since = await tap.listen(channel, playedAt, 1500);
      const first = Array.from({ length: Math.floor(since.length / 160) }, (_, i) => i).find((i) => toneShare(since.subarray(i * 160, i * 160 + 160), SIP_EARLY_HZ) > 0.5);
      assert.ok(first !== undefined, 'the far end\'s early media reached the PBX');
      const after = since.subarray(first * 160);
      t.pbx.command('hangup a1 16');
      assertSipp(await uas.done, '180 with SDP, then CANCEL');
      assert.equal(Number(ringing.fields.mask) & 8, 8, `${ringing.line}: ALERTING with in-band information`);
      assert.ok(ringbackMs(before) >= 700, `${ringbackMs(before)} ms of our ringback in the second before the far end's RTP`);
      const share = blockShare(after, SIP_EARLY_HZ, toneShare);
      assert.ok(share > 0.5, `the far end's early media (${SIP_EARLY_HZ} Hz) is ${(share * 100).toFixed(0)}% of what the PBX heard once RTP came`);
      assert.equal(ringbackMs(after), 0, 'no ringback of ours over the far end\'s media');
    } finally {
      tap.stop();
      rtp.close();
    }
  });

  it('no RTP after the 180 with SDP: the PBX hears our us ringback (2 s on), not the silence of an idle early media session', async () => {
    const rtp = await RtpEndpoint.open();
    const tap = new BChannelTap(t.gw.simSpan('pbx')!, B_CHANNELS);
    try {
      const uas = await startSipp({ scenario: 'gw-uas-ringing-sdp.xml', transport: 'udp', port: trunkPort, timeoutS: 20, keys: { rtp: String(rtp.port) } });
      t.pbx.command(`call a2 any 5552345 ${PBX_CALLER}`);
      const ringing = await t.pbx.waitFor('ringing', { id: 'a2' });
      const ringingAt = Date.now();
      const channel = await channelOfCall(t);
      await tap.listen(channel, ringingAt, 2500);
      const heard = tap.audio(channel);
      t.pbx.command('hangup a2 16');
      assertSipp(await uas.done, '180 with SDP, then CANCEL');
      assert.equal(Number(ringing.fields.mask) & 8, 8, `${ringing.line}: ALERTING with in-band information`);
      assert.ok(rtp.packets.length > 0, 'the gateway set up the early media session (it sent RTP to the 180\'s SDP)');
      const on = ringbackMs(heard);
      assert.ok(Math.abs(on - 2000) <= 250, `${on} ms of us ringback in 2.5 s (the zone's burst is 2000 ms)`);
    } finally {
      tap.stop();
      rtp.close();
    }
  });
});
