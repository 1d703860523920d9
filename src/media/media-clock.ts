// One timer for the playout of many calls: a tick every packet interval,
// scheduled against the monotonic clock so that delays do not accumulate.
// Calls are spread over slots inside the period (0.5 ms apart for 20 ms), so
// that 200 calls do not all wait behind each other at the same instant;
// everything registered under one key (a call's line feed and its session)
// shares a slot. Node's timers round to whole milliseconds of a cached loop
// time, a 1 ms slot grid's own size: the clock wakes through the addon's
// playout timer instead, a thread that sleeps to the microsecond.
import { performance } from 'node:perf_hooks';
import { addon, type NativePlayoutTimer } from '../hw/addon.js';

/** Gets the time the tick was due (performance.now() ms). */
export type TickListener = (scheduledMs: number) => void;

const MAX_BEHIND = 5; // periods; beyond this the clock drops the lost time

/** What wakes the clock: the addon's playout timer (default) or Node's setTimeout. */
export type ClockWake = 'precise' | 'node-timer';

export class MediaClock {
  private readonly slots: Set<TickListener>[];
  private readonly slotOf = new WeakMap<object, number>();
  private readonly listenerSlot = new Map<TickListener, number>();
  private nextSlot = 0;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private precise: NativePlayoutTimer | undefined;
  private readonly onWake = (): void => this.fire();
  /** Due time of the slot `due` in the current period. */
  private next = 0;
  private due = 0;
  /** Slot ticks that fired, fired more than a period late, or were given up. */
  ticks = 0;
  overruns = 0;
  skipped = 0;

  readonly slotCount: number;
  /** A slot due this soon runs now rather than after another wake-up (ms). */
  private readonly early: number;

  /** Slots default to 0.5 ms apart on the playout timer, 1 ms on Node's (its resolution). */
  constructor(
    readonly periodMs = 20,
    slotCount?: number,
    readonly wake: ClockWake = 'precise',
  ) {
    this.slotCount = slotCount ?? Math.max(1, Math.round(periodMs * (wake === 'precise' ? 2 : 1)));
    this.early = wake === 'precise' ? 0.05 : 0.25;
    this.slots = Array.from({ length: this.slotCount }, () => new Set<TickListener>());
  }

  get size(): number {
    return this.listenerSlot.size;
  }

  /** Registers a listener; listeners with the same key share a slot and run in the order added. */
  add(listener: TickListener, key?: object): void {
    if (this.listenerSlot.has(listener)) return;
    let slot: number;
    if (key && this.slotOf.has(key)) {
      slot = this.slotOf.get(key)!;
    } else {
      slot = this.nextSlot;
      this.nextSlot = (this.nextSlot + 1) % this.slotCount;
      if (key) this.slotOf.set(key, slot);
    }
    this.slots[slot]!.add(listener);
    this.listenerSlot.set(listener, slot);
    if (!this.running) {
      this.running = true;
      this.next = performance.now() + this.periodMs / this.slotCount;
      this.due = 0;
      this.schedule();
    }
  }

  remove(listener: TickListener): void {
    const slot = this.listenerSlot.get(listener);
    if (slot === undefined) return;
    this.slots[slot]!.delete(listener);
    this.listenerSlot.delete(listener);
    if (this.listenerSlot.size === 0 && this.running) this.stop();
  }

  /** Wake-ups of the playout timer, their total lateness on its thread (µs) and its priority; undefined on Node's timers or while stopped. */
  timerStats(): { fired: number; lateMicros: number; realtime: boolean } | undefined {
    return this.precise?.stats();
  }

  private schedule(): void {
    const delay = this.next - performance.now();
    if (this.wake === 'precise') {
      // A thread per clock that has listeners; gone with the last of them.
      this.precise ??= new (addon().PlayoutTimer)(this.onWake);
      this.precise.armIn(delay, this.periodMs / this.slotCount);
    } else {
      this.timer = setTimeout(this.onWake, Math.max(0, delay));
    }
  }

  private stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.precise?.close();
    this.precise = undefined;
  }

  private fire(): void {
    const step = this.periodMs / this.slotCount;
    // Catch up on slots a busy event loop delayed (no frame skipped), but
    // yield after two periods' worth so that sockets are read in between.
    let now = performance.now();
    for (let n = 0; n < 2 * this.slotCount && this.next <= now + this.early && this.listenerSlot.size > 0; n++) {
      const scheduled = this.next;
      const listeners = this.slots[this.due]!;
      if (listeners.size > 0) {
        this.ticks++;
        if (now - scheduled > this.periodMs) this.overruns++;
        for (const l of listeners) l(scheduled);
        now = performance.now();
      }
      this.advance(step);
    }
    while (now - this.next > MAX_BEHIND * this.periodMs) {
      if (this.slots[this.due]!.size > 0) this.skipped++;
      this.advance(step);
    }
    if (this.listenerSlot.size > 0) this.schedule();
    else this.stop();
  }

  private advance(step: number): void {
    this.next += step;
    this.due = (this.due + 1) % this.slotCount;
  }
}

const shared = new Map<number, MediaClock>();

/** The process's clock for one packet interval. */
export function sharedClock(periodMs: number): MediaClock {
  let c = shared.get(periodMs);
  if (!c) shared.set(periodMs, (c = new MediaClock(periodMs)));
  return c;
}
