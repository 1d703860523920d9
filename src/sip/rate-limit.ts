// Token buckets per source address, bounded in memory. A spray of new source
// addresses cannot reset the buckets of the sources already limited: when the
// table is full, idle buckets (refilled to the brim, so equal to a new one)
// are swept, and sources still without a place share one overflow bucket.

export interface RateLimitOptions {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size; 2 * perSecond by default. */
  burst?: number;
  /** Source addresses tracked one by one; 10,000 by default. */
  capacity?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class SourceRateLimit {
  private readonly buckets = new Map<string, Bucket>();
  private readonly overflow: Bucket;
  private readonly burst: number;
  private readonly capacity: number;
  private lastSweep = 0;

  constructor(private readonly options: RateLimitOptions, private readonly now: () => number = Date.now) {
    this.burst = Math.max(1, options.burst ?? options.perSecond * 2);
    this.capacity = options.capacity ?? 10_000;
    this.overflow = { tokens: this.burst, at: now() };
  }

  /** Takes one token for the source; false when its bucket is empty. */
  take(address: string): boolean {
    const now = this.now();
    let b = this.buckets.get(address);
    if (!b) {
      if (this.buckets.size >= this.capacity) this.sweep(now);
      if (this.buckets.size < this.capacity) {
        b = { tokens: this.burst, at: now };
        this.buckets.set(address, b);
      } else {
        b = this.overflow;
      }
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.options.perSecond);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Sources tracked one by one (for tests and status). */
  get size(): number {
    return this.buckets.size;
  }

  /** Drops buckets that have refilled: forgetting them changes nothing. At most once a second. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    const full = (this.burst / this.options.perSecond) * 1000;
    for (const [address, b] of this.buckets) if (now - b.at >= full) this.buckets.delete(address);
  }
}
