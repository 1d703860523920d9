// The simulators' own DTMF receiver, which checks what FXO ports dial
// without the card's DSP: it must read sox-made digits and ignore tones.
import assert from 'node:assert/strict';
import { DtmfDetector } from '../../src/sim/dtmf-detector.js';
import { concat, requireTool, silence, soxDtmf, soxNoise, soxTones } from '../peers/signals.js';

describe('simulator DTMF receiver', () => {
  before(() => requireTool('sox'));

  it('reads digits sox generates (Q.23 pairs, 60 ms on / 60 ms off, -20 dBm0)', () => {
    const d = new DtmfDetector();
    d.push(concat(soxDtmf('0123456789*#ABCD', { onMs: 60, offMs: 60, lowDbm0: -20 }), silence(100)));
    assert.equal(d.digits.join(''), '0123456789*#ABCD');
  });

  it('hears no digit in dial tone, a single tone or noise', () => {
    const d = new DtmfDetector();
    d.push(concat(soxTones([{ hz: 350, dbm0: -13 }, { hz: 440, dbm0: -13 }], 1000), soxTones([{ hz: 941, dbm0: -10 }], 500), soxNoise(4000, -20), silence(100)));
    assert.deepEqual(d.digits, []);
  });
});
