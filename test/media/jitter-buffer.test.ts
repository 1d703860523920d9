import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JitterBuffer, type Playout } from '../../src/media/jitter-buffer.js';

const opts = { ptimeMs: 20, minDelayMs: 40, maxDelayMs: 200 };
const played = (p: Playout<number>): string => (p.kind === 'packet' ? String(p.item) : p.kind === 'missing' ? 'x' : '.');

describe('jitter buffer', () => {
  it('waits for its delay, then plays in sequence order what arrived out of order', () => {
    const jb = new JitterBuffer<number>(opts);
    const order = [0, 2, 1, 3, 5, 4];
    const out: string[] = [];
    for (const seq of order) {
      jb.push(1000 + seq, seq * 20, seq * 20, seq);
      out.push(played(jb.pull()));
    }
    out.push(played(jb.pull()));
    assert.deepEqual(out.filter((x) => x !== '.'), ['0', '1', '2', '3', '4', '5']);
    assert.equal(jb.counters.reordered, 2);
    assert.equal(jb.counters.lost, 0);
  });

  it('counts a missing packet as lost once a later one is there, and a packet after its turn as late', () => {
    const jb = new JitterBuffer<number>(opts);
    const out: string[] = [];
    for (const seq of [0, 1, 3, 4]) jb.push(seq, seq * 20, seq * 20, seq);
    for (let i = 0; i < 4; i++) out.push(played(jb.pull()));
    assert.deepEqual(out, ['0', '1', 'x', '3']);
    assert.equal(jb.push(2, 40, 100, 2), 'late');
    assert.equal(jb.push(4, 80, 100, 4), 'duplicate');
    assert.deepEqual(jb.counters, { lost: 1, late: 1, reordered: 0, duplicates: 1, concealed: 1, discarded: 0 });
  });

  it('follows the sequence number across its 16-bit wrap', () => {
    const jb = new JitterBuffer<number>(opts);
    const seqs = [65534, 65535, 0, 1, 2];
    seqs.forEach((s, i) => jb.push(s, i * 20, i * 20, i));
    const out = Array.from({ length: 5 }, () => played(jb.pull()));
    assert.deepEqual(out, ['0', '1', '2', '3', '4']);
  });

  it('raises its target delay when arrival jitter grows, within its bounds', () => {
    const steady = new JitterBuffer<number>(opts);
    const jittery = new JitterBuffer<number>(opts);
    let seed = 1;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 500; i++) {
      steady.push(i & 0xffff, i * 20, i * 20, i);
      jittery.push(i & 0xffff, i * 20, i * 20 + rand() * 60, i);
      steady.pull();
      jittery.pull();
    }
    assert.equal(steady.targetDelayMs, 40);
    assert.ok(jittery.targetDelayMs > 40, `target ${jittery.targetDelayMs} ms for ~60 ms spread`);
    assert.ok(jittery.targetDelayMs <= 200);
  });

  it('never holds more than its highest delay, whatever arrives', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 100, max: 140 })), fc.boolean()), { maxLength: 300 }), (events) => {
        const jb = new JitterBuffer<number>(opts);
        let t = 0;
        for (const [seq, pull] of events) {
          jb.push(seq, t, t, seq);
          if (pull) jb.pull();
          t += 20;
          assert.ok(jb.depth <= 10, `depth ${jb.depth} frames exceeds 200 ms`);
        }
      }),
    );
    const jb = new JitterBuffer<number>(opts);
    jb.push(0, 0, 0, 0);
    jb.push(1, 20, 20, 1);
    jb.pull();
    for (let s = 2; s < 40; s++) jb.push(s, s * 20, 40, s);
    assert.ok(jb.depth <= 10, `depth ${jb.depth} frames exceeds 200 ms`);
    assert.ok(jb.counters.discarded > 0);
  });
});
