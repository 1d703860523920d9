// Adaptive jitter buffer: packets in by sequence number, one frame out per
// packet interval. Playout is counted in frames (one packet = one ptime), so
// the line's clock, not the sender's, paces it.
import { SeqSlots } from './seq-slots.js';

export interface JitterBufferOptions {
  /** Packet interval in ms. */
  ptimeMs: number;
  /** Lowest and highest playout delay in ms; the highest also bounds the depth. */
  minDelayMs: number;
  maxDelayMs: number;
}

/** What to play for this interval; valid until the next pull() (the buffer reuses it). */
export type Playout<T> =
  | { kind: 'packet'; item: T; seq: number }
  /** A frame is due but absent: conceal it. `next` is the following packet when already here (for FEC). */
  | { kind: 'missing'; seq: number; next: T | undefined }
  /** Nothing to play (not started, or the stream paused): silence, not a loss. */
  | { kind: 'empty' };

const EMPTY = { kind: 'empty' } as const;

export type PushResult = 'queued' | 'late' | 'duplicate';

export interface JitterBufferCounters {
  /** Due frames that never arrived and were concealed in their place. */
  lost: number;
  /** Packets that arrived after their frame had been played or concealed. */
  late: number;
  /** Packets that arrived after a packet with a higher sequence number. */
  reordered: number;
  duplicates: number;
  /** Frames played by concealment (loss or underrun). */
  concealed: number;
  /** Frames dropped to shrink the delay or because the buffer was full. */
  discarded: number;
}

const UNDERRUN_LIMIT = 5; // frames of concealment before a pause is assumed
const SHRINK_AFTER = 50; // frames of sustained excess depth before dropping one

export class JitterBuffer<T> {
  private readonly slots: SeqSlots<T>;
  private highest: number | undefined;
  private nextSeq = 0;
  /** Highest sequence already played or concealed; anything at or below it is late. */
  private done = -1;
  private started = false;
  private underruns = 0;
  private excess = 0;
  private jitterMs = 0;
  private lastTransit: number | undefined;
  readonly counters: JitterBufferCounters = { lost: 0, late: 0, reordered: 0, duplicates: 0, concealed: 0, discarded: 0 };
  // One result object of each kind, reused: fifty pulls a second per call allocate nothing.
  private readonly packetOut: { kind: 'packet'; item: T | undefined; seq: number } = { kind: 'packet', item: undefined, seq: 0 };
  private readonly missingOut: { kind: 'missing'; seq: number; next: T | undefined } = { kind: 'missing', seq: 0, next: undefined };

  constructor(readonly options: JitterBufferOptions) {
    this.slots = new SeqSlots<T>(this.maxFrames);
  }

  /** The playout delay the buffer aims for now, from the measured jitter. */
  get targetDelayMs(): number {
    return this.targetFrames * this.options.ptimeMs;
  }

  /** Interarrival jitter the buffer measured (RFC 3550 §6.4.1 estimator), ms. */
  get measuredJitterMs(): number {
    return this.jitterMs;
  }

  private get targetFrames(): number {
    const { ptimeMs, minDelayMs, maxDelayMs } = this.options;
    // Enough frames to cover about three mean deviations of arrival time.
    const want = Math.ceil((ptimeMs + 3 * this.jitterMs) / ptimeMs);
    return Math.max(Math.ceil(minDelayMs / ptimeMs), Math.min(Math.floor(maxDelayMs / ptimeMs), want));
  }

  private get maxFrames(): number {
    return Math.max(1, Math.floor(this.options.maxDelayMs / this.options.ptimeMs));
  }

  /** Frames buffered from the next one due up to the highest received. */
  get depth(): number {
    return this.highest === undefined ? 0 : Math.max(0, this.highest - this.nextSeq + 1);
  }

  private extend(seq16: number): number {
    if (this.highest === undefined) return seq16 + 65536; // headroom for early reordering
    const base = this.highest & ~0xffff;
    let ext = base | seq16;
    if (ext - this.highest > 32768) ext -= 65536;
    else if (this.highest - ext > 32768) ext += 65536;
    return ext;
  }

  /**
   * @param seq16 RTP sequence number
   * @param rtpTimeMs the packet's RTP timestamp in ms, for the jitter estimate
   * @param arrivalMs local arrival time in ms
   */
  push(seq16: number, rtpTimeMs: number, arrivalMs: number, item: T): PushResult {
    // RFC 3550 §A.8 estimator, in ms: J += (|D| - J) / 16.
    const transit = arrivalMs - rtpTimeMs;
    if (this.lastTransit !== undefined) this.jitterMs += (Math.abs(transit - this.lastTransit) - this.jitterMs) / 16;
    this.lastTransit = transit;

    const seq = this.extend(seq16);
    if ((this.started && seq < this.nextSeq) || seq <= this.done) {
      this.counters.late++;
      return 'late';
    }
    if (this.slots.has(seq)) {
      this.counters.duplicates++;
      return 'duplicate';
    }
    if (this.highest !== undefined && seq < this.highest) this.counters.reordered++;
    this.slots.set(seq, item);
    if (this.highest === undefined || seq > this.highest) this.highest = seq;
    if (!this.started && this.slots.size === 1) this.nextSeq = seq;
    if (!this.started && seq < this.nextSeq) this.nextSeq = seq;
    this.trim();
    return 'queued';
  }

  /** Bounded depth: past the highest delay the oldest frames go. */
  private trim(): void {
    while (this.highest !== undefined && this.highest - this.nextSeq + 1 > this.maxFrames) {
      if (this.slots.delete(this.nextSeq)) this.counters.discarded++;
      else this.counters.lost++;
      this.done = this.nextSeq++;
    }
  }

  /** Called once per packet interval by the playout clock. */
  pull(): Playout<T> {
    if (!this.started) {
      if (this.slots.size === 0 || this.highest === undefined || this.highest - this.nextSeq + 1 < this.targetFrames) return EMPTY;
      this.started = true;
      this.underruns = 0;
      this.excess = 0;
      this.trim();
    }
    // Shrink: a depth held above target for a while costs delay for nothing.
    if (this.depth > this.targetFrames + 1) {
      if (++this.excess >= SHRINK_AFTER && this.slots.has(this.nextSeq) && this.slots.has(this.nextSeq + 1)) {
        this.slots.delete(this.nextSeq);
        this.done = this.nextSeq++;
        this.counters.discarded++;
        this.excess = 0;
      }
    } else {
      this.excess = 0;
    }
    const seq = this.nextSeq;
    const item = this.slots.get(seq);
    if (item !== undefined) {
      this.slots.delete(seq);
      this.done = this.nextSeq++;
      this.underruns = 0;
      this.packetOut.item = item;
      this.packetOut.seq = seq;
      return this.packetOut as Playout<T>;
    }
    if (this.slots.size > 0) {
      // A later packet is here, so this one is lost (or later than our delay allows).
      this.done = this.nextSeq++;
      this.counters.lost++;
      this.counters.concealed++;
      return this.missing(seq, this.slots.get(seq + 1));
    }
    // Underrun: nothing buffered. Conceal without advancing (the delay grows
    // by a frame); after a few frames assume a pause and re-prime.
    if (++this.underruns > UNDERRUN_LIMIT) {
      this.started = false;
      return EMPTY;
    }
    this.counters.concealed++;
    return this.missing(seq, undefined);
  }

  private missing(seq: number, next: T | undefined): Playout<T> {
    this.missingOut.seq = seq;
    this.missingOut.next = next;
    return this.missingOut;
  }

  /** Forgets all packets (new source, re-INVITE). Counters stay. */
  reset(): void {
    this.slots.clear();
    this.highest = undefined;
    this.started = false;
    this.lastTransit = undefined;
    this.done = -1;
  }
}
