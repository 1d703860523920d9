import assert from 'node:assert/strict';
import { G711Plc } from '../../src/media/g711-plc.js';

function tone(freq: number, start: number, n: number, amp = 8000): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * freq * (start + i)) / 8000)));
}
const rms = (x: Int16Array): number => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);

describe('G.711 packet loss concealment (G.711 Appendix I style)', () => {
  it('continues a voiced sound through a lost frame at about its level and pitch', () => {
    const plc = new G711Plc();
    for (let f = 0; f < 5; f++) plc.good(tone(250, f * 160, 160));
    const fill = plc.conceal(new Int16Array(160));
    assert.ok(rms(fill) > 0.7 * rms(tone(250, 0, 160)), `concealed RMS ${rms(fill)}`);
    // a 250 Hz tone repeats every 32 samples: the fill should too
    let err = 0;
    for (let i = 32; i < 160; i++) err += Math.abs(fill[i]! - fill[i - 32]!);
    assert.ok(err / 128 < 500, `period mismatch ${err / 128}`);
  });

  it('fades to silence by 60 ms of loss', () => {
    const plc = new G711Plc();
    for (let f = 0; f < 5; f++) plc.good(tone(300, f * 160, 160));
    const frames = Array.from({ length: 4 }, () => rms(plc.conceal(new Int16Array(160))));
    assert.ok(frames[1]! < frames[0]!, `no fade: ${frames.join(', ')}`);
    assert.equal(frames[3], 0);
  });

  it('passes good G.711 frames through untouched and only rewrites the first frame after a loss', () => {
    const plc = new G711Plc('PCMU');
    const a = Uint8Array.from({ length: 160 }, (_, i) => (i * 3) & 0xff);
    assert.equal(plc.goodCoded(a), a, 'good frame must be the same bytes, not a decoded copy');
    plc.concealCoded(160);
    const after = plc.goodCoded(a);
    assert.notEqual(after, a);
    assert.equal(plc.goodCoded(a), a);
  });
});
