import assert from 'node:assert/strict';
import { Dsp, SAMPLE_RATE_HZ, sinePeakForDbm0 } from '../../src/hw/dsp.js';
import { concat, requireTool, silence, soxEcho, soxLevelDbm0, soxMix, soxNoise, soxTones } from '../peers/signals.js';

const FRAME = 160; // 20 ms, as the card I/O thread hands frames over

describe('level meter in dBm0, against sox sines', () => {
  before(() => requireTool('sox'));

  it('states its dBm0 reference: 0 dBm0 is a sine of about 22,826 peak (3.14 dB below full scale)', () => {
    assert.ok(Math.abs(sinePeakForDbm0(0) - 22826) < 1);
    const peak = Math.max(...soxTones([{ hz: 1004, dbm0: 0 }], 100));
    assert.ok(Math.abs(peak - 22826) <= 30, `sox made a 0 dBm0 sine of ${peak} peak`);
  });

  for (const level of [0, -10, -20, -30, -40]) {
    it(`reads a ${level} dBm0 sox sine at 1004 Hz within 0.5 dB`, () => {
      const dsp = new Dsp({});
      dsp.rx(soxTones([{ hz: 1004, dbm0: level }], 1000));
      const got = dsp.levels().rxDbm0;
      assert.ok(Math.abs(got - level) <= 0.5, `read ${got.toFixed(2)} dBm0`);
    });
  }

  it('reads silence as -96 dBm0 and follows a 20 dB drop within 1 s', () => {
    const dsp = new Dsp({});
    dsp.rx(silence(200));
    assert.equal(dsp.levels().rxDbm0, -96);
    dsp.rx(concat(soxTones([{ hz: 1004, dbm0: -10 }], 1000), soxTones([{ hz: 1004, dbm0: -30 }], 1000)));
    assert.ok(Math.abs(dsp.levels().rxDbm0 - -30) <= 0.5);
  });

  it('applies rx gain before the meter and to the audio it hands back (sox agrees)', () => {
    const dsp = new Dsp({ rxGainDb: -6 });
    const { clean } = dsp.rxWithAudio(soxTones([{ hz: 1004, dbm0: -10 }], 1000));
    assert.ok(Math.abs(dsp.levels().rxDbm0 - -16) <= 0.5, `meter ${dsp.levels().rxDbm0}`);
    const sox = soxLevelDbm0(clean.subarray(SAMPLE_RATE_HZ / 2));
    assert.ok(Math.abs(sox - -16) <= 0.5, `sox measures ${sox.toFixed(2)} dBm0`);
  });

  it('meters tx after tx gain, and sox measures the same on what went out', () => {
    const dsp = new Dsp({ txGainDb: 3 });
    const { samples } = dsp.tx(soxTones([{ hz: 1004, dbm0: -13 }], 1000));
    assert.ok(Math.abs(dsp.levels().txDbm0 - -10) <= 0.5, `meter ${dsp.levels().txDbm0}`);
    assert.ok(Math.abs(soxLevelDbm0(samples) - -10) <= 0.5);
  });
});

/** Runs tx and rx frame by frame, as the I/O thread does; returns the cleaned rx audio. */
function runLine(dsp: Dsp, tx: Int16Array, rx: Int16Array): Int16Array {
  const clean = new Int16Array(rx.length);
  for (let i = 0; i < rx.length; i += FRAME) {
    dsp.tx(tx.subarray(i, i + FRAME));
    clean.set(dsp.rxWithAudio(rx.subarray(i, i + FRAME)).clean, i);
  }
  return clean;
}

describe('echo canceller @slow', () => {
  before(() => requireTool('sox'));
  const seconds = 6;
  const n = seconds * SAMPLE_RATE_HZ;
  const last2s = n - 2 * SAMPLE_RATE_HZ;

  /** ERLE over the last 2 s, as sox measures it on the echo and on what is left of it. */
  function erle(echo: Int16Array, clean: Int16Array): number {
    return soxLevelDbm0(echo.subarray(last2s)) - soxLevelDbm0(clean.subarray(last2s));
  }

  for (const txDbm0 of [-30, -15, -5]) {
    it(`cancels a 20 ms echo 10 dB down of ${txDbm0} dBm0 white noise: ERLE over 30 dB after 4 s`, () => {
      const tx = soxNoise(n, txDbm0);
      const echo = soxEcho(tx, 20, 10);
      const dsp = new Dsp({ echoCanceller: true, echoTailMs: 64, dtmfRx: false });
      const measured = erle(echo, runLine(dsp, tx, echo));
      console.log(`      ERLE ${measured.toFixed(1)} dB by sox; the canceller reports ${dsp.levels().erleDb.toFixed(1)} dB`);
      assert.ok(measured >= 30, `ERLE only ${measured.toFixed(1)} dB`);
      assert.ok(dsp.levels().erleDb >= 30, `canceller reports ${dsp.levels().erleDb.toFixed(1)} dB`);
    });
  }

  it('stays converged when the far end talks in bursts from -40 to -10 dBm0', () => {
    const tx = concat(...Array.from({ length: 12 }, (_, i) => soxNoise(4000, [-10, -30, -18, -40][i % 4]!)));
    const echo = soxEcho(tx, 20, 10);
    const measured = erle(echo, runLine(new Dsp({ echoCanceller: true, echoTailMs: 64, dtmfRx: false }), tx, echo));
    assert.ok(measured >= 15, `ERLE ${measured.toFixed(1)} dB`);
  });

  it('leaves the echo in when the canceller is off (ERLE 0)', () => {
    const tx = soxNoise(n, -15);
    const echo = soxEcho(tx, 20, 10);
    const dsp = new Dsp({ dtmfRx: false });
    assert.ok(Math.abs(erle(echo, runLine(dsp, tx, echo))) < 0.1);
    assert.equal(dsp.levels().erleDb, 0);
  });

  it('cannot cancel an echo longer than its tail', () => {
    const tx = soxNoise(n, -15);
    const echo = soxEcho(tx, 40, 10);
    const measured = erle(echo, runLine(new Dsp({ echoCanceller: true, echoTailMs: 16, dtmfRx: false }), tx, echo));
    assert.ok(measured < 3, `ERLE ${measured.toFixed(1)} dB with a 40 ms echo and a 16 ms tail`);
  });

  it('passes the near-end talker through double talk at its own level', () => {
    const tx = soxNoise(n, -15);
    const nearEnd = concat(silence(4000), soxTones([{ hz: 1004, dbm0: -20 }], 2000));
    const rx = soxMix(soxEcho(tx, 20, 10), nearEnd);
    const clean = runLine(new Dsp({ echoCanceller: true, echoTailMs: 64, dtmfRx: false }), tx, rx);
    const level = soxLevelDbm0(clean.subarray(last2s));
    assert.ok(Math.abs(level - -20) <= 0.5, `near-end tone comes out at ${level.toFixed(2)} dBm0`);
  });

  it('refuses a tail outside 8..128 ms, naming the field', () => {
    assert.throws(() => new Dsp({ echoCanceller: true, echoTailMs: 512 }), /echoTailMs must be 8\.\.128, got 512/);
  });
});
