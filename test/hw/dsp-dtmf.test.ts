import assert from 'node:assert/strict';
import { Dsp, type DspEvent } from '../../src/hw/dsp.js';
import { DTMF_KEYS, bursts, concat, requireTool, silence, soxDtmf, soxLevelDbm0, soxPeaks, soxTones, withNoise } from '../peers/signals.js';

const ALL = '123A456B789C*0#D';

function digits(events: DspEvent[]): string {
  return events.flatMap((e) => (e.kind === 'dtmf' ? [e.digit] : [])).join('');
}

function detect(samples: Int16Array): DspEvent[] {
  const dsp = new Dsp({});
  try {
    return dsp.rx(samples);
  } finally {
    dsp.close();
  }
}

describe('DTMF through spandsp, against sox-made tones', () => {
  before(() => requireTool('sox'));

  for (const level of [-10, -20, -30]) {
    it(`detects all 16 digits at ${level} dBm0 per tone`, () => {
      assert.equal(digits(detect(soxDtmf(ALL, { onMs: 60, offMs: 60, lowDbm0: level }))), ALL);
    });
  }

  // Q.24 frequency tolerance, one frequency of the pair off at a time (the
  // Mitel/Bellcore bandwidth method): operate within 1.5%.
  for (const deviation of [0.015, -0.015]) {
    for (const group of ['low', 'high'] as const) {
      it(`detects all 16 digits with the ${group} group tone off by ${deviation > 0 ? '+' : ''}${(deviation * 100).toFixed(1)}%`, () => {
        const k = 1 + deviation;
        const signal = concat(
          silence(60),
          ...[...ALL].flatMap((key) => {
            const [lo, hi] = DTMF_KEYS[key]!;
            return [soxTones([{ hz: group === 'low' ? lo * k : lo, dbm0: -15 }, { hz: group === 'high' ? hi * k : hi, dbm0: -15 }], 60), silence(60)];
          }),
        );
        assert.equal(digits(detect(signal)), ALL);
      });
    }
  }

  // Must not operate beyond 3.5% (both tones of each digit off).
  for (const deviation of [0.035, -0.035]) {
    it(`rejects all 16 digits with both tones off by ${deviation > 0 ? '+' : ''}${(deviation * 100).toFixed(1)}%`, () => {
      assert.equal(digits(detect(soxDtmf(ALL, { onMs: 60, offMs: 60, lowDbm0: -15, scale: 1 + deviation }))), '');
    });
  }

  it('detects 40 ms tones with 40 ms gaps', () => {
    assert.equal(digits(detect(soxDtmf(ALL, { onMs: 40, offMs: 40, lowDbm0: -15 }))), ALL);
  });

  it('rejects 20 ms tones', () => {
    assert.equal(digits(detect(soxDtmf(ALL, { onMs: 20, offMs: 60, lowDbm0: -15 }))), '');
  });

  for (const base of [-10, -24]) {
    it(`accepts +4 dB twist (high group above low group, high at ${base} dBm0)`, () => {
      assert.equal(digits(detect(soxDtmf(ALL, { onMs: 40, offMs: 40, lowDbm0: base - 4, highDbm0: base }))), ALL);
    });

    it(`accepts -8 dB twist (high group below low group, low at ${base} dBm0)`, () => {
      assert.equal(digits(detect(soxDtmf(ALL, { onMs: 40, offMs: 40, lowDbm0: base, highDbm0: base - 8 }))), ALL);
    });
  }

  it('rejects +8 dB and -12 dB twist', () => {
    assert.equal(digits(detect(soxDtmf(ALL, { onMs: 60, offMs: 60, lowDbm0: -18, highDbm0: -10 }))), '');
    assert.equal(digits(detect(soxDtmf(ALL, { onMs: 60, offMs: 60, lowDbm0: -10, highDbm0: -22 }))), '');
  });

  it('detects digits in white noise 15 dB below the two tones together', () => {
    const tones = soxDtmf(ALL, { onMs: 60, offMs: 60, lowDbm0: -20 });
    const oneDigit = soxTones([{ hz: 697, dbm0: -20 }, { hz: 1209, dbm0: -20 }], 60);
    assert.equal(digits(detect(withNoise(tones, 15, oneDigit))), ALL);
  });

  it('reports each digit once, with its start and its duration', () => {
    const events = detect(soxDtmf('159', { onMs: 100, offMs: 100, lowDbm0: -10 }));
    assert.deepEqual(events.map((e) => e.kind), ['dtmf-begin', 'dtmf', 'dtmf-begin', 'dtmf', 'dtmf-begin', 'dtmf']);
    for (const e of events) {
      if (e.kind === 'dtmf') assert.ok(Math.abs(e.durationMs - 100) <= 20, `duration ${e.durationMs} ms for a 100 ms tone`);
    }
    const first = events[0]!;
    // The first tone starts at 100 ms; spandsp confirms a digit over two 12.75 ms blocks.
    assert.ok(first.atMs >= 100 && first.atMs <= 140, `begin reported at ${first.atMs} ms`);
  });

  it('stays silent on a dial tone and on speech-band single tones', () => {
    const signal = concat(soxTones([{ hz: 350, dbm0: -13 }, { hz: 440, dbm0: -13 }], 1000), silence(100), soxTones([{ hz: 1000, dbm0: -10 }], 500));
    assert.equal(digits(detect(signal)), '');
  });
});

describe('DTMF generator, checked by sox', () => {
  before(() => requireTool('sox'));

  it('sends each queued digit as its two Q.23 frequencies, at the configured level and timing', () => {
    const dsp = new Dsp({ dtmfTxLevelDbm0: -10, dtmfTxTwistDb: 0, dtmfTxOnMs: 80, dtmfTxOffMs: 80 });
    dsp.sendDigits(ALL);
    assert.equal(dsp.txBusy, true);
    const { samples, generated } = dsp.tx(16 * 160 * 8 + 800);
    assert.equal(dsp.txBusy, false);
    assert.ok(Math.abs(generated - 16 * 160 * 8) <= 160, `generated ${generated} samples`);
    const runs = bursts(samples);
    assert.equal(runs.length, 16);
    runs.forEach(([start, end], i) => {
      const key = ALL[i]!;
      assert.ok(Math.abs(end - start - 640) <= 8, `digit ${key} lasts ${(end - start) / 8} ms`);
      const tone = samples.subarray(start, end);
      const peaks = soxPeaks(tone, 2).sort((a, b) => a - b);
      const [lo, hi] = DTMF_KEYS[key]!;
      assert.ok(Math.abs(peaks[0]! - lo) <= lo * 0.015 && Math.abs(peaks[1]! - hi) <= hi * 0.015, `digit ${key}: sox sees ${peaks.join(' and ')} Hz`);
      // Two tones at -10 dBm0 each add up to -6.99 dBm0.
      const level = soxLevelDbm0(tone);
      assert.ok(Math.abs(level - -6.99) <= 0.5, `digit ${key}: sox measures ${level.toFixed(2)} dBm0`);
    });
  });

  it('mixes digits into the voice it carries, at their own level whatever the tx gain', () => {
    const dsp = new Dsp({ txGainDb: -6, dtmfTxLevelDbm0: -10, dtmfTxTwistDb: 0, dtmfTxOnMs: 200, dtmfTxOffMs: 50 });
    dsp.sendDigits('5');
    const { samples, generated } = dsp.tx(soxTones([{ hz: 400, dbm0: -14 }], 200));
    assert.equal(generated, 1600);
    const peaks = soxPeaks(samples, 3).sort((a, b) => a - b);
    assert.deepEqual(peaks.map((p) => Math.round(p / 10) * 10), [400, 770, 1340]);
    // Voice cut 6 dB to -20 dBm0, two tones at -10 dBm0: -6.79 dBm0 together.
    const level = soxLevelDbm0(samples);
    assert.ok(Math.abs(level - -6.79) <= 0.5, `sox measures ${level.toFixed(2)} dBm0`);
  });

  it('refuses a character that is not a DTMF digit, naming it', () => {
    const dsp = new Dsp({});
    assert.throws(() => dsp.sendDigits('12x'), /'x' is not a DTMF digit/);
  });

  it('our generator and our detector agree end to end', () => {
    const dsp = new Dsp({});
    dsp.sendDigits('0123456789');
    const { samples } = dsp.tx(20 * 200 * 8);
    assert.equal(digits(detect(samples)), '0123456789');
  });
});
