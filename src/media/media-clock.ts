// One timer for the playout of many calls: a tick every packet interval,
// scheduled against the monotonic clock so that delays do not accumulate,
// with the lateness of each tick recorded for the benchmarks.
import { performance } from 'node:perf_hooks';

export type TickListener = (scheduledMs: number) => void;

export class MediaClock {
  private readonly listeners = new Set<TickListener>();
  private timer: NodeJS.Timeout | undefined;
  private next = 0;
  /** Ticks that fired, and how many fired later than the period (caught up). */
  ticks = 0;
  overruns = 0;

  constructor(readonly periodMs = 20) {}

  get size(): number {
    return this.listeners.size;
  }

  add(listener: TickListener): void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.next = performance.now() + this.periodMs;
      this.schedule();
    }
  }

  remove(listener: TickListener): void {
    this.listeners.delete(listener);
    if (this.listeners.size === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.fire(), Math.max(0, this.next - performance.now()));
  }

  private fire(): void {
    // Catch up on ticks a blocked event loop missed, so no frame is skipped.
    let now = performance.now();
    while (this.next <= now + 0.5 && this.listeners.size > 0) {
      const scheduled = this.next;
      this.ticks++;
      if (now - scheduled > this.periodMs) this.overruns++;
      for (const l of this.listeners) l(scheduled);
      this.next += this.periodMs;
      now = performance.now();
    }
    if (this.listeners.size > 0) this.schedule();
    else this.timer = undefined;
  }
}

const shared = new Map<number, MediaClock>();

/** The process's clock for one packet interval. */
export function sharedClock(periodMs: number): MediaClock {
  let c = shared.get(periodMs);
  if (!c) shared.set(periodMs, (c = new MediaClock(periodMs)));
  return c;
}
