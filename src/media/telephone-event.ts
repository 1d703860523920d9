// RFC 4733 telephone-events: the payload (§2.3), a sender (§2.5.1) and a
// receiver (§2.5.2) of DTMF events 0-15 (§3.2).
import type { DtmfDigit } from '../call/pstn-leg.js';
import type { Parsed } from './sdes-crypto.js';

//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     event     |E|R| volume    |          duration             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
const PAYLOAD = 4;
const MASK_END = 0x80;
const MASK_VOLUME = 0x3f;
/** §3.2: events 0-9, * = 10, # = 11, A-D = 12-15. */
const DTMF = '0123456789*#ABCD';

export interface TelephoneEvent {
  event: number;
  end: boolean;
  /** Power level, 0 to -63 dBm0 expressed as 0..63 (§2.3.4). */
  volume: number;
  /** In timestamp units since the event's timestamp (§2.3.5). */
  duration: number;
}

export function decodeTelephoneEvent(payload: Uint8Array): Parsed<TelephoneEvent> {
  // §2.3: 4 octets; several events may be stacked (RFC 4733 §2.5.1.5 redundancy is RFC 2198, not here).
  if (payload.length < PAYLOAD) return { ok: false, error: `telephone-event payload of ${payload.length} octets, need 4` };
  return {
    ok: true,
    value: {
      event: payload[0]!,
      end: (payload[1]! & MASK_END) !== 0,
      volume: payload[1]! & MASK_VOLUME,
      duration: (payload[2]! << 8) | payload[3]!,
    },
  };
}

export function encodeTelephoneEvent(e: TelephoneEvent, out = new Uint8Array(PAYLOAD)): Uint8Array {
  out[0] = e.event & 0xff;
  // §2.3.3: the R bit is sent as zero.
  out[1] = (e.end ? MASK_END : 0) | (e.volume & MASK_VOLUME);
  out[2] = (e.duration >> 8) & 0xff;
  out[3] = e.duration & 0xff;
  return out;
}

export function digitToEvent(d: string): number | undefined {
  const i = DTMF.indexOf(d.toUpperCase());
  return i < 0 || d.length !== 1 ? undefined : i;
}

export function eventToDigit(e: number): DtmfDigit | undefined {
  return e < 16 ? (DTMF[e] as DtmfDigit) : undefined;
}

/**
 * Turns queued digits into the packet sequence of §2.5.1: a start packet
 * with the marker, an update every packet interval with the growing
 * duration, then the final packet with E set sent three times (§2.5.1.4),
 * all with the event's timestamp; then a pause before the next digit.
 */
export class TelephoneEventSender {
  private queue: { event: number; duration: number }[] = [];
  private current?: { event: number; duration: number; elapsed: number; endsSent: number };
  private gap = 0;

  /**
   * @param clockRate telephone-event clock (§7.1.1 rate), Hz
   * @param interval packet interval in timestamp units (ptime)
   * @param volume power level 0..63 for -dBm0 (§2.3.4); 10 = -10 dBm0
   */
  constructor(
    readonly clockRate: number,
    readonly interval: number,
    readonly volume = 10,
    private readonly pause = Math.round(clockRate * 0.05),
  ) {}

  /** Queues digits; returns those it could not map (not 0-9 * # A-D). */
  enqueue(digits: string, durationMs: number): string {
    let rejected = '';
    const duration = Math.min(0xffff, Math.max(this.interval, Math.round((durationMs * this.clockRate) / 1000)));
    for (const d of digits) {
      const event = digitToEvent(d);
      if (event === undefined) rejected += d;
      else this.queue.push({ event, duration });
    }
    return rejected;
  }

  /** True while an event is playing or queued: audio should be held back (§2.5.1.1 practice). */
  get busy(): boolean {
    return this.current !== undefined || this.queue.length > 0 || this.gap > 0;
  }

  /** Called once per packet interval: the packet to send now, if any. The `start` flag tells the session to take a new event timestamp. */
  tick(): { packet: Uint8Array; marker: boolean; start: boolean } | null {
    if (!this.current) {
      if (this.gap > 0) {
        this.gap = Math.max(0, this.gap - this.interval);
        return null;
      }
      const next = this.queue.shift();
      if (!next) return null;
      this.current = { ...next, elapsed: 0, endsSent: 0 };
      this.current.elapsed = Math.min(this.interval, next.duration);
      return { packet: this.payload(false), marker: true, start: true };
    }
    const c = this.current;
    if (c.elapsed < c.duration) {
      c.elapsed = Math.min(c.duration, c.elapsed + this.interval);
      if (c.elapsed < c.duration) return { packet: this.payload(false), marker: false, start: false };
    }
    c.endsSent++;
    const packet = this.payload(true);
    if (c.endsSent >= 3) {
      this.current = undefined;
      this.gap = this.pause;
    }
    return { packet, marker: false, start: false };
  }

  private payload(end: boolean): Uint8Array {
    const c = this.current!;
    return encodeTelephoneEvent({ event: c.event, end, volume: this.volume, duration: c.elapsed });
  }
}

/** A finished event as the receiver reports it. */
export interface ReceivedEvent {
  event: number;
  digit?: DtmfDigit;
  durationMs: number;
}

/**
 * §2.5.2: events are told apart by their RTP timestamp; updates and the
 * repeated end packets of one event are folded into one report. An event
 * whose end packets were all lost ends when a new timestamp arrives or
 * when flush() is called.
 */
export class TelephoneEventReceiver {
  private current?: { timestamp: number; event: number; duration: number; ended: boolean };

  constructor(readonly clockRate: number) {}

  /** Feeds one packet; returns the event that finished with it, if any. */
  receive(timestamp: number, payload: Uint8Array): ReceivedEvent | null {
    const parsed = decodeTelephoneEvent(payload);
    if (!parsed.ok) return null;
    const e = parsed.value;
    let finished: ReceivedEvent | null = null;
    if (this.current && this.current.timestamp !== timestamp) {
      // §2.5.2.2: a new timestamp starts a new event; the old one is over.
      if (!this.current.ended) finished = this.report(this.current);
      this.current = undefined;
    }
    if (!this.current) {
      this.current = { timestamp, event: e.event, duration: e.duration, ended: false };
    } else if (this.current.ended) {
      return finished; // §2.5.2.1: retransmitted end packets are duplicates
    }
    this.current.duration = Math.max(this.current.duration, e.duration);
    if (e.end) {
      this.current.ended = true;
      return this.report(this.current);
    }
    return finished;
  }

  /** Ends an event still open (e.g. when the stream stops). */
  flush(): ReceivedEvent | null {
    const c = this.current;
    if (!c || c.ended) return null;
    c.ended = true;
    return this.report(c);
  }

  private report(c: { event: number; duration: number }): ReceivedEvent {
    const durationMs = Math.round((c.duration * 1000) / this.clockRate);
    const digit = eventToDigit(c.event);
    return digit !== undefined ? { event: c.event, digit, durationMs } : { event: c.event, durationMs };
  }
}
