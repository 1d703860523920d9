import assert from 'node:assert/strict';
import { Dsp, type DspEvent, type ToneDefinition } from '../../src/hw/dsp.js';
import { bursts, concat, requireTool, silence, soxLevelDbm0, soxMix, soxNoise, soxPeaks, soxTones } from '../peers/signals.js';

/** The United States tone zone (ANSI T1.401 / GR-506-CORE call progress tones). */
const US: ToneDefinition[] = [
  { name: 'dial', freq1Hz: 350, freq2Hz: 440, level1Dbm0: -13, level2Dbm0: -13 },
  { name: 'ringback', freq1Hz: 440, freq2Hz: 480, level1Dbm0: -19, level2Dbm0: -19, cadence: [{ onMs: 2000, offMs: 4000 }] },
  { name: 'busy', freq1Hz: 480, freq2Hz: 620, level1Dbm0: -24, level2Dbm0: -24, cadence: [{ onMs: 500, offMs: 500 }] },
  { name: 'congestion', freq1Hz: 480, freq2Hz: 620, level1Dbm0: -24, level2Dbm0: -24, cadence: [{ onMs: 250, offMs: 250 }] },
];

function tones(events: DspEvent[]): string[] {
  return events.flatMap((e) => (e.kind === 'tone' || e.kind === 'tone-ended' ? [`${e.kind}:${e.tone}`] : []));
}

function detect(samples: Int16Array): DspEvent[] {
  const dsp = new Dsp({ toneRx: true, tones: US, dtmfRx: false });
  try {
    return dsp.rx(samples);
  } finally {
    dsp.close();
  }
}

function cadence(hz: [number, number], dbm0: number, onMs: number, offMs: number, cycles: number): Int16Array {
  const on = soxTones([{ hz: hz[0], dbm0 }, { hz: hz[1], dbm0 }], onMs);
  return concat(...Array.from({ length: cycles }, () => [on, silence(offMs)]).flat());
}

describe('call-progress tone detection for a zone, against sox-made tones', () => {
  before(() => requireTool('sox'));

  it('detects US dial tone (350+440 Hz continuous), and its end', () => {
    const events = detect(concat(soxTones([{ hz: 350, dbm0: -13 }, { hz: 440, dbm0: -13 }], 2000), silence(500)));
    assert.deepEqual(tones(events), ['tone:dial', 'tone-ended:dial']);
    const [on, off] = events.filter((e) => e.kind === 'tone' || e.kind === 'tone-ended');
    assert.ok(on!.atMs >= 300 && on!.atMs <= 500, `dial tone reported at ${on!.atMs} ms`);
    assert.ok(off!.atMs >= 2000 && off!.atMs <= 2150, `dial tone end reported at ${off!.atMs} ms`);
  });

  it('detects US busy (480+620 Hz, 500 ms on / 500 ms off) by its cadence, over -50 dBm0 of white line noise', () => {
    const busy = cadence([480, 620], -24, 500, 500, 4);
    const events = detect(soxMix(busy, soxNoise(busy.length, -50)));
    assert.deepEqual(tones(events).slice(0, 1), ['tone:busy']);
    assert.ok(!tones(events).includes('tone:congestion'));
    const first = events.find((e) => e.kind === 'tone')!;
    // One full on/off cycle has to be seen before the cadence is confirmed.
    assert.ok(first.atMs >= 900 && first.atMs <= 1500, `busy reported at ${first.atMs} ms`);
  });

  it('tells congestion (250/250) from busy on the same frequencies', () => {
    const t = tones(detect(cadence([480, 620], -24, 250, 250, 6)));
    assert.equal(t[0], 'tone:congestion');
    assert.ok(!t.includes('tone:busy'));
  });

  it('detects US ringback (440+480 Hz, 2 s on / 4 s off)', () => {
    assert.equal(tones(detect(cadence([440, 480], -19, 2000, 4000, 2)))[0], 'tone:ringback');
  });

  for (const hz of [[425], [300, 440], [350, 500], [1000, 1400]]) {
    it(`reports nothing for ${hz.join('+')} Hz, which is not a tone of the zone`, () => {
      assert.deepEqual(tones(detect(concat(soxTones(hz.map((f) => ({ hz: f, dbm0: -13 })), 2000), silence(300)))), []);
    });
  }

  it('does not take a busy cadence played too slowly (800/800) for busy or congestion', () => {
    const t = tones(detect(cadence([480, 620], -24, 800, 800, 4)));
    assert.ok(!t.includes('tone:busy') && !t.includes('tone:congestion'), t.join(', '));
  });
});

describe('zone tone generator, measured by sox', () => {
  before(() => requireTool('sox'));

  it('plays dial tone at 350 and 440 Hz, -13 dBm0 each', () => {
    const dsp = new Dsp({ tones: US });
    dsp.playTone('dial');
    const { samples, generated } = dsp.tx(8000);
    assert.equal(generated, 8000);
    const peaks = soxPeaks(samples, 2).sort((a, b) => a - b);
    assert.ok(Math.abs(peaks[0]! - 350) <= 3 && Math.abs(peaks[1]! - 440) <= 3, `sox sees ${peaks.join(' and ')} Hz`);
    // Two tones at -13 dBm0 make -9.99 dBm0 together.
    const level = soxLevelDbm0(samples);
    assert.ok(Math.abs(level - -9.99) <= 0.5, `sox measures ${level.toFixed(2)} dBm0`);
    dsp.stopTone();
    assert.equal(dsp.tx(160).generated, 0);
  });

  it('plays busy at 480 and 620 Hz with the zone cadence, 500 ms on and 500 ms off', () => {
    const dsp = new Dsp({ tones: US });
    dsp.playTone('busy');
    const samples = concat(...Array.from({ length: 150 }, () => dsp.tx(160).samples));
    const runs = bursts(samples);
    assert.equal(runs.length, 3);
    for (const [start, end] of runs) assert.ok(Math.abs(end - start - 4000) <= 16, `on for ${(end - start) / 8} ms`);
    for (let i = 1; i < runs.length; i++) {
      const gap = runs[i]![0] - runs[i - 1]![1];
      assert.ok(Math.abs(gap - 4000) <= 16, `off for ${gap / 8} ms`);
    }
    const on = samples.subarray(runs[0]![0], runs[0]![1]);
    const peaks = soxPeaks(on, 2).sort((a, b) => a - b);
    assert.ok(Math.abs(peaks[0]! - 480) <= 3 && Math.abs(peaks[1]! - 620) <= 3, `sox sees ${peaks.join(' and ')} Hz`);
    const level = soxLevelDbm0(on);
    assert.ok(Math.abs(level - -20.99) <= 0.5, `sox measures ${level.toFixed(2)} dBm0 in the on period`);
  });

  it('our busy tone is recognised by our detector as busy', () => {
    const tx = new Dsp({ tones: US });
    tx.playTone('busy');
    assert.equal(tones(detect(tx.tx(3 * 8000).samples))[0], 'tone:busy');
  });

  it('refuses an unknown tone and bad definitions, naming them', () => {
    assert.throws(() => new Dsp({ tones: US }).playTone('howler'), /no tone "howler"/);
    assert.throws(() => new Dsp({ tones: [{ name: 'x', freq1Hz: 5000 }] }), /tones\[0\]: tone "x": freq1Hz must be 1\.\.3900/);
    assert.throws(() => new Dsp({ tones: [{ name: 'x', freq1Hz: 400, cadence: [{ onMs: 0, offMs: 10 }] }] }), /cadence on must be/);
    assert.throws(() => new Dsp({ tones: [US[0]!, US[0]!] }), /"dial" defined twice/);
    assert.throws(() => new Dsp({ tones: [{ name: 'x', freq1Hz: '400' } as unknown as ToneDefinition] }), /dsp config\.tones\[0\]\.freq1Hz must be a finite number/);
  });
});
