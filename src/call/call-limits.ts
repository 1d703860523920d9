// Limits per source (trunk, digest user, line, line group): calls at once,
// calls per second, how long an answered call may last and the minutes a
// day each destination class may take. A stolen PBX password or an open
// trunk otherwise runs up a bill at the speed of the lines; these bound it.
import type { DestinationClass } from './destination-class.js';
import type { CallSource } from './dial-plan.js';
import type { GatewayConfig, SourceLimits } from './gateway-config.js';

/** An answered call ends after this long unless its source says otherwise: a forgotten call does not run for days. */
export const DEFAULT_MAX_DURATION_S = 4 * 3600;

/** Which limit a call ran into, in the config's words. */
export type LimitRule = 'concurrentCalls' | 'callsPerSecond' | 'maxDuration' | 'minutesPerDay';

export interface LimitRefusal {
  /** "trunk carrier", "user alice", "line pbx", "lineGroup office". */
  source: string;
  rule: LimitRule;
  reason: string;
}

/** A call admitted under its sources' limits: tell it when the call is answered and when it ends. */
export interface CallHold {
  /** How long the call may last once answered. */
  readonly maxDurationMs: number;
  /** The sources' limit that sets maxDurationMs, for the log line when it strikes. */
  readonly maxDurationBy: string;
  answered(): void;
  ended(): void;
}

/** A day's minutes are spent: the router ends these calls. */
export type SpentListener = (callIds: string[], refusal: LimitRefusal) => void;

interface HeldCall {
  cls: DestinationClass | undefined;
  answeredAt?: number;
}

/** One source's limits and the calls it holds now. */
class SourceLimit {
  private readonly calls = new Map<string, HeldCall>();
  private tokens: number;
  private refilledAt: number;
  private day = '';
  /** Milliseconds of ended answered calls today, per class. */
  private readonly spentMs = new Map<DestinationClass, number>();
  private spendTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly name: string,
    public limits: SourceLimits,
    private readonly now: () => number,
    private readonly onSpent: SpentListener,
  ) {
    this.tokens = Math.max(1, limits.callsPerSecond ?? 1);
    this.refilledAt = now();
  }

  /** Why the call may not start now, or null (nothing is counted yet). */
  check(cls: DestinationClass | undefined): LimitRefusal | null {
    const l = this.limits;
    if (l.concurrentCalls !== undefined && this.calls.size >= l.concurrentCalls) {
      return this.refusal('concurrentCalls', `${this.calls.size} call(s) in progress, concurrentCalls is ${l.concurrentCalls}`);
    }
    if (l.callsPerSecond !== undefined) {
      this.refill();
      if (this.tokens < 1) return this.refusal('callsPerSecond', `more than callsPerSecond ${l.callsPerSecond}`);
    }
    const budget = cls !== undefined ? l.minutesPerDay?.[cls] : undefined;
    if (budget !== undefined && this.leftMs(cls!) <= 0) return this.refusal('minutesPerDay', `the ${budget} minute(s) of ${cls} calls a day are spent`);
    return null;
  }

  take(id: string, cls: DestinationClass | undefined): void {
    if (this.limits.callsPerSecond !== undefined) this.tokens -= 1;
    this.calls.set(id, { cls });
  }

  answered(id: string): void {
    const c = this.calls.get(id);
    if (!c) return;
    c.answeredAt = this.now();
    this.watchSpend();
  }

  ended(id: string): void {
    const c = this.calls.get(id);
    if (!c) return;
    this.calls.delete(id);
    if (c.answeredAt !== undefined && c.cls !== undefined) {
      this.rollDay();
      this.spentMs.set(c.cls, (this.spentMs.get(c.cls) ?? 0) + (this.now() - c.answeredAt));
    }
    this.watchSpend();
  }

  close(): void {
    if (this.spendTimer) clearTimeout(this.spendTimer);
    this.spendTimer = null;
  }

  private refusal(rule: LimitRule, why: string): LimitRefusal {
    return { source: this.name, rule, reason: `${this.name}: ${why}` };
  }

  /** Token bucket: callsPerSecond tokens a second, at most one second's worth (and at least one call). */
  private refill(): void {
    const rate = this.limits.callsPerSecond ?? 1;
    const t = this.now();
    this.tokens = Math.min(Math.max(1, rate), this.tokens + ((t - this.refilledAt) / 1000) * rate);
    this.refilledAt = t;
  }

  /** Minutes are counted per local day of the box; a new day starts from nothing. */
  private rollDay(): void {
    const d = new Date(this.now());
    const day = `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
    if (day !== this.day) {
      this.day = day;
      this.spentMs.clear();
    }
  }

  /** What is left of the class's minutes today, counting the calls in progress up to now. */
  private leftMs(cls: DestinationClass): number {
    const budget = this.limits.minutesPerDay?.[cls];
    if (budget === undefined) return Infinity;
    this.rollDay();
    const t = this.now();
    let running = 0;
    for (const c of this.calls.values()) if (c.cls === cls && c.answeredAt !== undefined) running += t - c.answeredAt;
    return budget * 60_000 - (this.spentMs.get(cls) ?? 0) - running;
  }

  /**
   * Calls in progress spend their classes' minutes together: wake when the
   * first budget would be gone and end that class's calls.
   */
  private watchSpend(): void {
    if (this.spendTimer) clearTimeout(this.spendTimer);
    this.spendTimer = null;
    let soonest = Infinity;
    let spent: DestinationClass | undefined;
    for (const cls of new Set([...this.calls.values()].filter((c) => c.answeredAt !== undefined).map((c) => c.cls))) {
      if (cls === undefined || this.limits.minutesPerDay?.[cls] === undefined) continue;
      const running = [...this.calls.values()].filter((c) => c.cls === cls && c.answeredAt !== undefined).length;
      const at = Math.max(0, this.leftMs(cls) / running);
      if (at < soonest) [soonest, spent] = [at, cls];
    }
    if (spent === undefined) return;
    this.spendTimer = setTimeout(() => {
      this.spendTimer = null;
      if (this.leftMs(spent) > 0) return this.watchSpend();
      const ids = [...this.calls.entries()].filter(([, c]) => c.cls === spent && c.answeredAt !== undefined).map(([id]) => id);
      this.onSpent(ids, this.refusal('minutesPerDay', `the ${this.limits.minutesPerDay?.[spent]} minute(s) of ${spent} calls a day are spent`));
    }, Math.ceil(soonest));
    this.spendTimer.unref();
  }
}

/** The limits of every source of a configuration; a reload keeps what the sources have used. */
export class CallLimits {
  private readonly sources = new Map<string, SourceLimit>();
  private config!: GatewayConfig;

  constructor(
    config: GatewayConfig,
    private readonly onSpent: SpentListener,
    private readonly now: () => number = Date.now,
  ) {
    this.reconfigure(config);
  }

  /** SIGHUP: new limits apply to the next calls; counts and calls held carry over. */
  reconfigure(config: GatewayConfig): void {
    this.config = config;
    const wanted = new Map<string, SourceLimits>();
    for (const t of config.sipTrunks ?? []) if (t.limits) wanted.set(`trunk ${t.name}`, t.limits);
    for (const u of config.security?.users ?? []) if (u.limits) wanted.set(`user ${u.username}`, u.limits);
    for (const g of config.lineGroups ?? []) if (g.limits) wanted.set(`lineGroup ${g.name}`, g.limits);
    for (const c of config.cards) for (const l of [...(c.spans ?? []), ...(c.ports ?? [])]) if (l.limits) wanted.set(`line ${l.name}`, l.limits);
    for (const [name, limits] of wanted) {
      const s = this.sources.get(name);
      if (s) s.limits = limits;
      else this.sources.set(name, new SourceLimit(name, limits, this.now, this.onSpent));
    }
    // A source whose limits were removed keeps counting its calls in progress, with no limit.
    for (const [name, s] of this.sources) if (!wanted.has(name)) s.limits = {};
  }

  /** The limit holders a call from `source` counts against. */
  private of(source: CallSource): { name: string; limit: SourceLimit | undefined }[] {
    const names =
      source.kind === 'sip'
        ? [source.user !== undefined ? `user ${source.user}` : `trunk ${source.trunk}`]
        : [`line ${source.line}`, ...(this.config.lineGroups ?? []).filter((g) => g.lines.includes(source.line)).map((g) => `lineGroup ${g.name}`)];
    return names.map((name) => ({ name, limit: this.sources.get(name) }));
  }

  /**
   * Admits a call or says which limit refuses it. Emergency calls are never
   * refused, counted or cut.
   */
  admit(id: string, source: CallSource, cls: DestinationClass | undefined, emergency: boolean): CallHold | LimitRefusal {
    if (emergency) return { maxDurationMs: Infinity, maxDurationBy: '', answered: () => undefined, ended: () => undefined };
    const holders = this.of(source);
    for (const h of holders) {
      const refused = h.limit?.check(cls);
      if (refused) return refused;
    }
    for (const h of holders) h.limit?.take(id, cls);
    // The strictest maxDuration of the sources, else calls.maxDuration, else 4 hours.
    let maxS = this.config.calls?.maxDuration ?? DEFAULT_MAX_DURATION_S;
    let by = this.config.calls?.maxDuration !== undefined ? 'calls.maxDuration' : 'the default maxDuration';
    const own = holders.filter((h) => h.limit?.limits.maxDuration !== undefined);
    if (own.length > 0) {
      maxS = Math.min(...own.map((h) => h.limit!.limits.maxDuration!));
      by = own.find((h) => h.limit!.limits.maxDuration === maxS)!.name;
    }
    return {
      maxDurationMs: maxS * 1000,
      maxDurationBy: by,
      answered: () => holders.forEach((h) => h.limit?.answered(id)),
      ended: () => holders.forEach((h) => h.limit?.ended(id)),
    };
  }

  close(): void {
    for (const s of this.sources.values()) s.close();
  }
}
