// gateway.yaml's analog ports become FXO and FXS port options: the zone's
// caller ID variant, the disconnect signs, the answer ring, the destination.
import assert from 'node:assert/strict';
import { FxoPort, type FxoLeg } from '../../src/analog/fxo-port.js';
import { analogPortOptions, callerIdFor, SILENCE_DISCONNECT_MS } from '../../src/ops/analog-port-config.js';
import { toneZone } from '../../src/analog/tone-zones.js';
import { Cause } from '../../src/call/q850.js';
import { CentralOffice } from '../../src/sim/central-office.js';
import { zoneTone } from '../../src/sim/sim-signals.js';
import { memoryLog, onePortCard } from '../analog/analog-helpers.js';
import { eventually, quietFor } from '../support/waiting.js';

describe('analog port configuration', () => {
  it('keeps the zone\'s own V.23 variant and falls back to ETSI before the ring', () => {
    assert.equal(callerIdFor(toneZone('gb'), 'v23'), 'v23-bt');
    assert.equal(callerIdFor(toneZone('de'), 'v23'), 'v23-after-ring');
    assert.equal(callerIdFor(toneZone('us'), 'v23'), 'v23-etsi');
    assert.equal(callerIdFor(toneZone('us'), undefined), 'bell202');
    assert.equal(callerIdFor(toneZone('nl'), 'none'), 'none');
  });

  it('maps disconnect signs, and silence to the inactivity limit', () => {
    const hw = onePortCard('fxo', 'us');
    try {
      const r = analogPortOptions({ name: 'l1', port: 1, signalling: 'fxo', disconnect: ['polarity-reversal', 'silence'], answerOnRing: 3 }, hw.card.channel(1), 'us');
      assert.equal(r.kind, 'fxo');
      if (r.kind !== 'fxo') return;
      assert.deepEqual(r.options.disconnect, ['polarity']);
      assert.equal(r.options.inactivityMs, SILENCE_DISCONNECT_MS);
      assert.equal(r.options.answerAfterRings, 3);
    } finally {
      hw.close();
    }
  });

  it('an FXS port\'s number and caller name, an FXO line\'s number, blocking mode and answer supervision reach the port options', () => {
    const hw = onePortCard('fxo', 'us');
    try {
      const fxs = analogPortOptions({ name: 'lobby', port: 1, signalling: 'fxs', number: '5550201', callerName: 'Lobby' }, hw.card.channel(1), 'us');
      assert.ok(fxs.kind === 'fxs');
      assert.equal(fxs.options.number, '5550201');
      assert.equal(fxs.options.callerName, 'Lobby');
      const fxo = analogPortOptions({ name: 'l1', port: 1, signalling: 'fxo', number: '5550101', whenBlocked: 'busy-out', answerSupervision: 'polarity-reversal' }, hw.card.channel(1), 'us');
      assert.ok(fxo.kind === 'fxo');
      assert.equal(fxo.options.number, '5550101');
      assert.equal(fxo.options.whenBlocked, 'busy-out');
      assert.equal(fxo.options.answerSupervision, 'polarity');
      const plain = analogPortOptions({ name: 'l2', port: 1, signalling: 'fxo' }, hw.card.channel(1), 'us');
      assert.ok(plain.kind === 'fxo');
      assert.equal(plain.options.answerSupervision, undefined, 'no supervision configured: the port assumes the answer');
    } finally {
      hw.close();
    }
  });

  describe('on the emulated card @slow', () => {
    it('a de port configured for V.23, destination 100 and dial-tone disconnect takes a call and clears on dial tone', async () => {
      const hw = onePortCard('fxo', 'de');
      const log = memoryLog();
      const r = analogPortOptions({ name: 'amt', port: 1, signalling: 'fxo', toneZone: 'de', callerId: 'v23', destination: '100', disconnect: ['dial-tone'] }, hw.card.channel(1), 'us', log);
      assert.equal(r.kind, 'fxo');
      const port = new FxoPort(r.options);
      const co = new CentralOffice(hw.sim, 1, { zone: 'de' });
      try {
        const got = new Promise<FxoLeg>((res) => port.once('incoming', (l) => res(l as FxoLeg)));
        co.ring({ number: '0301234567', name: 'KONRAD ZUSE' });
        const leg = await got;
        assert.equal(leg.called.digits, '100');
        assert.equal(leg.calling.name, 'KONRAD ZUSE');
        leg.answer();
        await eventually('off hook', () => co.offhook, { timeoutMs: 8000 });
        // The line holds quiet a moment after the answer, so that the dial tone below is heard as new.
        await quietFor(300);
        const cause = new Promise<number>((res) => leg.once('released', res));
        const t0 = Date.now();
        co.play(zoneTone(toneZone('de'), 'dial', 2000));
        assert.equal(await cause, Cause.NORMAL_CLEARING);
        assert.ok(Date.now() - t0 < 1000, `released after ${Date.now() - t0} ms`);
        assert.ok(log.lines.some((l) => l.includes('dial tone after answer')));
      } finally {
        co.close();
        port.close();
        hw.close();
      }
    });
  });
});
