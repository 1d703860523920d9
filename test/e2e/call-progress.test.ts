// Call progress end to end (issue #7): libpri as the PBX on a PRI span (and
// a phone on an FXS port), SIPp as the trunk, the test's RTP endpoint as the
// trunk's media. Early media both ways is measured as a tone; ringback the
// gateway plays to the line is measured with its zone's frequencies and cadence.
import assert from 'node:assert/strict';
import { toneZone } from '../../src/analog/tone-zones.js';
import { Phone } from '../../src/sim/phone.js';
import { requireTool, soxTones } from '../peers/signals.js';
import { startSipp } from '../peers/sipp.js';
import { reservePort } from '../support/ports.js';
import { BChannelTap, blockShare, toneRuns } from './b-channel-tap.js';
import { heardFor } from '../analog/analog-helpers.js';
import { eventually, quietFor } from '../support/waiting.js';
import { assertSipp, callInState, channelOfCall, gatewayYaml, PBX_CALLER, portInState, startAnalogGateway, startTestGateway, toneShare, type TestGateway } from './gateway-fixture.js';
import { RtpEndpoint } from './rtp-endpoint.js';

const B_CHANNELS = Array.from({ length: 23 }, (_, i) => i + 1);
/** An announcement the PBX plays (a frequency no zone uses for ringback or DTMF). */
const ANNOUNCEMENT_HZ = 1020;
/** The tone the SIP side plays as its early media. */
const SIP_EARLY_HZ = 620;

/** Share of a zone's ringback frequencies in a block of samples. */
function ringbackShare(zone: string): (block: Int16Array) => number {
  const freqs = toneZone(zone).ringback[0]!.freqs;
  return (b) => freqs.reduce((s, f) => s + toneShare(b, f), 0);
}

/** PSTN -> SIP, SIPp rings without SDP: the ringback the PBX hears on its B-channel, as on/off runs and the audio. */
async function ringbackHeard(t: TestGateway, trunkPort: number, zone: string, call: { id: string; called: string }, listenMs: number): Promise<{ runs: { on: boolean; ms: number }[]; audio: Int16Array; mask: string | undefined }> {
  const uas = await startSipp({ scenario: 'gw-uas-ringing.xml', transport: 'udp', port: trunkPort, timeoutS: 20 });
  const tap = new BChannelTap(t.gw.simSpan('pbx')!, B_CHANNELS);
  try {
    t.pbx.command(`call ${call.id} any ${call.called} ${PBX_CALLER}`);
    const ringing = await t.pbx.waitFor('ringing', { id: call.id });
    const ringingAt = Date.now();
    const channel = await channelOfCall(t);
    await tap.listen(channel, ringingAt, listenMs);
    const audio = tap.audio(channel);
    t.pbx.command(`hangup ${call.id} 16`);
    assertSipp(await uas.done, '180 without SDP, then CANCEL when the PBX gives up');
    return { runs: toneRuns(audio, ringbackShare(zone)), audio, mask: ringing.fields.mask };
  } finally {
    tap.stop();
  }
}

/**
 * SIP -> PSTN: SIPp calls `service` expecting a 183 with SDP, the PBX sends
 * `signal` and plays `tones` for 1.5 s, then answers; the early media the
 * SIP side got before the 200.
 */
async function earlyMediaFromPbx(t: TestGateway, service: string, signal: (id: string) => string[], tones: { hz: number; dbm0: number }[]): Promise<Int16Array> {
  const rtp = await RtpEndpoint.open();
  try {
    const uac = await startSipp({ scenario: 'gw-uac-early-media.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service, keys: { calling: '3125550199', rtp: String(rtp.port) } });
    const ring = await t.pbx.waitFor('ring', { called: service });
    const id = ring.fields.id!;
    const access = t.gw.simSpan('pbx')!;
    for (const command of signal(id)) t.pbx.command(command);
    access.sim.sendAudio(access.bChannel(Number(ring.fields.channel)), soxTones(tones, 1500));
    await rtp.heard();
    await eventually('1.5 s of early media at the SIP side', () => rtp.audio().length >= 8000 * 1.5);
    const beforeAnswer = Date.now();
    t.pbx.command(`answer ${id}`);
    assertSipp(await uac.done, '183 with SDP before 200');
    const early = rtp.audio(0, beforeAnswer);
    assert.ok(early.length >= 8000 * 0.8, `${early.length} samples of early media before the 200`);
    return early;
  } finally {
    rtp.close();
  }
}

describe('call progress end to end: early media both ways, ringback of the zone (issue #7) @slow', function () {
  this.timeout(40000);
  before(() => requireTool('sox'));

  // The gateway as the network side (a legacy PBX behind it) and as the user
  // side (a carrier's PRI): Q.931 clauses 5.1 and 5.2 from either seat.
  for (const side of ['network', 'user'] as const) describe(`zone us, the gateway as the ${side} side of the PRI`, () => {
    let t: TestGateway;
    let trunkPort: number;
    before(async () => {
      trunkPort = await reservePort();
      t = await startTestGateway(gatewayYaml({ trunkPorts: [trunkPort], side }));
    });
    after(async () => t?.close());

    it('SIP -> PSTN: PROGRESS with in-band information from the PBX is a 183 with SDP, and its announcement reaches the SIP side before the 200', async () => {
      // Q.931 clause 4.5.23: progress description 8, in-band information now available.
      const early = await earlyMediaFromPbx(t, '4401', (id) => [`proceed ${id}`, `progress ${id}`], [{ hz: ANNOUNCEMENT_HZ, dbm0: -10 }]);
      const share = toneShare(early, ANNOUNCEMENT_HZ);
      assert.ok(share > 0.5, `the announcement (${ANNOUNCEMENT_HZ} Hz) is ${(share * 100).toFixed(0)}% of the early media`);
    });

    it('SIP -> PSTN: ALERTING with in-band information (the PBX plays its own ringback) is a 183 with SDP carrying that ringback', async () => {
      // ALERTING with progress indicator 8 (Q.931 clause 4.5.23).
      const early = await earlyMediaFromPbx(t, '4403', (id) => [`alert ${id} inband`], [
        { hz: 440, dbm0: -16 },
        { hz: 480, dbm0: -16 },
      ]);
      for (const hz of [440, 480]) assert.ok(blockShare(early, hz, toneShare) > 0.25, `the PBX's ringback (${hz} Hz) is ${(blockShare(early, hz, toneShare) * 100).toFixed(0)}% of the early media`);
    });

    it('SIP -> PSTN: ALERTING without in-band information is a 180 without SDP and no early media (RFC 3960 §3: the caller plays its own ringback)', async () => {
      const rtp = await RtpEndpoint.open();
      try {
        const uac = await startSipp({ scenario: 'gw-uac-ringing.xml', transport: 'udp', remote: `127.0.0.1:${t.gw.sipPort}`, service: '4402', keys: { calling: '3125550199', rtp: String(rtp.port) } });
        const ring = await t.pbx.waitFor('ring', { called: '4402' });
        const id = ring.fields.id!;
        const access = t.gw.simSpan('pbx')!;
        t.pbx.command(`alert ${id}`);
        // Whatever the PBX plays before it answers stays on the PSTN side.
        access.sim.sendAudio(access.bChannel(Number(ring.fields.channel)), soxTones([{ hz: ANNOUNCEMENT_HZ, dbm0: -10 }], 1000));
        // No RTP may reach the SIP side while the PBX plays.
        await quietFor(1200);
        const answeredAt = Date.now();
        t.pbx.command(`answer ${id}`);
        assertSipp(await uac.done, '180 without SDP, no 183, then 200');
        assert.equal(rtp.packets.filter((p) => p.at < answeredAt).length, 0, 'no RTP before the 200');
      } finally {
        rtp.close();
      }
    });

    it('PSTN -> SIP: a 183 with SDP is PROGRESS with progress indicator 8 to the PBX (not ALERTING), which hears the SIP side\'s early media on its B-channel', async () => {
      const rtp = await RtpEndpoint.open();
      const tap = new BChannelTap(t.gw.simSpan('pbx')!, B_CHANNELS);
      try {
        const uas = await startSipp({ scenario: 'gw-uas-early-media.xml', transport: 'udp', port: trunkPort, keys: { rtp: String(rtp.port) } });
        t.pbx.command(`call e1 any 5551234 ${PBX_CALLER}`);
        const progress = await t.pbx.waitFor(['ringing', 'progress'], { id: 'e1' });
        // RFC 3398 §8.2.1: 183 is progress, not the callee ringing; Q.931 clause 5.1.6 PROGRESS.
        assert.equal(progress.name, 'progress', `${progress.line}: PROGRESS, the callee is not said to be alerted`);
        assert.equal(Number(progress.fields.mask) & 8, 8, `${progress.line}: in-band information available (Q.931 clause 4.5.23)`);
        const channel = await channelOfCall(t);
        await rtp.heard();
        const playedAt = Date.now();
        await rtp.play(soxTones([{ hz: SIP_EARLY_HZ, dbm0: -10 }], 1200));
        const heard = await tap.listen(channel, playedAt, 1500);
        assert.equal(t.pbx.events.some((e) => e.name === 'answer' && e.fields.id === 'e1'), false, 'the early media was measured before the 200 answered the PBX');
        await t.pbx.waitFor('answer', { id: 'e1' });
        t.pbx.command('hangup e1 16');
        assertSipp(await uas.done, '183 with SDP, 200, BYE with cause 16');
        const share = toneShare(heard, SIP_EARLY_HZ);
        assert.ok(heard.length >= 8000, `${heard.length} samples on the B-channel`);
        assert.ok(share > 0.4, `the SIP side's early media (${SIP_EARLY_HZ} Hz) is ${(share * 100).toFixed(0)}% of what the PBX heard`);
        const ringback = toneRuns(heard, ringbackShare('us')).filter((r) => r.on);
        assert.deepEqual(ringback, [], 'no ringback of our own over the far end\'s early media (RFC 3398 §8.2.1)');
      } finally {
        tap.stop();
        rtp.close();
      }
    });

    it('PSTN -> SIP: a 180 without SDP is ALERTING with progress indicator 8 and the gateway plays us ringback (440+480 Hz, 2 s on, 4 s off)', async () => {
      const { runs, audio, mask } = await ringbackHeard(t, trunkPort, 'us', { id: 'r1', called: '5552345' }, 6800);
      assert.equal(Number(mask) & 8, 8, 'ALERTING says in-band information is available');
      // The burst the call started with, then the silence after it, then the next burst.
      const firstOn = runs.findIndex((r) => r.on);
      assert.ok(firstOn >= 0, `no ringback on the B-channel: ${JSON.stringify(runs)}`);
      const [burst, gap] = [runs[firstOn]!, runs[firstOn + 1]];
      assert.ok(Math.abs(burst.ms - 2000) <= 200, `on for ${burst.ms} ms, the zone says 2000 (${JSON.stringify(runs)})`);
      assert.ok(gap && !gap.on && Math.abs(gap.ms - 4000) <= 250, `then off for ${gap?.ms} ms, the zone says 4000 (${JSON.stringify(runs)})`);
      assert.ok(runs[firstOn + 2]?.on, `and on again (${JSON.stringify(runs)})`);
      const start = runs.slice(0, firstOn).reduce((s, r) => s + r.ms, 0) * 8;
      const tone = audio.subarray(start, start + burst.ms * 8);
      for (const hz of [440, 480]) assert.ok(blockShare(tone, hz, toneShare) > 0.3, `${hz} Hz is ${(blockShare(tone, hz, toneShare) * 100).toFixed(0)}% of the burst`);
      for (const hz of [400, 425, 450]) assert.ok(blockShare(tone, hz, toneShare) < 0.15, `${hz} Hz (another zone's) is ${(blockShare(tone, hz, toneShare) * 100).toFixed(0)}% of the burst`);
    });
    /**
     * PSTN -> SIP, SIPp sends 180 without SDP, then `second` with SDP and its
     * early media: the ALERTING the PBX got, and its B-channel before and after the early media began.
     */
    async function ringbackThenEarly(second: '183' | '180', id: string): Promise<{ ringing: { line: string; fields: Record<string, string> }; before: Int16Array; after: Int16Array }> {
      const rtp = await RtpEndpoint.open();
      const tap = new BChannelTap(t.gw.simSpan('pbx')!, B_CHANNELS);
      try {
        const scenario = second === '183' ? 'gw-uas-ringing-then-early.xml' : 'gw-uas-ringing-then-ringing-sdp.xml';
        const uas = await startSipp({ scenario, transport: 'udp', port: trunkPort, keys: { rtp: String(rtp.port) } });
        t.pbx.command(`call ${id} any 5554444 ${PBX_CALLER}`);
        const ringing = await t.pbx.waitFor('ringing', { id });
        const channel = await channelOfCall(t);
        await rtp.heard(5000);
        const earlyAt = Date.now();
        await rtp.play(soxTones([{ hz: SIP_EARLY_HZ, dbm0: -10 }], 1000));
        const before = tap.audio(channel, 0, earlyAt);
        const after = tap.audio(channel, earlyAt);
        assert.equal(t.pbx.events.some((e) => e.name === 'answer' && e.fields.id === id), false, 'measured before the 200');
        await t.pbx.waitFor('answer', { id });
        t.pbx.command(`hangup ${id} 16`);
        assertSipp(await uas.done, `180, ${second} with SDP, 200, BYE with cause 16`);
        assert.equal(Number(ringing.fields.mask) & 8, 8, `${ringing.line}: ALERTING with in-band information`);
        const on = toneRuns(before, ringbackShare('us')).filter((r) => r.on).reduce((n, r) => n + r.ms, 0);
        assert.ok(on >= 1000, `${on} ms of us ringback between the 180 and the ${second} (1.5 s)`);
        assert.ok(blockShare(after, SIP_EARLY_HZ, toneShare) > 0.5, `the early media (${SIP_EARLY_HZ} Hz) is ${(blockShare(after, SIP_EARLY_HZ, toneShare) * 100).toFixed(0)}% after the ${second}`);
        for (const hz of [440, 480]) assert.ok(blockShare(after, hz, toneShare) < 0.05, `ringback (${hz} Hz) stopped for the early media: ${(blockShare(after, hz, toneShare) * 100).toFixed(0)}%`);
        return { ringing, before, after };
      } finally {
        tap.stop();
        rtp.close();
      }
    }

    it('PSTN -> SIP: 180 then 183 with SDP: the PBX hears our ringback, then the SIP side\'s early media in its place (RFC 3960 §3)', async () => {
      await ringbackThenEarly('183', 'm1');
      const progress = t.pbx.events.find((e) => e.name === 'progress' && e.fields.id === 'm1');
      assert.ok(progress, 'PROGRESS for the 183');
      assert.equal(Number(progress.fields.mask) & 8, 8, `${progress.line}: then PROGRESS with in-band information`);
    });

    it('PSTN -> SIP: 180 without SDP, then a second 180 with SDP: the SIP side\'s early media replaces our ringback before the 200 (RFC 3960 §3.2)', async () => {
      await ringbackThenEarly('180', 'm1b');
    });

    it('PSTN -> SIP: a 183 without SDP (no early media) also gives the PBX our ringback, not silence behind PI 8', async () => {
      const uas = await startSipp({ scenario: 'gw-uas-progress-no-sdp.xml', transport: 'udp', port: trunkPort, timeoutS: 20 });
      const tap = new BChannelTap(t.gw.simSpan('pbx')!, B_CHANNELS);
      try {
        t.pbx.command(`call n1 any 5553333 ${PBX_CALLER}`);
        const told = await t.pbx.waitFor(['ringing', 'progress'], { id: 'n1' });
        const toldAt = Date.now();
        const channel = await channelOfCall(t);
        await tap.listen(channel, toldAt, 1500);
        const heard = tap.audio(channel);
        t.pbx.command('hangup n1 16');
        assertSipp(await uas.done, '183 without SDP, then CANCEL');
        assert.equal(Number(told.fields.mask) & 8, 8, `${told.line}: in-band information`);
        const on = toneRuns(heard, ringbackShare('us')).filter((r) => r.on).reduce((n, r) => n + r.ms, 0);
        assert.ok(on >= 1000, `${on} ms of us ringback in the first 1.5 s (${JSON.stringify(toneRuns(heard, ringbackShare('us')))})`);
      } finally {
        tap.stop();
      }
    });
  });

  describe('FXS phone in zone de', () => {
    let a: Awaited<ReturnType<typeof startAnalogGateway>>;
    let trunkPort: number;
    let phone: Phone;
    before(async () => {
      trunkPort = await reservePort();
      a = await startAnalogGateway({
        profile: 'sim-fxs4',
        ports: '      - { name: phone1, port: 1, signalling: fxs, toneZone: de }',
        trunkPort,
        routes: '  - { name: out, from: pstn, match: { called: "_NXXXXXX" }, to: { trunks: [pbx] } }',
      });
      const port = a.gw.simPort('phone1')!;
      phone = new Phone(port.sim, port.channel);
    });
    after(async () => {
      phone?.close();
      await a?.close();
    });

    it('PSTN -> SIP: the phone hears the SIP side\'s early media from a 183, and no ringback of ours over it', async () => {
      const rtp = await RtpEndpoint.open();
      try {
        const uas = await startSipp({ scenario: 'gw-uas-early-media.xml', transport: 'udp', port: trunkPort, keys: { rtp: String(rtp.port) } });
        phone.offhook();
        await portInState(a.registry, 'phone1', 'collecting');
        phone.dial('5551234');
        await rtp.heard(8000);
        const playedAt = Date.now();
        await rtp.play(soxTones([{ hz: SIP_EARLY_HZ, dbm0: -10 }], 1200));
        const heard = await heardFor(phone, playedAt, 1200);
        const answered = a.registry.snapshot().calls[0]?.state === 'connected';
        // The 200 comes 3 s after the 183: hang up after it, so that the call ends with BYE.
        await callInState(a.registry, 'connected');
        phone.onhook();
        assertSipp(await uas.done, '183 with SDP, 200, BYE with cause 16');
        assert.equal(answered, false, 'measured before the 200');
        const share = blockShare(heard, SIP_EARLY_HZ, toneShare);
        assert.ok(share > 0.5, `the SIP side's early media (${SIP_EARLY_HZ} Hz) is ${(share * 100).toFixed(0)}% of what the phone heard`);
        assert.ok(blockShare(heard, 425, toneShare) < 0.05, 'no de ringback (425 Hz) mixed into it');
      } finally {
        rtp.close();
      }
    });

    it('PSTN -> SIP: a 180 without SDP gives the phone de ringback (425 Hz, 1 s on, 4 s off)', async () => {
      const uas = await startSipp({ scenario: 'gw-uas-ringing.xml', transport: 'udp', port: trunkPort, timeoutS: 20 });
      phone.offhook();
      await portInState(a.registry, 'phone1', 'collecting');
      phone.dial('5552345');
      // de dial tone is 425 Hz too: listen from the call on, long after it stopped at the first digit.
      await eventually('the call', () => a.registry.snapshot().calls.length === 1);
      const from = Date.now();
      const heard = await heardFor(phone, from, 6800);
      phone.onhook();
      assertSipp(await uas.done, '180 without SDP, then CANCEL when the phone hangs up');
      const runs = toneRuns(heard, (b) => toneShare(b, 425));
      const firstOn = runs.findIndex((r) => r.on);
      assert.ok(firstOn >= 0, `no ringback: ${JSON.stringify(runs)}`);
      const [burst, gap] = [runs[firstOn]!, runs[firstOn + 1]];
      assert.ok(Math.abs(burst.ms - 1000) <= 150, `on for ${burst.ms} ms, the zone says 1000 (${JSON.stringify(runs)})`);
      assert.ok(gap && !gap.on && Math.abs(gap.ms - 4000) <= 250, `then off for ${gap?.ms} ms, the zone says 4000 (${JSON.stringify(runs)})`);
      assert.ok(runs[firstOn + 2]?.on, `and on again (${JSON.stringify(runs)})`);
      const start = runs.slice(0, firstOn).reduce((n, r) => n + r.ms, 0) * 8;
      const tone = heard.subarray(start, start + burst.ms * 8);
      assert.ok(blockShare(tone, 425, toneShare) > 0.6, `425 Hz is ${(blockShare(tone, 425, toneShare) * 100).toFixed(0)}% of the burst`);
    });
  });

  describe('zone gb', () => {
    let t: TestGateway;
    let trunkPort: number;
    before(async () => {
      trunkPort = await reservePort();
      t = await startTestGateway(gatewayYaml({ trunkPorts: [trunkPort] }).replace('toneZone: us', 'toneZone: uk'));
    });
    after(async () => t?.close());

    it('PSTN -> SIP: a 180 without SDP gives the PBX gb ringback (400+450 Hz, 0.4 on 0.2 off 0.4 on 2 off)', async () => {
      const { runs, audio } = await ringbackHeard(t, trunkPort, 'gb', { id: 'g1', called: '5553456' }, 3600);
      const firstOn = runs.findIndex((r) => r.on);
      const steps = runs.slice(firstOn, firstOn + 4);
      const want = [400, 200, 400, 2000];
      assert.equal(steps.length, 4, `a whole double ring: ${JSON.stringify(runs)}`);
      steps.forEach((s, i) => {
        assert.equal(s.on, i % 2 === 0, `step ${i} on/off (${JSON.stringify(runs)})`);
        assert.ok(Math.abs(s.ms - want[i]!) <= (i === 3 ? 250 : 100), `step ${i}: ${s.ms} ms, the zone says ${want[i]} (${JSON.stringify(runs)})`);
      });
      const start = runs.slice(0, firstOn).reduce((s, r) => s + r.ms, 0) * 8;
      const tone = audio.subarray(start, start + 400 * 8);
      for (const hz of [400, 450]) assert.ok(blockShare(tone, hz, toneShare) > 0.3, `${hz} Hz is ${(blockShare(tone, hz, toneShare) * 100).toFixed(0)}% of the first ring`);
      for (const hz of [440, 480]) assert.ok(blockShare(tone, hz, toneShare) < 0.15, `${hz} Hz (us) is ${(blockShare(tone, hz, toneShare) * 100).toFixed(0)}% of the first ring`);
    });
  });
});
