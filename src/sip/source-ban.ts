// Bans a source address that failed authentication too often (as fail2ban
// does for log lines): `failures` within `findTimeMs` ban it for `banTimeMs`.
// Bounded: past `capacity` sources, the oldest failure records are forgotten
// first, never a ban in force.

export interface SourceBanOptions {
  /** Failures that ban a source; 5 by default. */
  failures?: number;
  /** Window the failures are counted in; 10 minutes by default. */
  findTimeMs?: number;
  /** How long a ban lasts; 1 hour by default. */
  banTimeMs?: number;
  capacity?: number;
  /** A source was banned (true) or its ban ran out (false). */
  onChange?: (address: string, banned: boolean, failures: number) => void;
}

export class SourceBan {
  private readonly failures = new Map<string, number[]>();
  private readonly bans = new Map<string, number>();

  constructor(private readonly options: SourceBanOptions = {}, private readonly now: () => number = Date.now) {}

  /** True while the source is banned; a ban that ran out is lifted here. */
  banned(address: string): boolean {
    const until = this.bans.get(address);
    if (until === undefined) return false;
    if (this.now() < until) return true;
    this.bans.delete(address);
    this.options.onChange?.(address, false, 0);
    return false;
  }

  /** Counts a failure; true when it banned the source. */
  fail(address: string): boolean {
    const now = this.now();
    const window = this.options.findTimeMs ?? 600_000;
    const recent = (this.failures.get(address) ?? []).filter((t) => now - t < window);
    recent.push(now);
    this.failures.delete(address);
    if (recent.length >= (this.options.failures ?? 5)) {
      this.bans.set(address, now + (this.options.banTimeMs ?? 3_600_000));
      this.options.onChange?.(address, true, recent.length);
      return true;
    }
    this.failures.set(address, recent);
    if (this.failures.size > (this.options.capacity ?? 10_000)) this.failures.delete(this.failures.keys().next().value!);
    return false;
  }

  /** A success forgets the source's failures. */
  succeed(address: string): void {
    this.failures.delete(address);
  }

  /** Sources banned now, with the time their ban ends. */
  list(): Array<{ address: string; until: number }> {
    const now = this.now();
    return [...this.bans].filter(([, until]) => until > now).map(([address, until]) => ({ address, until }));
  }
}
