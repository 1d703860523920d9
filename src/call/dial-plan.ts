// The dial plan: from a call offered on one side (a PSTN line or a SIP trunk),
// the route it takes, its rewritten numbers and the destinations to try in
// order. Pure decisions over the state the caller passes in (trunk up/down,
// free channels, calls in progress); the bridge carries them out.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { DENIED_TO_SIP, destinationClass, homeCountry, type DestinationClass } from './destination-class.js';
import { dialPattern, type DialPattern } from './dial-pattern.js';
import { DEFAULT_EMERGENCY_NUMBERS, type GatewayConfig, type NumberRewrite, type RouteConfig } from './gateway-config.js';
import { LineHunt } from './line-hunt.js';
import type { DialState } from './pstn-leg.js';
import { Cause, type Q850Cause } from './q850.js';

/** Where a call was offered: a line, or a SIP trunk ('digest' with the digest user who placed it). */
export type CallSource = { kind: 'pstn'; line: string } | { kind: 'sip'; trunk: string; user?: string };

/** How logs and metrics name a source: "line pbx", "trunk carrier", "user alice". */
export function sourceName(source: CallSource): string {
  if (source.kind === 'pstn') return `line ${source.line}`;
  return source.user !== undefined ? `user ${source.user}` : `trunk ${source.trunk}`;
}

export interface CallRequest {
  source: CallSource;
  /** Called digits (after inboundCalled()). */
  called: string;
  /** Calling digits; empty when withheld or unavailable. */
  calling: string;
}

/** A call in progress on a PSTN line, as emergency preemption needs to see it. */
export interface ActiveCall {
  id: string;
  line: string;
  /** When it started (any monotonic clock). */
  started: number;
  emergency: boolean;
}

/** What the gateway knows right now. */
export interface RouteState {
  trunkUp(trunk: string): boolean;
  freeChannels(line: string): number;
  /** Calls in progress on PSTN lines. */
  calls(): readonly ActiveCall[];
}

export type Target = { kind: 'trunk'; trunk: string } | { kind: 'line'; group: string; line: string };

export type RouteDecision =
  | {
      action: 'route';
      /** Route name, or `routes[i]`, or 'emergency'. */
      route: string;
      emergency: boolean;
      called: string;
      calling: string;
      /** Destinations to try in order; the bridge moves to the next when one fails. */
      targets: Target[];
      /** An emergency call takes this call's channel: release it with `cause` first. */
      preempt?: { callId: string; line: string; cause: Q850Cause };
    }
  | {
      action: 'reject';
      route?: string;
      cause: Q850Cause;
      reason: string;
      /** The class of the called number, when the refusal is about it. */
      class?: DestinationClass;
    };

export type { DialState };

interface CompiledRoute {
  name: string;
  config: RouteConfig;
  called: DialPattern[] | null;
  calling: DialPattern[] | null;
}

const patterns = (p: string | string[] | undefined): DialPattern[] | null =>
  p === undefined ? null : (Array.isArray(p) ? p : [p]).map((s) => dialPattern(s));

/** Applies strip, prefix and E.164 / national formatting; null when the number cannot be normalised. */
export function rewriteNumber(number: string, rw: NumberRewrite | undefined): string | null {
  if (!rw) return number;
  let n = number.slice(Math.min(rw.strip ?? 0, number.length));
  n = (rw.prefix ?? '') + n;
  if (rw.e164 !== undefined) {
    const p = parsePhoneNumberFromString(n, rw.e164.toUpperCase() as CountryCode);
    if (!p?.isPossible()) return null;
    n = p.number;
  } else if (rw.national !== undefined) {
    const p = parsePhoneNumberFromString(n, rw.national.toUpperCase() as CountryCode);
    if (!p?.isPossible()) return null;
    n = p.country === rw.national.toUpperCase() || p.countryCallingCode === undefined ? p.formatNational().replace(/[^0-9*#]/g, '') : p.formatInternational().replace(/[^0-9+]/g, '');
  }
  return n;
}

export class DialPlan {
  private readonly routes: CompiledRoute[];
  private readonly hunts = new Map<string, LineHunt>();
  private readonly emergencyNumbers: Set<string>;
  /** The country called numbers are classed in (gateway.yaml country, or toneZone's). */
  readonly country: string | undefined;

  /** `config` must have passed checkConfig (patterns parse, names resolve). */
  constructor(
    readonly config: GatewayConfig,
    random: () => number = Math.random,
  ) {
    this.routes = config.routes.map((r, i) => ({
      name: r.name ?? `routes[${i}]`,
      config: r,
      called: patterns(r.match?.called),
      calling: patterns(r.match?.calling),
    }));
    for (const g of config.lineGroups ?? []) this.hunts.set(g.name, new LineHunt(g.lines, g.hunt, random));
    this.emergencyNumbers = new Set([...DEFAULT_EMERGENCY_NUMBERS, ...(config.emergency?.numbers ?? [])]);
    this.country = homeCountry(config);
  }

  /** The class of a called number as routed, or undefined without a country. */
  classOf(called: string): DestinationClass | undefined {
    return this.country === undefined ? undefined : destinationClass(called, this.country, (n) => this.isEmergency(n));
  }

  /** Line groups a line belongs to. */
  groupsOf(line: string): string[] {
    return (this.config.lineGroups ?? []).filter((g) => g.lines.includes(line)).map((g) => g.name);
  }

  /** The trunk or digest user settings of a SIP source (allow, limits, preempt). */
  sipSource(source: Extract<CallSource, { kind: 'sip' }>): { allow?: DestinationClass[]; preempt?: boolean } | undefined {
    if (source.user !== undefined) return this.config.security?.users?.find((u) => u.username === source.user);
    return this.config.sipTrunks?.find((t) => t.name === source.trunk);
  }

  /** Hunting state of a line group: tell it seized() once a line took the call. */
  hunt(group: string): LineHunt | undefined {
    return this.hunts.get(group);
  }

  isEmergency(called: string): boolean {
    return this.emergencyNumbers.has(called);
  }

  /**
   * The called number of an offered call: a line's fixed destination wins
   * (an FXO line brings no digits); a SIP trunk reads the Request-URI user
   * or, when configured, the To user.
   */
  inboundCalled(source: CallSource, offered: { called?: string; toUser?: string }): string {
    if (source.kind === 'pstn') {
      for (const card of this.config.cards) {
        const line = [...(card.spans ?? []), ...(card.ports ?? [])].find((l) => l.name === source.line);
        if (line?.destination !== undefined) return line.destination;
      }
      return offered.called ?? '';
    }
    const trunk = this.config.sipTrunks?.find((t) => t.name === source.trunk);
    return (trunk?.calledNumber === 'to' ? offered.toUser : offered.called) ?? '';
  }

  /** Whether the route serves the source: a route names its sources, one without `from` serves none. */
  private serves(r: CompiledRoute, source: CallSource): boolean {
    const from = r.config.from;
    if (from === undefined) return false;
    if (typeof from === 'string') return from === 'any' || from === source.kind;
    if (source.kind === 'pstn') return (from.lines ?? []).includes(source.line) || this.groupsOf(source.line).some((g) => (from.lineGroups ?? []).includes(g));
    // A digest user is named by its user name; 'digest' is no trunk a route can name.
    return source.user !== undefined ? (from.users ?? []).includes(source.user) : (from.trunks ?? []).includes(source.trunk);
  }

  private applies(r: CompiledRoute, source: CallSource, calling: string): boolean {
    if (!this.serves(r, source)) return false;
    return r.calling === null || r.calling.some((p) => p.test(calling));
  }

  /** Overlap dialing: whether to wait for more digits (see DialState). */
  dialState(source: CallSource, digits: string, calling = ''): DialState {
    if (this.emergencyNumber(source, digits, calling) !== null) return 'complete';
    let matched = false;
    let early = false;
    let extend = [...this.emergencyNumbers].some((n) => n.length > digits.length && n.startsWith(digits));
    for (const r of this.routes) {
      if (!this.applies(r, source, calling)) continue;
      const ms = r.called === null ? [{ matches: true, canExtend: true, early: false }] : r.called.map((p) => p.match(digits));
      const m = ms.find((x) => x.matches);
      if (!matched && m) {
        matched = true;
        early = m.early;
      }
      if (ms.some((x) => x.canExtend)) extend = true;
    }
    if (matched) return early || !extend ? 'complete' : 'ambiguous';
    return extend ? 'incomplete' : 'never';
  }

  /** Picks the route and the destinations of an offered call. */
  private firstRoute(source: CallSource, called: string, calling: string): CompiledRoute | undefined {
    return this.routes.find((x) => this.applies(x, source, calling) && (x.called === null || x.called.some((p) => p.test(called))));
  }

  /**
   * Emergency number of a call, if it is one: as dialled, or as the first
   * matching route rewrites it (9 + 999 on a PBX with an outside-line prefix).
   */
  emergencyNumber(source: CallSource, called: string, calling = ''): string | null {
    if (this.isEmergency(called)) return called;
    const r = this.firstRoute(source, called, calling);
    const rewritten = r ? rewriteNumber(called, r.config.rewrite?.called) : null;
    return rewritten !== null && this.isEmergency(rewritten) ? rewritten : null;
  }

  route(req: CallRequest, state: RouteState): RouteDecision {
    const emergency = this.emergencyNumber(req.source, req.called, req.calling);
    if (emergency !== null) return this.emergency({ ...req, called: emergency }, state);
    const r = this.firstRoute(req.source, req.called, req.calling);
    if (!r) return { action: 'reject', cause: Cause.NO_ROUTE_DESTINATION, reason: `no route matches called number '${req.called}'` };
    const to = r.config.to;
    if (to.reject !== undefined) return { action: 'reject', route: r.name, cause: to.reject, reason: `route ${r.name} refuses the call` };
    const called = rewriteNumber(req.called, r.config.rewrite?.called);
    if (called === null) return { action: 'reject', route: r.name, cause: Cause.INVALID_NUMBER_FORMAT, reason: `called number '${req.called}' cannot be normalised` };
    const calling = req.calling === '' ? '' : (rewriteNumber(req.calling, r.config.rewrite?.calling) ?? req.calling);
    const cls = this.classOf(called);
    const refused = this.classRefusal(req.source, r, cls);
    if (refused !== null) return { action: 'reject', route: r.name, cause: Cause.CALL_REJECTED, reason: refused, ...(cls ? { class: cls } : {}) };

    const trunks = () => (to.trunks ?? []).filter((t) => state.trunkUp(t)).map((trunk): Target => ({ kind: 'trunk', trunk }));
    const lines = () => this.lineTargets(to.lineGroup, state);
    const prefer = to.prefer ?? (to.trunks === undefined || (req.source.kind === 'sip' && to.lineGroup !== undefined) ? 'pstn' : 'sip');
    let targets = prefer === 'sip' ? trunks() : lines();
    if (targets.length === 0 && to.failover === true) targets = prefer === 'sip' ? lines() : trunks();
    if (targets.length === 0) {
      const trunksDown = (to.trunks ?? []).length > 0 && trunks().length === 0;
      const cause = to.lineGroup !== undefined ? Cause.NO_CIRCUIT_AVAILABLE : trunksDown ? Cause.NETWORK_OUT_OF_ORDER : Cause.NO_CIRCUIT_AVAILABLE;
      return { action: 'reject', route: r.name, cause, reason: `route ${r.name}: every destination is down or busy` };
    }
    return { action: 'route', route: r.name, emergency: false, called, calling, targets };
  }

  /**
   * Why a SIP source may not reach the class, or null: international and
   * premium-rate numbers only when the route or the source allows them by
   * name. Lines reach every class (the line's own network bars what it bars).
   */
  private classRefusal(source: CallSource, r: CompiledRoute, cls: DestinationClass | undefined): string | null {
    if (source.kind !== 'sip') return null;
    if (cls === undefined) return r.config.to.lineGroup !== undefined ? `route ${r.name}: no country to class the called number in (set country)` : null;
    if (!DENIED_TO_SIP.includes(cls)) return null;
    if (r.config.allow?.includes(cls) || this.sipSource(source)?.allow?.includes(cls)) return null;
    return `destination class ${cls} is denied to ${sourceName(source)} by default (route ${r.name}); allow it with allow: [${cls}] on the route or the source`;
  }

  private lineTargets(group: string | undefined, state: RouteState): Target[] {
    if (group === undefined) return [];
    const hunt = this.hunts.get(group);
    if (!hunt) return [];
    return hunt.order((l) => state.freeChannels(l)).map((line): Target => ({ kind: 'line', group, line }));
  }

  /**
   * Emergency calls are routed before and whatever the routes say: the
   * configured PSTN group first; if no line of it is free, a non-emergency
   * call on it is preempted (unless `preempt: false`), the most recently
   * started one, which costs the least conversation; then SIP trunks.
   */
  private emergency(req: CallRequest, state: RouteState): RouteDecision {
    const em = this.config.emergency ?? {};
    const base = { action: 'route' as const, route: 'emergency', emergency: true, called: req.called, calling: req.calling };
    const trunkNames = em.trunks ?? (this.config.sipTrunks ?? []).map((t) => t.name);
    const trunks = trunkNames.filter((t) => state.trunkUp(t)).map((trunk): Target => ({ kind: 'trunk', trunk }));
    let withheld = '';
    if (em.lineGroup !== undefined) {
      const lines = this.lineTargets(em.lineGroup, state);
      if (lines.length > 0) return { ...base, targets: [...lines, ...trunks] };
      // Only a line's caller, or a SIP source allowed to, may clear someone else's call.
      const mayPreempt = req.source.kind === 'pstn' || this.sipSource(req.source)?.preempt === true;
      if (em.preempt !== false && !mayPreempt) withheld = ` (${sourceName(req.source)} may not preempt calls: preempt: true on it allows that)`;
      if (em.preempt !== false && mayPreempt) {
        const members = new Set(this.hunts.get(em.lineGroup)?.lines ?? []);
        const victim = state
          .calls()
          .filter((c) => !c.emergency && members.has(c.line))
          .sort((a, b) => b.started - a.started)[0];
        if (victim) {
          return {
            ...base,
            targets: [{ kind: 'line', group: em.lineGroup, line: victim.line }, ...trunks],
            preempt: { callId: victim.id, line: victim.line, cause: Cause.PREEMPTION },
          };
        }
      }
    }
    const targets = [...trunks];
    if (targets.length === 0) {
      // Last resort: any free line of any group.
      for (const g of this.config.lineGroups ?? []) targets.push(...this.lineTargets(g.name, state));
    }
    if (targets.length === 0) return { action: 'reject', route: 'emergency', cause: Cause.NO_CIRCUIT_AVAILABLE, reason: `emergency call: no line free and no trunk up${withheld}` };
    return { ...base, targets };
  }
}
