import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SWITCH_VARIANTS, decodeMessage, encodeMessage, messageLength } from '../../src/isdn/q931.js';
import { message } from './arbitrary.js';
import { fromHex } from './hex.js';

const SETUP = fromHex('080200010504038090a21803a983812c0331323370038131327e0401020304');

describe('Q.931 codec properties (fast-check)', () => {
  for (const variant of SWITCH_VARIANTS) {
    it(`decodes every message it encodes to the same value (${variant})`, () => {
      fc.assert(
        fc.property(message(variant), (msg) => {
          const bytes = encodeMessage(msg, variant);
          assert.equal(bytes.length, messageLength(msg, variant));
          const r = decodeMessage(bytes, variant);
          assert.deepEqual(r.message, msg);
          assert.deepEqual(r.ieErrors.filter((e) => e.problem !== 'missing'), []);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('never throws on random octets and always names an action', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(...SWITCH_VARIANTS), (bytes, variant) => {
        const r = decodeMessage(bytes, variant);
        assert.ok(['process', 'ignore', 'status', 'release-complete', 'release'].includes(r.action.kind));
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on random octets behind a valid Q.931 header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(...SWITCH_VARIANTS), (tail, variant) => {
        const bytes = new Uint8Array(5 + tail.length);
        bytes.set([0x08, 0x02, 0x00, 0x01, 0x05]);
        bytes.set(tail, 5);
        const r = decodeMessage(bytes, variant);
        assert.notEqual(r.message, null);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on mutations of valid messages (flipped, dropped and inserted octets), and re-encodes what it takes', () => {
    const mutation = fc.array(
      fc.record({ op: fc.constantFrom('flip', 'drop', 'insert'), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      { minLength: 1, maxLength: 6 },
    );
    fc.assert(
      fc.property(fc.constantFrom(...SWITCH_VARIANTS).chain((v) => fc.tuple(fc.constant(v), fc.oneof(message(v).map((m) => encodeMessage(m, v)), fc.constant(SETUP)))), mutation, ([variant, valid], ops) => {
        const b = [...valid];
        for (const { op, at, value } of ops) {
          const i = b.length === 0 ? 0 : at % b.length;
          if (op === 'flip' && b.length > 0) b[i] = (b[i] ?? 0) ^ (1 << (value % 8));
          else if (op === 'drop') b.splice(i, 1);
          else b.splice(i, 0, value);
        }
        const r = decodeMessage(Uint8Array.from(b), variant);
        assert.ok(r.action.kind.length > 0);
        if (r.message !== null && r.action.kind === 'process') {
          // Whatever was understood encodes again, and decodes to the same value.
          assert.deepEqual(decodeMessage(encodeMessage(r.message, variant), variant).message, r.message);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
