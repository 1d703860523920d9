// One span of a card (a T1/E1 line, or the analog ports of a card) and its
// channels. Closing a span closes its channels.
import { EventEmitter } from 'node:events';
import type { NativeCard, NativeSpanStatus } from './addon.js';
import type { Channel } from './channel.js';
import { CardClosedError, native } from './errors.js';

/** DAHDI_ALARM_* bits (dahdi/user.h) by name. */
export const spanAlarmBits = {
  recover: 1 << 0,
  loopback: 1 << 1,
  yellow: 1 << 2,
  red: 1 << 3,
  blue: 1 << 4,
  notOpen: 1 << 5,
  los: 1 << 8,
  lfa: 1 << 9,
  lmfa: 1 << 10,
} as const;

export type SpanAlarm = keyof typeof spanAlarmBits;

export function alarmNames(bits: number): SpanAlarm[] {
  return (Object.keys(spanAlarmBits) as SpanAlarm[]).filter((k) => bits & spanAlarmBits[k]);
}

export function alarmBits(alarms: readonly SpanAlarm[]): number {
  return alarms.reduce((b, a) => b | spanAlarmBits[a], 0);
}

export interface SpanStatus extends NativeSpanStatus {
  /** The alarm bits by name; empty when the span is up. */
  alarmNames: SpanAlarm[];
}

export interface SpanEvents {
  /** The span went into alarm (RED, YELLOW, BLUE, ...) or changed alarm. */
  alarm: [SpanAlarm[]];
  /** The span is out of alarm. */
  noAlarm: [];
  close: [];
}

export class Span extends EventEmitter<SpanEvents> {
  #closed = false;

  /** @internal Built by Card. */
  constructor(
    private readonly card: () => NativeCard,
    readonly number: number,
    readonly channels: readonly Channel[],
  ) {
    super();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** DAHDI_SPANSTAT: alarms and line error counters. */
  status(): SpanStatus {
    if (this.#closed) throw new CardClosedError(`span ${this.number}`);
    const s = native(`span ${this.number}: status`, () => this.card().spanStatus(this.number));
    return { ...s, alarmNames: alarmNames(s.alarms) };
  }

  /** @internal */
  deliverAlarm(inAlarm: boolean): void {
    if (this.#closed) return;
    if (!inAlarm) {
      this.emit('noAlarm');
      return;
    }
    let names: SpanAlarm[] = [];
    try {
      names = this.status().alarmNames;
    } catch {
      // the card went away between the event and the status read; the event still says "alarm"
    }
    this.emit('alarm', names);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.channels) c.close();
    this.emit('close');
    this.removeAllListeners();
  }
}
