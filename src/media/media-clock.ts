// One timer for the playout of many calls: a tick every packet interval,
// scheduled against the monotonic clock so that delays do not accumulate.
// Calls are spread over slots inside the period (4 ms apart for 20 ms), so
// that 200 calls do not all wait behind each other at the same instant;
// everything registered under one key (a call's line feed and its session)
// shares a slot. Inside a slot, playout listeners run before send
// listeners: a frame to the line has a deadline, while a frame to the
// network only waits a little longer for the far end's jitter buffer,
// always by the same amount for a call. Node's timers fire on a whole
// millisecond at or after their delay: a slot runs at the timer tick before
// it is due, never the one after, so a frame is up to 1 ms early rather
// than up to 1 ms late.
import { performance } from 'node:perf_hooks';

/** Gets the time the tick was due (performance.now() ms). */
export type TickListener = (scheduledMs: number) => void;

/** Where in its slot a listener runs: every 'playout' listener of the slot first, then every 'send' one. */
export type ClockPhase = 'playout' | 'send';

interface Slot {
  playout: Set<TickListener>;
  send: Set<TickListener>;
}

const MAX_BEHIND = 5; // periods; beyond this the clock drops the lost time
const EARLY_MS = 1; // Node's timer resolution
// Slot length: short enough that a slot's playouts end well inside 2 ms,
// long enough that the event loop wakes 250 times a second, not 1,000 (on
// a VM each wake-up of an idle thread costs tens of µs of CPU).
const SLOT_MS = 4;

export class MediaClock {
  private readonly slots: Slot[];
  private readonly slotOf = new WeakMap<object, number>();
  private readonly listenerSlot = new Map<TickListener, number>();
  private nextSlot = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Due time of the slot `due` in the current period. */
  private next = 0;
  private due = 0;
  /** Slot ticks that fired, fired more than a period late, or were given up. */
  ticks = 0;
  overruns = 0;
  skipped = 0;

  constructor(
    readonly periodMs = 20,
    readonly slotCount = Math.max(1, Math.round(periodMs / SLOT_MS)),
  ) {
    this.slots = Array.from({ length: slotCount }, () => ({ playout: new Set<TickListener>(), send: new Set<TickListener>() }));
  }

  get size(): number {
    return this.listenerSlot.size;
  }

  /** Registers a listener; listeners with the same key share a slot and, within their phase, run in the order added. */
  add(listener: TickListener, key?: object, phase: ClockPhase = 'playout'): void {
    if (this.listenerSlot.has(listener)) return;
    let slot: number;
    if (key && this.slotOf.has(key)) {
      slot = this.slotOf.get(key)!;
    } else {
      slot = this.nextSlot;
      this.nextSlot = (this.nextSlot + 1) % this.slotCount;
      if (key) this.slotOf.set(key, slot);
    }
    this.slots[slot]![phase].add(listener);
    this.listenerSlot.set(listener, slot);
    if (!this.timer) {
      this.next = performance.now() + this.periodMs / this.slotCount;
      this.due = 0;
      this.schedule();
    }
  }

  remove(listener: TickListener): void {
    const slot = this.listenerSlot.get(listener);
    if (slot === undefined) return;
    this.slots[slot]!.playout.delete(listener);
    this.slots[slot]!.send.delete(listener);
    this.listenerSlot.delete(listener);
    if (this.listenerSlot.size === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.fire(), Math.max(0, this.next - EARLY_MS - performance.now()));
  }

  private fire(): void {
    const step = this.periodMs / this.slotCount;
    // Catch up on slots a busy event loop delayed (no frame skipped), but
    // yield after two periods' worth so that sockets are read in between.
    let now = performance.now();
    for (let n = 0; n < 2 * this.slotCount && this.next <= now + EARLY_MS && this.listenerSlot.size > 0; n++) {
      const scheduled = this.next;
      const slot = this.slots[this.due]!;
      if (slot.playout.size + slot.send.size > 0) {
        this.ticks++;
        if (now - scheduled > this.periodMs) this.overruns++;
        for (const l of slot.playout) l(scheduled);
        for (const l of slot.send) l(scheduled);
        now = performance.now();
      }
      this.advance(step);
    }
    while (now - this.next > MAX_BEHIND * this.periodMs) {
      const slot = this.slots[this.due]!;
      if (slot.playout.size + slot.send.size > 0) this.skipped++;
      this.advance(step);
    }
    if (this.listenerSlot.size > 0) this.schedule();
    else this.timer = undefined;
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
