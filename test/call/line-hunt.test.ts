import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineHunt } from '../../src/call/line-hunt.js';
import type { HuntStrategy } from '../../src/call/gateway-config.js';
import { seeded } from '../peers/seeded-random.js';

const lines = ['span1', 'span2', 'fxo1', 'fxo2'];
const allFree = () => 1;

/** Picks `n` calls, each seizing the line it was given; counts per line. */
function spread(h: LineHunt, n: number, free: (l: string) => number = allFree): Map<string, number> {
  const count = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const l = h.pick(free);
    assert.ok(l !== null);
    h.seized(l);
    count.set(l, (count.get(l) ?? 0) + 1);
  }
  return count;
}

describe('line group hunting', () => {
  it('first free: always the first line with a free channel', () => {
    const h = new LineHunt(lines, 'first-free');
    assert.deepEqual([...spread(h, 10)], [['span1', 10]]);
    assert.equal(h.pick((l) => (l === 'span1' ? 0 : 1)), 'span2');
  });

  it('round robin: every line gets exactly its share, in turn', () => {
    const h = new LineHunt(lines, 'round-robin');
    const order = Array.from({ length: 8 }, () => {
      const l = h.pick(allFree)!;
      h.seized(l);
      return l;
    });
    assert.deepEqual(order, [...lines, ...lines]);
    assert.deepEqual([...spread(h, 400).values()], [100, 100, 100, 100]);
  });

  it('round robin skips a busy line and carries on after the one it used', () => {
    const h = new LineHunt(lines, 'round-robin');
    h.seized('span1');
    assert.equal(h.pick((l) => (l === 'span2' ? 0 : 1)), 'fxo1');
  });

  it('least recently used: the line idle longest, never-used lines first', () => {
    const h = new LineHunt(lines, 'least-recently-used');
    h.seized('fxo1');
    h.seized('span1');
    assert.deepEqual(h.order(allFree), ['span2', 'fxo2', 'fxo1', 'span1']);
    assert.deepEqual([...spread(h, 400).values()], [100, 100, 100, 100]);
  });

  it('random: each line within 10% of its share over 8000 calls', () => {
    const h = new LineHunt(lines, 'random', seeded(7));
    const count = spread(h, 8000);
    for (const l of lines) {
      const c = count.get(l) ?? 0;
      assert.ok(Math.abs(c - 2000) < 200, `${l}: ${c}`);
    }
  });

  it('never picks a line without a free channel, and gives up only when all are busy (property)', () => {
    const strategies: HuntStrategy[] = ['first-free', 'round-robin', 'least-recently-used', 'random'];
    fc.assert(
      fc.property(
        fc.constantFrom(...strategies),
        fc.array(fc.record({ free: fc.array(fc.nat({ max: 2 }), { minLength: 4, maxLength: 4 }) }), { minLength: 1, maxLength: 30 }),
        fc.integer(),
        (strategy, steps, seed) => {
          const h = new LineHunt(lines, strategy, seeded(seed));
          for (const { free } of steps) {
            const f = (l: string) => free[lines.indexOf(l)]!;
            const order = h.order(f);
            assert.deepEqual([...order].sort(), lines.filter((l) => f(l) > 0).sort(), 'order lists each free line once');
            const l = h.pick(f);
            if (l === null) assert.ok(free.every((x) => x === 0));
            else {
              assert.ok(f(l) > 0);
              h.seized(l);
            }
          }
        },
      ),
    );
  });
});
