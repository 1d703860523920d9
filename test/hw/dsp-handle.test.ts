import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Dsp, type DspConfig } from '../../src/hw/dsp.js';

describe('DSP handle: bad input from JavaScript', () => {
  it('names the config field that has the wrong type', () => {
    assert.throws(() => new Dsp({ dtmfRx: 'yes' } as unknown as DspConfig), /dsp config\.dtmfRx must be a boolean/);
    assert.throws(() => new Dsp({ rxGainDb: Number.NaN }), /dsp config\.rxGainDb must be a finite number/);
    assert.throws(() => new Dsp({ callerIdRx: 'fsk' } as unknown as DspConfig), /callerIdRx must be one of none, bell202, v23, etsi-dtmf/);
    assert.throws(() => new Dsp({ tones: [{ name: 'busy', freq1Hz: 480, cadence: [{ onMs: 500.5, offMs: 500 }] }] }), /tones\[0\]\.cadence\[0\]\.onMs must be an integer/);
    assert.throws(() => new Dsp({ txGainDb: 40 }), /within \+\/-24 dB/);
  });

  it('refuses samples that are not an Int16Array', () => {
    const dsp = new Dsp({});
    assert.throws(() => dsp.rx(new Float32Array(160) as unknown as Int16Array), /Int16Array/);
    assert.throws(() => dsp.tx(-1), /sample count/);
  });

  it('says so when used after close(), and close() twice is harmless', () => {
    const dsp = new Dsp({});
    dsp.close();
    dsp.close();
    assert.throws(() => dsp.rx(new Int16Array(160)), /handle is closed/);
    assert.throws(() => dsp.levels(), /handle is closed/);
  });

  it('takes any audio, any length, without crashing or inventing caller ID', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 2000 }), (values) => {
        const dsp = new Dsp({ callerIdRx: 'bell202', toneRx: true, tones: [{ name: 'dial', freq1Hz: 350, freq2Hz: 440 }], echoCanceller: true });
        dsp.tx(values.length);
        const events = dsp.rx(Int16Array.from(values));
        assert.ok(events.every((e) => e.kind !== 'caller-id'));
        dsp.close();
      }),
      { numRuns: 50 },
    );
  });
});
