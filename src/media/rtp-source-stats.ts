// Reception statistics of one RTP source: sequence extension and probation
// (RFC 3550 §A.1), loss (§A.3, §6.4.1) and interarrival jitter (§6.4.1, §A.8).
import type { ReportBlock } from './rtcp-packet.js';

const RTP_SEQ_MOD = 1 << 16;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const MIN_SEQUENTIAL = 2;

export type SequenceVerdict = 'valid' | 'probation' | 'duplicate-or-old' | 'restart';

export class RtpSourceStats {
  maxSeq = 0;
  cycles = 0;
  baseSeq = 0;
  badSeq = RTP_SEQ_MOD + 1;
  probation = MIN_SEQUENTIAL;
  received = 0;
  expectedPrior = 0;
  receivedPrior = 0;
  /** Packets seen with a sequence number below the highest one (reordered or duplicate). */
  reordered = 0;
  /** Jitter in timestamp units, scaled by 16 as in §A.8. */
  private jitterQ4 = 0;
  private transit: number | undefined;
  /** Middle 32 bits of the last SR's NTP time and when it came (ms), for LSR/DLSR. */
  lastSr = 0;
  lastSrArrivalMs = 0;

  constructor(
    readonly ssrc: number,
    readonly clockRate: number,
    firstSeq: number,
  ) {
    this.initSeq(firstSeq);
    this.maxSeq = firstSeq - 1;
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  /** §A.1 update_seq: validates and extends a sequence number. */
  updateSeq(seq: number): SequenceVerdict {
    const udelta = (seq - this.maxSeq + RTP_SEQ_MOD) % RTP_SEQ_MOD;
    if (this.probation) {
      // §A.1: a source is valid after MIN_SEQUENTIAL packets in sequence.
      if (seq === (this.maxSeq + 1) % RTP_SEQ_MOD) {
        this.probation--;
        this.maxSeq = seq;
        if (this.probation === 0) {
          this.initSeq(seq);
          this.received++;
          return 'valid';
        }
      } else {
        this.probation = MIN_SEQUENTIAL - 1;
        this.maxSeq = seq;
      }
      return 'probation';
    } else if (udelta < MAX_DROPOUT) {
      // in order, with permissible gap
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD; // wrapped
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // the sequence number made a very large jump
      if (seq === this.badSeq) {
        // two sequential packets: the other side restarted without telling us
        this.initSeq(seq);
        this.received++;
        return 'restart';
      }
      this.badSeq = (seq + 1) & (RTP_SEQ_MOD - 1);
      return 'duplicate-or-old';
    } else {
      // duplicate or reordered packet
      this.reordered++;
    }
    this.received++;
    return 'valid';
  }

  get extendedMax(): number {
    return this.cycles + this.maxSeq;
  }

  /** §A.3: expected = highest extended - base + 1; lost = expected - received. */
  get expected(): number {
    return this.extendedMax - this.baseSeq + 1;
  }

  get lost(): number {
    return this.expected - this.received;
  }

  /**
   * §A.8: D(i-1,i) from the relative transit time, J += (|D| - J) / 16.
   * @param arrival arrival time in timestamp units of this source's clock
   */
  updateJitter(rtpTimestamp: number, arrival: number): void {
    const transit = arrival - rtpTimestamp;
    if (this.transit !== undefined) {
      let d = transit - this.transit;
      // timestamps wrap at 2^32; the difference of two transits stays small
      d = ((d % 4294967296) + 4294967296 + 2147483648) % 4294967296 - 2147483648;
      if (d < 0) d = -d;
      this.jitterQ4 += d - ((this.jitterQ4 + 8) >> 4);
    }
    this.transit = transit;
  }

  /** Interarrival jitter in timestamp units (§6.4.1). */
  get jitter(): number {
    return this.jitterQ4 >> 4;
  }

  get jitterMs(): number {
    return (this.jitter * 1000) / this.clockRate;
  }

  /** Builds the report block for this source and starts a new interval (§A.3). */
  reportBlock(nowMs: number): ReportBlock {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    this.expectedPrior = expected;
    const receivedInterval = this.received - this.receivedPrior;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fraction = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval << 8) / expectedInterval);
    return {
      ssrc: this.ssrc,
      fractionLost: Math.min(255, fraction),
      cumulativeLost: this.lost,
      extendedHighestSequence: this.extendedMax >>> 0,
      jitter: this.jitter,
      lastSr: this.lastSr,
      // §6.4.1 DLSR in units of 1/65536 s; 0 when no SR was received yet
      delaySinceLastSr: this.lastSr ? Math.round(((nowMs - this.lastSrArrivalMs) * 65536) / 1000) >>> 0 : 0,
    };
  }
}
