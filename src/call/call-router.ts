// The router: takes every call offered by a PSTN line or a SIP trunk, picks
// the route (DialPlan) with the live state of trunks and lines, creates the
// other leg and a Call joining them, registers the call with the operator
// side and writes its CDR when it ends.
import { join } from 'node:path';
import type { Tone } from '../analog/tone-zones.js';
import type { CallBoard } from './call-status.js';
import { Call, type CallOptions } from './call.js';
import type { CdrStore, Cdr } from './cdr-store.js';
import type { ActiveCall, CallSource, DialPlan, RouteDecision, Target } from './dial-plan.js';
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

  constructor(private readonly options: CallRouterOptions) {
    this.plan = options.plan;
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
    const decision = this.plan.route({ source, called, calling: leg.calling.digits }, this.state());
    this.log(`call offered on line ${line}: ${leg.calling.digits || 'anonymous'} -> ${called}: ${describe(decision)}`, { decision });
    if (decision.action === 'reject') {
      leg.release(decision.cause);
      return;
    }
    const calling: PartyNumber = { ...leg.calling, digits: decision.calling };
    const to: PartyNumber = { digits: decision.called };
    const targets = decision.targets.filter((t): t is Extract<Target, { kind: 'trunk' }> => t.kind === 'trunk');
    const lines = decision.targets.filter((t): t is Extract<Target, { kind: 'line' }> => t.kind === 'line');
    if (targets.length === 0 && lines.length > 0) {
      // PSTN -> PSTN: every trunk of the route is down and it fails over to its line group.
      const call = Call.hairpin(leg, this.nextLine(lines, calling, to), this.callOptions(decision, line));
      this.track(call);
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
    const call = Call.fromPstn(leg, next, this.callOptions(decision, line));
    this.track(call);
    call.start();
  }

  private fromSip(leg: SipLeg): void {
    const source: CallSource = { kind: 'sip', trunk: leg.trunk };
    const called = this.plan.inboundCalled(source, { called: leg.to.digits, toUser: leg.to.digits });
    const decision = this.plan.route({ source, called, calling: leg.from.digits }, this.state());
    this.log(`call offered on trunk ${leg.trunk}: ${leg.from.digits || 'anonymous'} -> ${called}: ${describe(decision)}`, { decision });
    if (decision.action === 'reject') {
      // RFC 3398 §7.2.4.1 status for the cause, with Reason (RFC 3326).
      leg.release(decision.cause);
      this.writeCdr({
        callId: `call-${nextCall++}`,
        direction: 'sip-to-pstn',
        start: Date.now(),
        end: Date.now(),
        caller: leg.from.digits,
        callee: called,
        ...(decision.route !== undefined ? { route: decision.route } : {}),
        trunk: leg.trunk,
        pstnCause: decision.cause,
        sipCause: decision.cause,
        hungUpBy: 'gateway',
      });
      return;
    }
    const calling: PartyNumber = { ...leg.from, digits: decision.calling };
    const to: PartyNumber = { digits: decision.called };
    const targets = decision.targets.filter((t): t is Extract<Target, { kind: 'line' }> => t.kind === 'line');
    const preempt = decision.preempt;
    const call = Call.fromSip(leg, this.nextLine(targets, calling, to), this.callOptions(decision, undefined));
    this.track(call);
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

  private callOptions(decision: Extract<RouteDecision, { action: 'route' }>, line: string | undefined): CallOptions {
    const ringback = line !== undefined ? this.options.ringback?.(line) : undefined;
    const id = `call-${nextCall++}`;
    const dir = this.options.recordingDir?.(decision.route);
    return {
      id,
      ...(dir !== undefined ? { recordTo: join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${id}.wav`) } : {}),
      route: decision.route,
      emergency: decision.emergency,
      calling: decision.calling,
      called: decision.called,
      noAnswerMs: this.options.noAnswerMs,
      ...(ringback ? { ringback } : {}),
    };
  }

  private track(call: Call): void {
    this.calls.set(call.id, call);
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
    for (const off of this.offLines) off();
  }
}
