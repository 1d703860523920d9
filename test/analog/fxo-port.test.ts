// FXO ports against the simulated central office on the emulated card, in
// the us, gb and de zones: caller ID, dialing checked by the office's own
// DTMF receiver, answer and disconnect supervision, inactivity.
import assert from 'node:assert/strict';
import { FxoPort, type FxoLeg, type FxoPortOptions } from '../../src/analog/fxo-port.js';
import { Cause } from '../../src/call/q850.js';
import { CentralOffice } from '../../src/sim/central-office.js';
import { sineSignal } from '../../src/sim/sim-signals.js';
import { memoryLog, onePortCard } from './analog-helpers.js';
import { eventually, quietFor, waitForEvent } from '../support/waiting.js';

interface Rig {
  port: FxoPort;
  co: CentralOffice;
  log: ReturnType<typeof memoryLog>;
  close(): void;
}

function rig(zone: string, options: Partial<FxoPortOptions> = {}, coOptions: { dialTone?: boolean; callerId?: 'dtmf' } = {}): Rig {
  const hw = onePortCard('fxo', zone, options.callerId);
  const log = memoryLog();
  const port = new FxoPort({ name: 'fxo1', channel: hw.card.channel(1), zone, log, ...options });
  const co = new CentralOffice(hw.sim, 1, { zone, ...coOptions });
  return {
    port,
    co,
    log,
    close: () => {
      co.close();
      port.close();
      hw.close();
    },
  };
}

function incoming(port: FxoPort, ms: number): Promise<FxoLeg> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no incoming call within ${ms} ms`)), ms);
    port.once('incoming', (leg) => {
      clearTimeout(t);
      resolve(leg as FxoLeg);
    });
  });
}

function released(leg: FxoLeg): Promise<number> {
  return new Promise((resolve) => leg.once('released', resolve));
}

/** An outgoing call answered by the office; returns the leg once answered. */
async function answeredCall(r: Rig, digits: string): Promise<FxoLeg> {
  const leg = r.port.originate({ digits: '' }, { digits })!;
  assert.ok(leg, 'the port is free');
  let answered = false;
  leg.on('answered', () => (answered = true));
  leg.setup();
  await eventually(`the office receives ${digits}`, () => {
    assert.equal(r.co.digits, digits, `office off hook ${r.co.offhook}, port ${r.port.signallingState}/${r.port.hookState}; port log:\n${r.log.lines.join('\n')}`);
    return true;
  }, { timeoutMs: 8000 });
  r.co.answer({ polarity: true });
  await eventually('answered', () => answered, { timeoutMs: 3000 });
  // Holds the line quiet for a moment: no tone of the office's is left when the test goes on.
  await quietFor(300);
  return leg;
}

describe('FXO port against the central office @slow', () => {
  for (const zone of ['us', 'gb', 'de']) {
    describe(`zone ${zone}`, () => {
      let r: Rig;
      afterEach(() => r.close());

      it('announces an inbound call with the caller ID number and name, and answers it', async () => {
        r = rig(zone);
        const got = incoming(r.port, 12000);
        r.co.ring({ number: '02079460123', name: 'ADA LOVELACE', dateTime: '11290745' });
        const leg = await got;
        assert.equal(leg.direction, 'incoming');
        assert.equal(leg.calling.digits, '02079460123');
        assert.equal(leg.calling.name, 'ADA LOVELACE');
        let answered = false;
        leg.on('answered', () => (answered = true));
        leg.answer();
        await eventually('the office sees the answer', () => r.co.offhook, { timeoutMs: 8000 });
        assert.ok(answered);
      });

      it('seizes, waits for dial tone and dials the right digits (checked by the office\'s own DTMF receiver)', async () => {
        r = rig(zone, { answerSupervision: 'polarity' });
        const leg = r.port.originate({ digits: '' }, { digits: '4930123456' })!;
        const seen: string[] = [];
        for (const ev of ['proceeding', 'progress', 'answered'] as const) leg.on(ev, () => seen.push(ev));
        leg.setup();
        await eventually('the office receives all digits', () => r.co.digits.length >= 10, { timeoutMs: 8000 });
        assert.equal(r.co.digits, '4930123456');
        // No answer may come before the line reverses.
        await quietFor(300);
        assert.deepEqual(seen, ['proceeding', 'progress'], 'no answer before the line reverses');
        r.co.answer({ polarity: true });
        await eventually('answered on polarity reversal', () => seen.includes('answered'), { timeoutMs: 2000 });
        leg.release(Cause.NORMAL_CLEARING);
        await eventually('the office sees the clear', () => !r.co.offhook, { timeoutMs: 2000 });
      });

      for (const kind of ['loopCurrent', 'polarity', 'busy'] as const) {
        it(`releases the leg within 1 s when the office clears by ${kind}`, async () => {
          r = rig(zone, { answerSupervision: 'polarity', disconnect: [kind === 'busy' ? 'tone' : kind] });
          const leg = await answeredCall(r, '7');
          const cause = released(leg);
          const t0 = Date.now();
          r.co.hangup(kind);
          assert.equal(await cause, Cause.NORMAL_CLEARING);
          const ms = Date.now() - t0;
          // A tone is known by its cadence: one on/off cycle has to be heard first (us 1000 ms, de 960 ms).
          assert.ok(ms < 1000, `released after ${ms} ms`);
          await eventually('the port goes on hook', () => !r.co.offhook, { timeoutMs: 1000 });
          assert.ok(r.log.lines.some((l) => l.startsWith('released:') && l.includes(kind === 'busy' ? 'tone' : kind === 'loopCurrent' ? 'loop current' : 'polarity')));
        });
      }
    });
  }

  describe('zone us', () => {
    let r: Rig;
    afterEach(() => r.close());

    it('a single brief ring is not a call', async () => {
      r = rig('us');
      let calls = 0;
      r.port.on('incoming', () => calls++);
      r.co.ringBurst(200);
      await eventually('the port to dismiss the burst', () => r.log.lines.some((l) => l.includes('ring burst too short')), { timeoutMs: 3000 });
      // And no call after it.
      await quietFor(300);
      assert.equal(calls, 0);
    });

    it('blocked: offers no line and lets the office ring without a call; unblocked it takes the next ring', async () => {
      r = rig('us', { callerId: 'none' }); // a call at the first ring
      let calls = 0;
      r.port.on('incoming', () => calls++);
      r.port.block();
      assert.equal(r.port.freeChannels(), 0);
      assert.equal(r.port.originate({ digits: '' }, { digits: '1' }), null, 'never hunted for an outgoing call');
      r.co.ringBurst(1500); // over the zone's shortest ring (half of 2 s)
      // Past the end of the burst, no call may come.
      await quietFor(2000);
      assert.equal(calls, 0, 'no call from a ring on a blocked line');
      assert.equal(r.co.offhook, false, 'the line stays on hook');
      assert.equal(r.port.hookState, 'on-hook');
      r.port.unblock();
      assert.equal(r.port.freeChannels(), 1);
      const got = incoming(r.port, 5000);
      r.co.ringBurst(1500); // over the zone's shortest ring (half of 2 s)
      await got;
    });

    it('blocked with whenBlocked busy-out: holds the loop while idle, after a call in progress ends, and lets go on unblock', async () => {
      r = rig('us', { whenBlocked: 'busy-out', answerSupervision: 'polarity' });
      r.port.block();
      await eventually('seized', () => r.co.offhook, { timeoutMs: 1000 });
      assert.equal(r.port.hookState, 'off-hook');
      assert.equal(r.port.signallingState, 'busy-out');
      assert.equal(r.port.freeChannels(), 0);
      const cleared = waitForEvent(r.co, 'cleared', { what: 'the office to take the on-hook for a clear' });
      r.port.unblock();
      await eventually('back on hook', () => !r.co.offhook, { timeoutMs: 1000 });
      assert.equal(r.port.signallingState, 'idle');
      await cleared;
      // Known race, not yet understood (#15): a seize in the first ~100 ms after the office's clear
      // gets no dial tone ("no dial tone within 3000 ms of seizing"), about one run in two under load.
      await new Promise((r) => setTimeout(r, 100));
      const leg = await answeredCall(r, '42');
      r.port.block();
      // The call must not be released by the block.
      await quietFor(300);
      assert.equal(leg.released, false, 'blocking leaves the call in progress alone');
      r.co.hangup('loopCurrent');
      await eventually('released', () => leg.released, { timeoutMs: 2000 });
      await eventually('busied out once the call has left the line', () => r.port.signallingState === 'busy-out' && r.co.offhook, { timeoutMs: 3000 });
    });

    it('answers only once the configured ring count is reached (gb double ring: two bursts are one ring)', async () => {
      r = rig('gb', { answerAfterRings: 2 });
      const got = incoming(r.port, 12000);
      r.co.ring({ number: '5551234' });
      const leg = await got;
      leg.answer();
      // It must not go off hook within the first ring.
      await quietFor(300);
      assert.equal(r.co.offhook, false, 'still on hook after one ring');
      await eventually('off hook after the second ring', () => r.co.offhook, { timeoutMs: 8000 });
      assert.equal(r.co.burstsSent, 3, 'answered in the first burst of the second ring');
    });

    it('gives up with cause 34 and says so when there is no dial tone', async () => {
      r = rig('us', { dialToneTimeoutMs: 800 }, { dialTone: false });
      const leg = r.port.originate({ digits: '' }, { digits: '123' })!;
      const cause = released(leg);
      leg.setup();
      assert.equal(await cause, Cause.NO_CIRCUIT_AVAILABLE);
      assert.ok(r.log.lines.some((l) => l.includes('no dial tone within 800 ms')));
      assert.equal(r.co.digits, '');
    });

    it('keeps digits sent before dial tone and dials them after the first ones (overlap sending)', async () => {
      r = rig('us');
      const leg = r.port.originate({ digits: '' }, { digits: '49' })!;
      leg.setup();
      leg.sendDigits('30');
      await eventually('four digits', () => r.co.digits.length >= 4, { timeoutMs: 6000 });
      assert.equal(r.co.digits, '4930');
      assert.equal(leg.called.digits, '4930');
    });

    it('dials by loop-disconnect pulses when configured', async () => {
      r = rig('us', { dialing: 'pulse' });
      const leg = r.port.originate({ digits: '' }, { digits: '303' })!;
      leg.setup();
      await eventually('three pulse digits', () => r.co.digits.length >= 3, { timeoutMs: 8000 });
      assert.equal(r.co.digits, '303');
    });

    it('sends a hook flash to the office', async () => {
      r = rig('us', { answerSupervision: 'polarity' });
      const leg = await answeredCall(r, '5');
      const flashes: number[] = [];
      r.co.sim.on('far', (e) => e.kind === 'flash' && flashes.push(1));
      leg.flash();
      await eventually('the office sees the flash', () => flashes.length === 1, { timeoutMs: 1000 });
    });

    it('releases a call with no supervision at all after the inactivity limit, saying why', async () => {
      r = rig('us', { answerSupervision: 'polarity', inactivityMs: 1500 });
      const leg = await answeredCall(r, '9');
      const cause = released(leg);
      // Speech keeps the call up; then the far end goes silent and never clears.
      r.co.play(sineSignal(440, 1500, -20));
      const t0 = Date.now();
      r.co.hangup('none');
      assert.equal(await cause, Cause.RECOVERY_ON_TIMER_EXPIRY);
      const ms = Date.now() - t0;
      assert.ok(ms >= 2500, `released after ${ms} ms, before the speech ended and the limit ran`);
      assert.ok(r.log.lines.some((l) => l.includes('inactivity limit') && l.includes('1500 ms')));
    });
  });

  describe('DTMF caller ID (zone nl)', () => {
    it('decodes the number sent as DTMF before the first ring', async () => {
      const r = rig('nl');
      try {
        const got = incoming(r.port, 10000);
        r.co.ring({ number: '0201234567' });
        const leg = await got;
        assert.equal(leg.calling.digits, '0201234567');
      } finally {
        r.close();
      }
    });
  });
});
