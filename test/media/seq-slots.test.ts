// The jitter buffer's packet store answers as a Map would, for any keys,
// including sequence jumps that land on a place of the ring already taken.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SeqSlots } from '../../src/media/seq-slots.js';

type Op = { op: 'set'; key: number; value: number } | { op: 'delete'; key: number } | { op: 'clear' };

describe('jitter buffer packet store', () => {
  it('answers has, get, delete and size as a Map does, whatever the keys', () => {
    // Keys near a moving base (a stream) mixed with far jumps that collide in the ring.
    const key = fc.oneof(fc.integer({ min: 65536, max: 65536 + 40 }), fc.integer({ min: 0, max: 2 ** 32 }), fc.integer({ min: 0, max: 8 }).map((k) => 65536 + 16 * k));
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), key, value: fc.integer() }) },
      { weight: 4, arbitrary: fc.record({ op: fc.constant('delete' as const), key }) },
      { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(op, { maxLength: 200 }), fc.array(key, { maxLength: 20 }), (frames, ops, probes) => {
        const slots = new SeqSlots<number>(frames);
        const model = new Map<number, number>();
        for (const o of ops) {
          if (o.op === 'set') {
            slots.set(o.key, o.value);
            model.set(o.key, o.value);
          } else if (o.op === 'delete') {
            assert.equal(slots.delete(o.key), model.delete(o.key), `delete ${o.key}`);
          } else {
            slots.clear();
            model.clear();
          }
          assert.equal(slots.size, model.size);
        }
        for (const k of [...probes, ...model.keys()]) {
          assert.equal(slots.has(k), model.has(k), `has ${k}`);
          assert.equal(slots.get(k), model.get(k), `get ${k}`);
        }
      }),
      {
        numRuns: 500,
        // A key moved out of a taken place, the place freed, then the key set again.
        examples: [[1, [{ op: 'set', key: 65536, value: 1 }, { op: 'set', key: 65552, value: 2 }, { op: 'delete', key: 65536 }, { op: 'set', key: 65552, value: 3 }, { op: 'delete', key: 65552 }], [65552]]],
      },
    );
  });
});
