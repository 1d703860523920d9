// The media clock and the addon's playout timer that wakes it: every call's
// frame once per packet interval, in its own slot, and a process that still
// exits once the last call is gone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { addon } from '../../src/hw/addon.js';
import { MediaClock, type ClockWake } from '../../src/media/media-clock.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('media clock', () => {
  for (const wake of ['precise', 'node-timer'] as ClockWake[]) {
    it(`ticks each call once per period in its own slot, in slot order (${wake} wake)`, async () => {
      const clock = new MediaClock(20, undefined, wake);
      const seen: { call: number; at: number }[] = [];
      const listeners = [0, 1, 2].map((call) => (at: number): void => void seen.push({ call, at }));
      for (const l of listeners) clock.add(l, l);
      await sleep(210);
      for (const l of listeners) clock.remove(l);
      const count = seen.filter((s) => s.call === 0).length;
      const after = seen.length;
      await sleep(60);
      assert.equal(seen.length, after, 'no tick after the last listener left');
      // About 10 periods in 210 ms; a loaded machine may lose a little of the wait.
      assert.ok(count >= 7 && count <= 11, `call 0 ticked ${count} times in 210 ms at 20 ms`);
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
  }

  it('spreads calls over 0.5 ms slots with the playout timer, 1 ms ones on Node timers', () => {
    assert.equal(new MediaClock(20).slotCount, 40);
    assert.equal(new MediaClock(20, undefined, 'node-timer').slotCount, 20);
    assert.equal(new MediaClock(20, 4).slotCount, 4);
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

describe('playout timer (native)', () => {
  it('fires once at the deadline, and a new deadline replaces the old one', async () => {
    let fired = 0;
    const timer = new (addon().PlayoutTimer)(() => fired++);
    try {
      timer.armIn(5000);
      timer.armIn(5); // replaces the 5 s deadline
      await sleep(100);
      assert.equal(fired, 1);
      await sleep(50);
      assert.equal(fired, 1, 'one wake-up per arming');
      timer.armIn(-3); // already due: at once
      await sleep(30);
      assert.equal(fired, 2);
      const stats = timer.stats();
      assert.equal(stats.fired, 2);
      assert.equal(typeof stats.realtime, 'boolean');
    } finally {
      timer.close();
    }
  });

  it('does not fire once disarmed or closed, and refuses a bad delay with EINVAL', async () => {
    let fired = 0;
    const timer = new (addon().PlayoutTimer)(() => fired++);
    timer.armIn(10);
    timer.disarm();
    await sleep(60);
    assert.equal(fired, 0);
    assert.throws(() => timer.armIn(Number.NaN), (e: Error & { code?: string }) => e.code === 'EINVAL' && /delay/.test(e.message));
    timer.armIn(10);
    timer.close();
    timer.close(); // twice is harmless
    await sleep(60);
    assert.equal(fired, 0);
    assert.throws(() => timer.armIn(1), (e: Error & { code?: string }) => e.code === 'ECLOSED');
  });
});
