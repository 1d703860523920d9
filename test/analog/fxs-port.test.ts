// FXS ports with a simulated phone on the emulated card, in the us, gb and
// de zones: ringing in the zone's cadence with caller ID that minimodem
// decodes from the captured line audio, dial tone and call-progress tones
// that sox measures, digit collection with the dial plan and its timeouts.
import assert from 'node:assert/strict';
import { FxsPort, type FxsLeg, type FxsPortOptions } from '../../src/analog/fxs-port.js';
import { toneZone } from '../../src/analog/tone-zones.js';
import type { DialState } from '../../src/call/dial-plan.js';
import { Cause } from '../../src/call/q850.js';
import { DtmfDetector } from '../../src/sim/dtmf-detector.js';
import type { Card } from '../../src/hw/card.js';
import { Phone } from '../../src/sim/phone.js';
import { minimodemReceive, requireTool, soxPeaks } from '../peers/signals.js';
import { heardFor, memoryLog, onePortCard } from './analog-helpers.js';
import { eventually, quietFor } from '../support/waiting.js';

interface Rig {
  port: FxsPort;
  phone: Phone;
  card: Card;
  log: ReturnType<typeof memoryLog>;
  close(): void;
}

function rig(zone: string, options: Partial<FxsPortOptions> = {}): Rig {
  const hw = onePortCard('fxs', zone, options.callerId);
  const log = memoryLog();
  const port = new FxsPort({ name: 'fxs1', channel: hw.card.channel(1), zone, log, ...options });
  const phone = new Phone(hw.sim, 1);
  return {
    port,
    phone,
    card: hw.card,
    log,
    close: () => {
      phone.close();
      port.close();
      hw.close();
    },
  };
}

function near(peaks: number[], hz: number, tol = 15): boolean {
  return peaks.some((p) => Math.abs(p - hz) <= tol);
}

function incoming(port: FxsPort): Promise<FxsLeg> {
  return new Promise((resolve) => port.once('incoming', (leg) => resolve(leg as FxsLeg)));
}

/** On/off durations of the ringer, from the phone's records. */
function ringSteps(phone: Phone): number[] {
  const r = phone.rings;
  return r.slice(1).map((x, i) => x.at - r[i]!.at);
}

const dialTone: Record<string, number[]> = { us: [350, 440], gb: [350, 440], de: [425] };

/** Waits for the port to be idle again after the phone hung up. */
async function idle(r: Rig): Promise<void> {
  await eventually('the port to go idle', () => {
    assert.equal(r.port.state, 'idle', `port state ${r.port.state}, hook ${r.port.hookState}, phone off hook ${r.phone.isOffhook}, card ${JSON.stringify(r.phone.sim.state(r.phone.channel))}, ${JSON.stringify(r.card.stats())}`);
    return true;
  }, { timeoutMs: 15000 });
}

describe('FXS port with a phone @slow', () => {
  before(() => {
    requireTool('sox');
    requireTool('minimodem');
  });

  for (const zone of ['us', 'gb', 'de']) {
    describe(`zone ${zone}`, () => {
      let r: Rig;
      afterEach(() => r.close());

      it('rings in the zone cadence with caller ID (number and name) that minimodem decodes, then connects when the phone answers', async () => {
        r = rig(zone, { clock: () => new Date(2026, 10, 29, 7, 45) });
        const z = toneZone(zone);
        const leg = r.port.originate({ digits: '4930123456', name: 'GRACE HOPPER' }, { digits: '' })!;
        const events: string[] = [];
        for (const e of ['proceeding', 'alerting', 'answered'] as const) leg.on(e, () => events.push(e));
        const t0 = Date.now();
        leg.setup();
        // Wait for the first whole cadence period and the caller ID in it.
        const period = z.ringCadence.reduce((a, b) => a + b, 0);
        await eventually('a whole ring period', () => r.phone.rings.filter((x) => x.on).length > z.ringCadence.length / 2, { timeoutMs: period + 4000 });
        if (z.callerId === 'v23-bt') {
          // BT SIN 227: the line reverses before the burst, and the burst comes before the first ring.
          assert.ok(r.phone.reversals[0]?.reversed && r.phone.reversals[0].at < r.phone.rings[0]!.at, 'line reversal before ringing');
        }
        const steps = ringSteps(r.phone);
        z.ringCadence.forEach((ms, i) => assert.ok(Math.abs(steps[i]! - ms) < 120, `ring step ${i}: ${steps[i]} ms, zone says ${ms}`));
        const text = minimodemReceive(r.phone.heard(t0), zone === 'us' ? 'bell202' : 'v23').toString('latin1');
        assert.ok(text.includes('4930123456'), `minimodem decoded ${JSON.stringify(text)}`);
        assert.ok(text.includes('GRACE HOPPER'), `minimodem decoded ${JSON.stringify(text)}`);
        assert.ok(text.includes('11290745'), `date and time in ${JSON.stringify(text)}`);
        r.phone.offhook();
        await eventually('answered', () => events.includes('answered'), { timeoutMs: 2000 });
        assert.deepEqual(events, ['proceeding', 'alerting', 'answered']);
        assert.equal(r.phone.ringing, false);
        const gone = new Promise<number>((res) => leg.once('released', res));
        r.phone.onhook();
        assert.equal(await gone, Cause.NORMAL_CLEARING);
      });

      it('gives dial tone on off-hook, collects DTMF until the dial plan says complete, plays ringback and busy', async () => {
        const plan = (d: string): DialState => (d === '0800123' ? 'complete' : d.length < 7 ? 'incomplete' : 'never');
        r = rig(zone, { dialState: plan, number: '201' });
        const got = incoming(r.port);
        const t0 = Date.now();
        r.phone.offhook();
        const dial = soxPeaks(await heardFor(r.phone, t0, 600), 3);
        for (const hz of dialTone[zone]!) assert.ok(near(dial, hz), `dial tone peaks ${dial.join(', ')} should hold ${hz} Hz`);
        r.phone.dial('0800123');
        const leg = await got;
        assert.equal(leg.called.digits, '0800123');
        assert.equal(leg.calling.digits, '201');
        const ring0 = Date.now();
        leg.alert();
        const ringback = soxPeaks(await heardFor(r.phone, ring0, zone === 'us' ? 1500 : 900), 3);
        const z = toneZone(zone);
        const rbFreq = z.ringback.find((s) => s.freqs.length)!.freqs[0]!;
        assert.ok(near(ringback, rbFreq), `ringback peaks ${ringback.join(', ')} should hold ${rbFreq} Hz`);
        const busy0 = Date.now();
        leg.release(Cause.USER_BUSY);
        const busy = await heardFor(r.phone, busy0, 1200);
        const busyFreq = z.busy[0]!.freqs[0]!;
        assert.ok(near(soxPeaks(busy, 3), busyFreq), `busy tone at ${busyFreq} Hz`);
        assert.equal(r.port.state, 'tone');
        r.phone.onhook();
        await idle(r);
      });
    });
  }

  describe('zone nl', () => {
    it('sends DTMF caller ID before the first ring (A<number>C), read by an independent DTMF receiver', async () => {
      const r = rig('nl');
      try {
        const leg = r.port.originate({ digits: '0201234567' }, { digits: '' })!;
        const t0 = Date.now();
        leg.setup();
        await eventually('the first ring', () => r.phone.rings.some((x) => x.on), { timeoutMs: 5000 });
        const firstRing = r.phone.rings.find((x) => x.on)!.at;
        const before = new DtmfDetector();
        before.push((await heardFor(r.phone, t0, firstRing - t0 + 300)).subarray(0, ((firstRing - t0) * 8) | 0));
        before.push(new Int16Array(800));
        assert.equal(before.digits.join(''), 'A0201234567C', 'the whole message before the first ring');
        leg.release(Cause.NORMAL_CLEARING);
      } finally {
        r.close();
      }
    });
  });

  describe('zone us', () => {
    let r: Rig;
    afterEach(() => r.close());

    it('sends SDMF caller ID (number and date) when configured', async () => {
      r = rig('us', { sdmf: true, ringCadence: [400, 2000], clock: () => new Date(2026, 0, 2, 3, 4) });
      const leg = r.port.originate({ digits: '5551234', name: 'NOT SENT' }, { digits: '' })!;
      const t0 = Date.now();
      leg.setup();
      await eventually('second ring', () => r.phone.rings.filter((x) => x.on).length >= 2, { timeoutMs: 5000 });
      const steps = ringSteps(r.phone);
      assert.ok(Math.abs(steps[0]! - 400) < 100 && Math.abs(steps[1]! - 2000) < 150, `cadence ${steps.join('/')} honours 400/2000`);
      const bytes = minimodemReceive(r.phone.heard(t0), 'bell202');
      assert.ok(bytes.includes(0x04), 'SDMF message type 0x04');
      const text = bytes.toString('latin1');
      assert.ok(text.includes('010203045551234'), `SDMF date+number in ${JSON.stringify(text)}`);
      assert.ok(!text.includes('NOT SENT'));
      leg.release(Cause.NORMAL_CLEARING);
    });

    it('ends digit collection on the inter-digit timeout when the plan says ambiguous', async () => {
      r = rig('us', { dialState: (d) => (d.length >= 3 ? 'ambiguous' : 'incomplete'), interDigitMs: 800 });
      const got = incoming(r.port);
      r.phone.offhook();
      await eventually('dial tone', () => r.port.state === 'collecting');
      r.phone.dial('123');
      const t0 = Date.now();
      const leg = await got;
      const waited = Date.now() - t0;
      assert.equal(leg.called.digits, '123');
      assert.ok(waited >= 700, `placed ${waited} ms after the digits: the inter-digit timeout runs first`);
    });

    it('collects pulse digits too', async () => {
      r = rig('us', { dialState: (d) => (d.length === 3 ? 'complete' : 'incomplete') });
      const got = incoming(r.port);
      r.phone.offhook();
      await eventually('dial tone', () => r.port.state === 'collecting');
      await r.phone.dialPulses('911');
      assert.equal((await got).called.digits, '911');
    });

    it('plays congestion when no digit comes within the first-digit timeout, or the plan says never', async () => {
      r = rig('us', { firstDigitMs: 600, dialState: () => 'never' });
      r.phone.offhook();
      await eventually('congestion after the first-digit timeout', () => r.port.state === 'tone', { timeoutMs: 1500 });
      assert.ok(r.log.lines.some((l) => l.includes('no digit within 600 ms')));
      const t0 = Date.now();
      const congestion = await heardFor(r.phone, t0, 1000);
      assert.ok(near(soxPeaks(congestion, 3), 480) && near(soxPeaks(congestion, 3), 620), 'congestion 480+620 Hz');
      r.phone.onhook();
      await idle(r);
      let calls = 0;
      r.port.on('incoming', () => calls++);
      r.phone.offhook();
      await eventually('dial tone', () => r.port.state === 'collecting');
      r.phone.dial('9');
      await eventually('refused by the plan', () => r.port.state === 'tone', { timeoutMs: 2000 });
      assert.equal(calls, 0);
      assert.ok(r.log.lines.some((l) => l.includes('no route can match 9')));
    });

    it('blocked: offers no channel, gives congestion (480+620 Hz) instead of dial tone and places no call; a call in progress goes on; unblock restores dial tone', async () => {
      r = rig('us', { dialState: () => 'complete', number: '5550201', callerName: 'Lobby' });
      let calls = 0;
      r.port.on('incoming', () => calls++);
      r.port.block();
      assert.equal(r.port.blocked, true);
      assert.equal(r.port.freeChannels(), 0, 'the router hunts past it');
      assert.equal(r.port.originate({ digits: '1' }, { digits: '' }), null);
      const t0 = Date.now();
      r.phone.offhook();
      await eventually('congestion tone', () => r.port.state === 'tone', { timeoutMs: 1000 });
      const peaks = soxPeaks(await heardFor(r.phone, t0, 1000), 3);
      assert.ok(near(peaks, 480) && near(peaks, 620), `congestion 480+620 Hz, heard ${peaks.join(', ')}`);
      assert.ok(!near(peaks, 350), 'no dial tone (350+440 Hz)');
      r.phone.dial('5');
      // No call may come of it.
      await quietFor(500);
      assert.equal(calls, 0, 'digits on a blocked port place no call');
      r.phone.onhook();
      await idle(r);
      r.port.unblock();
      assert.equal(r.port.freeChannels(), 1);
      const got = incoming(r.port);
      r.phone.offhook();
      await eventually('dial tone again: collecting', () => r.port.state === 'collecting', { timeoutMs: 1000 });
      r.phone.dial('7');
      const leg = await got;
      assert.deepEqual(leg.calling, { digits: '5550201', presentation: 'allowed', name: 'Lobby' }, 'the extension\'s own identity');
      leg.answer();
      r.port.block();
      // The call must not be released by the block.
      await quietFor(300);
      assert.equal(leg.released, false, 'blocking leaves the call in progress alone');
      r.phone.onhook();
      await eventually('released', () => leg.released, { timeoutMs: 1000 });
    });

    it('passes a hook flash and digits from the phone during the call; releases with cause 19 when nobody answers', async () => {
      r = rig('us', { dialState: () => 'complete', noAnswerMs: 1500 });
      const got = incoming(r.port);
      r.phone.offhook();
      await eventually('dial tone', () => r.port.state === 'collecting');
      r.phone.dial('1');
      const leg = await got;
      leg.answer();
      let flashes = 0;
      leg.onFlash = () => flashes++;
      const digits: string[] = [];
      leg.on('digit', (d) => digits.push(d));
      r.phone.flash();
      r.phone.dial('42');
      await eventually('flash and digits', () => flashes === 1 && digits.join('') === '42', { timeoutMs: 3000 });
      r.phone.onhook();
      await idle(r);
      const out = r.port.originate({ digits: '1' }, { digits: '' })!;
      const cause = new Promise<number>((res) => out.once('released', res));
      out.setup();
      assert.equal(await cause, Cause.NO_ANSWER);
      await eventually('the ringer to stop', () => !r.phone.ringing);
    });
  });
});
