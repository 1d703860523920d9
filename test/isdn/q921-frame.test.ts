import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeLapdFrame, encodeLapdFrame, type LapdFrame } from '../../src/isdn/q921-frame.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe('Q.921 LAPD frames', () => {
  it('reads a SABME command from the network side (SAPI 0, C/R 1, TEI 0, P 1) as Q.921 clause 3 lays it out', () => {
    const r = decodeLapdFrame(hex('02 01 7f'));
    assert.deepEqual(r, { ok: true, frame: { sapi: 0, tei: 0, cr: 1, type: 'SABME', pf: true } });
  });

  it('reads an I frame with N(S), N(R), P and its information field', () => {
    const r = decodeLapdFrame(hex('00 01 0a 07 08 02 00 01 05'));
    assert.ok(r.ok);
    assert.equal(r.frame.type, 'I');
    assert.equal(r.frame.ns, 5);
    assert.equal(r.frame.nr, 3);
    assert.equal(r.frame.pf, true);
    assert.deepEqual([...r.frame.info!], [0x08, 0x02, 0x00, 0x01, 0x05]);
  });

  it('reads RR, RNR and REJ with N(R) and the P/F bit', () => {
    for (const [octet, type] of [[0x01, 'RR'], [0x05, 'RNR'], [0x09, 'REJ']] as const) {
      const r = decodeLapdFrame(Uint8Array.of(0x00, 0x01, octet, (9 << 1) | 1));
      assert.ok(r.ok);
      assert.equal(r.frame.type, type);
      assert.equal(r.frame.nr, 9);
      assert.equal(r.frame.pf, true);
    }
  });

  it('refuses frames Q.921 clause 2.9 and 5.8.5 call invalid, naming the fault', () => {
    assert.match(String((decodeLapdFrame(hex('02 01')) as { error: string }).error), /shorter than 3/);
    assert.match(String((decodeLapdFrame(hex('03 01 7f')) as { error: string }).error), /EA bits/);
    assert.match(String((decodeLapdFrame(hex('02 01 0d 00')) as { error: string }).error), /undefined control/);
    assert.match(String((decodeLapdFrame(hex('02 01 01 00 ff')) as { error: string }).error), /4 expected/);
    assert.match(String((decodeLapdFrame(hex('02 01 73 00')) as { error: string }).error), /none allowed/);
  });

  const frameArb: fc.Arbitrary<LapdFrame> = fc.oneof(
    fc.record({
      sapi: fc.integer({ min: 0, max: 63 }),
      tei: fc.integer({ min: 0, max: 127 }),
      cr: fc.constantFrom<0 | 1>(0, 1),
      type: fc.constant('I' as const),
      pf: fc.boolean(),
      ns: fc.integer({ min: 0, max: 127 }),
      nr: fc.integer({ min: 0, max: 127 }),
      info: fc.uint8Array({ maxLength: 260 }),
    }),
    fc.record({
      sapi: fc.integer({ min: 0, max: 63 }),
      tei: fc.integer({ min: 0, max: 127 }),
      cr: fc.constantFrom<0 | 1>(0, 1),
      type: fc.constantFrom('RR' as const, 'RNR' as const, 'REJ' as const),
      pf: fc.boolean(),
      nr: fc.integer({ min: 0, max: 127 }),
    }),
    fc.record({
      sapi: fc.integer({ min: 0, max: 63 }),
      tei: fc.integer({ min: 0, max: 127 }),
      cr: fc.constantFrom<0 | 1>(0, 1),
      type: fc.constantFrom('SABME' as const, 'DM' as const, 'DISC' as const, 'UA' as const),
      pf: fc.boolean(),
    }),
  );

  it('round-trips every frame it can encode', () => {
    fc.assert(
      fc.property(frameArb, (f) => {
        const r = decodeLapdFrame(encodeLapdFrame(f));
        assert.ok(r.ok);
        assert.deepEqual(r.frame, { ...f });
      }),
    );
  });

  it('never throws on arbitrary octets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const r = decodeLapdFrame(bytes);
        assert.equal(typeof r.ok, 'boolean');
        if (!r.ok) assert.match(r.error, /LAPD/);
      }),
    );
  });
});
