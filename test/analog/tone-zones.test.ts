import assert from 'node:assert/strict';
import { cadencePeriod, toneZone, toneZoneCodes } from '../../src/analog/tone-zones.js';

describe('tone zones', () => {
  it('covers the countries installers ask for', () => {
    for (const code of ['us', 'ca', 'gb', 'de', 'fr', 'nl', 'it', 'es', 'se', 'au', 'in', 'br', 'jp']) {
      assert.equal(toneZone(code).code, code);
    }
  });

  it('accepts upper-case codes and names the known ones for an unknown code', () => {
    assert.equal(toneZone('GB').country, 'United Kingdom');
    assert.throws(() => toneZone('xx'), /unknown tone zone 'xx' \(known: us, ca, gb/);
  });

  it('plays the North American precise tones: dial 350+440 steady, busy 480+620 at 60 ipm', () => {
    const us = toneZone('us');
    assert.deepEqual(us.dial, [{ freqs: [350, 440], ms: 0 }]);
    assert.deepEqual(us.busy.map((s) => s.ms), [500, 500]);
    assert.equal(cadencePeriod(us.congestion), 500);
  });

  it('rings double in the UK and single in Germany', () => {
    assert.deepEqual(toneZone('gb').ringCadence, [400, 200, 400, 2000]);
    assert.deepEqual(toneZone('de').ringCadence, [1000, 4000]);
  });

  it('keeps every tone audible and every cadence alternating tone and silence', () => {
    for (const code of toneZoneCodes()) {
      const z = toneZone(code);
      for (const [name, tone] of Object.entries({ dial: z.dial, ringback: z.ringback, busy: z.busy, congestion: z.congestion })) {
        assert.ok(tone.length > 0, `${code} ${name}`);
        assert.ok(tone[0]!.freqs.length > 0, `${code} ${name} starts with sound`);
        for (const step of tone) {
          for (const f of step.modulated ? step.freqs.slice(0, 1) : step.freqs) {
            assert.ok(f >= 300 && f <= 3400, `${code} ${name} ${f} Hz is outside the voice band`);
          }
        }
        if (tone.length > 1) assert.ok(tone.every((s) => s.ms > 0), `${code} ${name}: a cadenced tone has no steady step`);
      }
      assert.equal(z.ringCadence.length % 2, 0, `${code} ring cadence pairs on/off`);
    }
  });
});
