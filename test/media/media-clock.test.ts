// The media clock: every call's frame once per packet interval, in its own
// slot, never after its due time by the timer's rounding, and a process that
// still exits once the last call is gone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { MediaClock } from '../../src/media/media-clock.js';
import { eventually, quietFor } from '../support/waiting.js';


describe('media clock', () => {
  it('ticks each call once per period in its own slot, in slot order', async () => {
      const clock = new MediaClock(20);
      const seen: { call: number; at: number }[] = [];
      const listeners = [0, 1, 2].map((call) => (at: number): void => void seen.push({ call, at }));
      const t0 = performance.now();
      for (const l of listeners) clock.add(l, l);
      await eventually('ten ticks of each call', () => seen.filter((s) => s.call === 2).length >= 10);
      for (const l of listeners) clock.remove(l);
      const periods = (performance.now() - t0) / clock.periodMs;
      const count = seen.filter((s) => s.call === 0).length;
      const after = seen.length;
      // No tick may come after the last listener left.
      await quietFor(60);
      assert.equal(seen.length, after, 'no tick after the last listener left');
      // One tick a period, however long the wait really took on a loaded machine.
      assert.ok(Math.abs(count - periods) <= 2, `call 0 ticked ${count} times in ${periods.toFixed(1)} periods`);
      for (const call of [1, 2]) assert.ok(Math.abs(seen.filter((s) => s.call === call).length - count) <= 1, `call ${call} ticks as often as call 0`);
      // Consecutive slots: each call's due time is one slot after the call before it.
      const step = clock.periodMs / clock.slotCount;
      for (let i = 1; i < seen.length; i++) {
        const gap = seen[i]!.at - seen[i - 1]!.at;
        const expected = seen[i]!.call === 0 ? clock.periodMs - 2 * step : step;
        assert.ok(Math.abs(gap - expected) < 1e-6, `due times ${seen[i - 1]!.at} -> ${seen[i]!.at}: ${gap} ms apart, expected ${expected}`);
      }
      assert.deepEqual(
        seen.slice(0, 6).map((s) => s.call),
        [0, 1, 2, 0, 1, 2],
      );
    });

  it('runs every playout listener of a slot before its send listeners, whatever the order they were added in', async () => {
    const order: string[] = [];
    const calls = [{}, {}];
    const listeners = calls.flatMap((call, i) => [
      { phase: 'send' as const, call, l: (): void => void order.push(`send ${i}`) },
      { phase: 'playout' as const, call, l: (): void => void order.push(`playout ${i}`) },
    ]);
    // Both calls in one slot: a clock of one slot per period.
    const one = new MediaClock(20, 1);
    for (const { phase, call, l } of listeners) one.add(l, call, phase);
    await eventually('two periods of listener runs', () => order.length >= 8);
    for (const { l } of listeners) one.remove(l);
    assert.ok(order.length >= 4, `${order.length} listener runs`);
    assert.deepEqual(order.slice(0, 4), ['playout 0', 'playout 1', 'send 0', 'send 1']);
  });

  it('runs a slot no earlier than one timer tick before it is due', async () => {
    const clock = new MediaClock(20);
    const early: number[] = [];
    const l = (at: number): void => void early.push(at - performance.now());
    clock.add(l);
    await eventually('seven ticks', () => early.length >= 7);
    clock.remove(l);
    assert.ok(early.length >= 3, `${early.length} ticks`);
    // 1 ms of Node's timer resolution, and a little for the work before the listener.
    for (const ms of early) assert.ok(ms <= 1.05, `a tick ran ${ms.toFixed(3)} ms before it was due`);
  });

  it('lets the process exit once the last listener is removed, and keeps it alive while one remains', function () {
    this.timeout(20000);
    const clockModule = fileURLToPath(new URL('../../src/media/media-clock.js', import.meta.url));
    // Five ticks then the listener leaves: the process must end by itself.
    const script = `
      const { MediaClock } = await import(${JSON.stringify(clockModule)});
      const clock = new MediaClock(20);
      let n = 0;
      const l = () => { if (++n === 5) { clock.remove(l); console.log('ticks', n); } };
      clock.add(l);
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10000 });
    assert.equal(run.signal, null, `the process did not exit by itself: ${run.stderr}`);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'ticks 5', 'the clock kept the process alive until its fifth tick');
  });
});
