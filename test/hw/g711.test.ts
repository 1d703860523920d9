import assert from 'node:assert/strict';
import fc from 'fast-check';
import { g711Decode, g711Encode, g711Transcode, type G711Law } from '../../src/hw/g711.js';

const dec = (law: G711Law, c: number): number => g711Decode(law, Uint8Array.of(c), new Int16Array(1))[0]!;
const enc = (law: G711Law, s: number): number => g711Encode(law, Int16Array.of(s), new Uint8Array(1))[0]!;

describe('G.711 companding (ITU-T G.711)', () => {
  it('decodes the table end points: mu-law 0x00/0x80 = -/+32124, 0xFF = 0; A-law 0xD5 = +8, 0x2A = -32256', () => {
    assert.equal(dec('PCMU', 0x00), -32124);
    assert.equal(dec('PCMU', 0x80), 32124);
    assert.equal(dec('PCMU', 0xff), 0);
    assert.equal(dec('PCMU', 0x7f), 0);
    assert.equal(dec('PCMA', 0xd5), 8);
    assert.equal(dec('PCMA', 0x55), -8);
    assert.equal(dec('PCMA', 0xaa), 32256);
    assert.equal(dec('PCMA', 0x2a), -32256);
  });

  it('encodes silence to 0xFF (mu) and 0xD5 (A), and full scale to the end codes', () => {
    assert.equal(enc('PCMU', 0), 0xff);
    assert.equal(enc('PCMA', 0), 0xd5);
    assert.equal(enc('PCMU', 32767), 0x80);
    assert.equal(enc('PCMU', -32768), 0x00);
    assert.equal(enc('PCMA', 32767), 0xaa);
    assert.equal(enc('PCMA', -32768), 0x2a);
  });

  for (const law of ['PCMU', 'PCMA'] as const) {
    it(`${law}: every decoded code encodes back to a code of the same value`, () => {
      for (let c = 0; c < 256; c++) assert.equal(dec(law, enc(law, dec(law, c))), dec(law, c), `code ${c}`);
    });

    it(`${law}: quantisation error stays within half a step of the segment (monotone and bounded)`, () => {
      fc.assert(
        fc.property(fc.integer({ min: -32768, max: 32767 }), (s) => {
          const back = dec(law, enc(law, s));
          assert.ok(Math.abs(back - s) <= Math.max(16, Math.abs(s) / 16) + 8, `${s} -> ${back}`);
        }),
      );
      let prev = -Infinity;
      for (let s = -32768; s <= 32767; s += 7) {
        const v = dec(law, enc(law, s));
        assert.ok(v >= prev, `not monotone at ${s}`);
        prev = v;
      }
    });
  }

  it('converts between the laws by table exactly as decode-then-encode does', () => {
    for (const from of ['PCMU', 'PCMA'] as const) {
      const to = from === 'PCMU' ? 'PCMA' : 'PCMU';
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      const direct = g711Transcode(from, all, new Uint8Array(256));
      for (let c = 0; c < 256; c++) assert.equal(direct[c], enc(to, dec(from, c)));
    }
  });
});
