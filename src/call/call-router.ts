// The router: takes every call offered by a PSTN line or a SIP trunk, picks
// the route (DialPlan) with the live state of trunks and lines, creates the
// other leg and a Call joining them, registers the call with the operator
// side and writes its CDR when it ends.
import { join } from 'node:path';
import type { Tone } from '../analog/tone-zones.js';
import { CallLimits, type CallHold, type LimitRefusal } from './call-limits.js';
import type { CallBoard } from './call-status.js';
import { Call, type CallOptions } from './call.js';
import type { CdrStore, Cdr } from './cdr-store.js';
import { sourceName, type ActiveCall, type CallSource, type DialPlan, type RouteDecision, type Target } from './dial-plan.js';
import type { PartyNumber, PstnLeg, PstnLine } from './pstn-leg.js';
import { causeName, Cause, type Q850Cause } from './q850.js';
import type { SipLeg } from './sip-leg.js';

/** The SIP side as the router needs it (src/sip/sip-endpoint.ts). */
export interface SipSide {
  /** Creates the SIP leg of an outgoing call; invite() sends it. */
  call(trunk: string, from: PartyNumber, to: PartyNumber): SipLeg;
  trunkUp(trunk: string): boolean;
  on(event: 'incoming', listener: (leg: SipLeg) => void): unknown;
  off(event: 'incoming', listener: (leg: SipLeg) => void): unknown;
}

export interface CallRouterOptions {
  plan: DialPlan;
  lines: ReadonlyMap<string, PstnLine>;
  sip: SipSide;
  cdr?: CdrStore;
  registry?: CallBoard;
  /** Ringing time before cause 19 / 480. */
  noAnswerMs: number;
  /** Ringback tone of a line's zone. */
  ringback?: (line: string) => Tone | undefined;
  log?: (msg: string, detail?: Record<string, unknown>) => void;
  /** Preempted channel: how long to wait for it to be free again. */
  preemptWaitMs?: number;
  /** Directory a route's calls are recorded in, when it records them. */
  recordingDir?: (route: string) => string | undefined;
}

let nextCall = 1;

function describe(d: RouteDecision): string {
  if (d.action === 'reject') return `refused with cause ${d.cause} (${d.reason})`;
  return `route ${d.route} to ${d.targets.map((t) => (t.kind === 'trunk' ? `trunk ${t.trunk}` : `line ${t.line}`)).join(', ')}`;
}

export class CallRouter {
  private plan: DialPlan;
  private readonly calls = new Map<string, Call>();
  private readonly unregister = new Map<string, () => void>();
  private readonly offLines: (() => void)[] = [];
  private readonly limits: CallLimits;

  constructor(private readonly options: CallRouterOptions) {
    this.plan = options.plan;
    this.limits = new CallLimits(options.plan.config, (ids, why) => this.spent(ids, why));
    for (const [name, line] of options.lines) {
      const onIncoming = (leg: PstnLeg): void => this.fromPstn(name, leg);
      line.on('incoming', onIncoming);
      this.offLines.push(() => line.off('incoming', onIncoming));
    }
    const onSip = (leg: SipLeg): void => this.fromSip(leg);
    options.sip.on('incoming', onSip);
    this.offLines.push(() => options.sip.off('incoming', onSip));
  }

  /** SIGHUP: the next call routes by the new plan; calls in progress keep their legs. */
  setPlan(plan: DialPlan): void {
    this.plan = plan;
    this.limits.reconfigure(plan.config);
  }

  get activeCalls(): Call[] {
    return [...this.calls.values()];
  }

  private log(msg: string, detail?: Record<string, unknown>): void {
    this.options.log?.(msg, detail);
  }

  private state(): Parameters<DialPlan['route']>[1] {
    return {
      trunkUp: (t) => this.options.sip.trunkUp(t),
      freeChannels: (l) => this.options.lines.get(l)?.freeChannels() ?? 0,
      calls: (): ActiveCall[] =>
        [...this.calls.values()]
          .filter((c) => c.pstn !== null)
          .map((c) => ({ id: c.id, line: c.pstn!.address.line, started: c.startedAt, emergency: c.emergency })),
    };
  }

  private fromPstn(line: string, leg: PstnLeg): void {
    const source: CallSource = { kind: 'pstn', line };
    const called = this.plan.inboundCalled(source, { called: leg.called.digits });
    const routed = this.plan.route({ source, called, calling: leg.calling.digits }, this.state());
    const id = `call-${nextCall++}`;
    const admitted = this.admit(id, source, routed);
    this.log(`call offered on line ${line}: ${leg.calling.digits || 'anonymous'} -> ${called}: ${describe(admitted.decision)}`, { decision: admitted.decision });
    if (admitted.action === 'reject') {
      leg.release(admitted.decision.cause);
      return;
    }
    const { decision, hold } = admitted;
    const calling: PartyNumber = { ...leg.calling, digits: decision.calling };
    const to: PartyNumber = { digits: decision.called };
    const targets = decision.targets.filter((t): t is Extract<Target, { kind: 'trunk' }> => t.kind === 'trunk');
    const lines = decision.targets.filter((t): t is Extract<Target, { kind: 'line' }> => t.kind === 'line');
    if (targets.length === 0 && lines.length > 0) {
      // PSTN -> PSTN: every trunk of the route is down and it fails over to its line group.
      const call = Call.hairpin(leg, this.nextLine(lines, calling, to), this.callOptions(id, decision, line, hold));
      this.track(call, source, hold);
      call.start();
      return;
    }
    const next = (): SipLeg | null => {
      for (let t = targets.shift(); t; t = targets.shift()) {
        try {
          return this.options.sip.call(t.trunk, calling, to);
        } catch (err) {
          this.log(`trunk ${t.trunk}: ${(err as Error).message}`);
        }
      }
      return null;
    };
    const call = Call.fromPstn(leg, next, this.callOptions(id, decision, line, hold));
    this.track(call, source, hold);
    call.start();
  }

  private fromSip(leg: SipLeg): void {
    const source: CallSource = { kind: 'sip', trunk: leg.trunk, ...(leg.user !== undefined ? { user: leg.user } : {}) };
    const called = this.plan.inboundCalled(source, { called: leg.to.digits, toUser: leg.to.digits });
    const routed = this.plan.route({ source, called, calling: leg.from.digits }, this.state());
    const id = `call-${nextCall++}`;
    const admitted = this.admit(id, source, routed);
    this.log(`call offered on ${sourceName(source)}: ${leg.from.digits || 'anonymous'} -> ${called}: ${describe(admitted.decision)}`, { decision: admitted.decision });
    if (admitted.action === 'reject') {
      // RFC 3398 §7.2.4.1 status for the cause, with Reason (RFC 3326).
      leg.release(admitted.decision.cause);
      this.writeCdr({
        callId: id,
        direction: 'sip-to-pstn',
        start: Date.now(),
        end: Date.now(),
        caller: leg.from.digits,
        callee: called,
        ...(admitted.decision.route !== undefined ? { route: admitted.decision.route } : {}),
        trunk: leg.trunk,
        pstnCause: admitted.decision.cause,
        sipCause: admitted.decision.cause,
        hungUpBy: 'gateway',
      });
      return;
    }
    const { decision, hold } = admitted;
    const calling: PartyNumber = { ...leg.from, digits: decision.calling };
    const to: PartyNumber = { digits: decision.called };
    const targets = decision.targets.filter((t): t is Extract<Target, { kind: 'line' }> => t.kind === 'line');
    const preempt = decision.preempt;
    const call = Call.fromSip(leg, this.nextLine(targets, calling, to), this.callOptions(id, decision, undefined, hold));
    this.track(call, source, hold);
    if (preempt) {
      // Emergency with every line busy: clear the victim (cause 8), then take its channel once it is free.
      this.log(`emergency call ${call.id} preempts call ${preempt.callId} on ${preempt.line}`);
      this.calls.get(preempt.callId)?.hangup(preempt.cause);
      this.whenFree(preempt.line, () => call.start());
    } else call.start();
  }

  /** Line legs from the targets in hunting order, until one has a free channel. */
  private nextLine(targets: Extract<Target, { kind: 'line' }>[], calling: PartyNumber, to: PartyNumber): () => PstnLeg | null {
    return () => {
      for (let t = targets.shift(); t; t = targets.shift()) {
        const line = this.options.lines.get(t.line);
        const out = line?.originate(calling, to) ?? null;
        if (out) {
          this.plan.hunt(t.group)?.seized(t.line);
          return out;
        }
      }
      return null;
    };
  }

  private whenFree(line: string, go: () => void): void {
    const until = Date.now() + (this.options.preemptWaitMs ?? 5000);
    const check = (): void => {
      if ((this.options.lines.get(line)?.freeChannels() ?? 0) > 0 || Date.now() > until) go();
      else setTimeout(check, 20);
    };
    check();
  }

  private callOptions(id: string, decision: Extract<RouteDecision, { action: 'route' }>, line: string | undefined, hold: CallHold): CallOptions {
    const ringback = line !== undefined ? this.options.ringback?.(line) : undefined;
    const dir = this.options.recordingDir?.(decision.route);
    return {
      id,
      ...(dir !== undefined ? { recordTo: join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${id}.wav`) } : {}),
      route: decision.route,
      emergency: decision.emergency,
      calling: decision.calling,
      called: decision.called,
      noAnswerMs: this.options.noAnswerMs,
      maxDurationMs: hold.maxDurationMs,
      ...(ringback ? { ringback } : {}),
    };
  }

  /**
   * The route's decision under the source's limits: a routed call over a
   * limit is refused with cause 21 (403 towards SIP) like a class it may
   * not reach, with a log line and an event the metrics count.
   */
  private admit(id: string, source: CallSource, d: RouteDecision): { action: 'reject'; decision: Extract<RouteDecision, { action: 'reject' }> } | { action: 'route'; decision: Extract<RouteDecision, { action: 'route' }>; hold: CallHold } {
    if (d.action === 'reject') {
      if (d.cause === Cause.CALL_REJECTED && d.class !== undefined) this.refused(id, source, 'class', d.reason);
      return { action: 'reject', decision: d };
    }
    // Minutes are counted per class of the number as it leaves (after the route's rewrite).
    const held = this.limits.admit(id, source, d.emergency ? 'emergency' : this.plan.classOf(d.called), d.emergency);
    if (!('rule' in held)) return { action: 'route', decision: d, hold: held };
    this.refused(id, source, held.rule, held.reason);
    return { action: 'reject', decision: { action: 'reject', route: d.route, cause: Cause.CALL_REJECTED, reason: `limit ${held.rule} of ${held.reason}` } };
  }

  /** A refusal by policy, for the metrics (sipline_calls_refused_total). */
  private refused(id: string, source: CallSource, rule: string, reason: string): void {
    this.options.registry?.publish({ kind: 'call', name: id, type: 'refused', call: id, source: sourceName(source), rule, cause: Cause.CALL_REJECTED, text: `${id} refused: ${reason}` });
  }

  /** A day's minutes of a class are spent: its calls in progress end with cause 102. */
  private spent(ids: string[], why: LimitRefusal): void {
    for (const id of ids) {
      const call = this.calls.get(id);
      if (!call || call.isEnded) continue;
      this.log(`call ${id} ended: limit ${why.rule} of ${why.reason}`);
      this.options.registry?.publish({ kind: 'call', name: id, type: 'limited', call: id, source: why.source, rule: why.rule, text: `${id} ended: ${why.reason}` });
      call.hangup(Cause.RECOVERY_ON_TIMER_EXPIRY);
    }
  }

  private track(call: Call, source: CallSource, hold: CallHold): void {
    this.calls.set(call.id, call);
    call.on('state', (s) => {
      if (s === 'connected') hold.answered();
    });
    call.on('expired', () => {
      const hours = hold.maxDurationMs / 3_600_000;
      this.log(`call ${call.id} ended: limit maxDuration of ${hold.maxDurationBy} (${hours >= 1 ? `${hours} h` : `${hold.maxDurationMs / 1000} s`}) reached`);
      this.options.registry?.publish({ kind: 'call', name: call.id, type: 'limited', call: call.id, source: sourceName(source), rule: 'maxDuration', text: `${call.id} ended: maxDuration reached` });
    });
    const reg = this.options.registry;
    const publish = (type: string, text: string, cause?: Q850Cause): void => {
      if (!reg) return;
      const s = call.status();
      reg.publish({
        kind: 'call',
        name: call.id,
        type,
        call: call.id,
        ...(s.port ? { port: s.port } : {}),
        ...(s.trunk ? { trunk: s.trunk } : {}),
        ...(cause !== undefined ? { cause } : {}),
        text,
      });
    };
    if (reg) {
      this.unregister.set(call.id, reg.calls.add(call.id, { status: () => call.status(), hangup: (cause) => call.hangup(cause) }));
      publish('incoming', `${call.id} ${call.direction} ${call.status().calling || 'anonymous'} -> ${call.status().called}`);
    }
    call.on('state', (s) => publish(s === 'connected' ? 'answered' : s, `${call.id} ${s}`));
    call.on('ended', (cdr) => {
      hold.ended();
      this.calls.delete(call.id);
      this.unregister.get(call.id)?.();
      this.unregister.delete(call.id);
      this.writeCdr(cdr);
      publish('released', `${call.id} released: cause ${cdr.pstnCause ?? Cause.NORMAL_CLEARING} (${causeName(cdr.pstnCause ?? 16)})`, cdr.pstnCause);
    });
  }

  private writeCdr(cdr: Cdr): void {
    try {
      this.options.cdr?.write(cdr);
    } catch (err) {
      this.log(`CDR of ${cdr.callId} not written: ${(err as Error).message}`);
    }
  }

  /** Releases every call with the cause (SIGTERM: 16). */
  releaseAll(cause: Q850Cause): void {
    for (const c of [...this.calls.values()]) c.hangup(cause);
  }

  close(): void {
    this.limits.close();
    for (const off of this.offLines) off();
  }
}
