// Where spans, ports, trunks and calls plug into the operator side. Each part
// registers a provider for every entity it owns (and removes it when the
// entity goes away) and publishes its events here; status, the control
// socket and the metrics read only this registry.
import { EventEmitter } from 'node:events';
import type { CallEntry } from '../call/call-status.js';
import type {
  CallStatus,
  EventInput,
  GatewayEvent,
  PortStatus,
  PortCall,
  SecurityStatus,
  SpanStatus,
  StatusTotals,
  TrunkStatus,
} from './status-model.js';

export interface SpanProvider {
  status(): SpanStatus;
  /** Takes the span down and up again (alarms clear, D-channel restarts). */
  restart?(): void | Promise<void>;
}

export interface PortProvider {
  status(): PortStatus;
  /** Takes the channel out of service: no new call is offered or placed on it. */
  block?(): void | Promise<void>;
  unblock?(): void | Promise<void>;
}

export interface TrunkProvider {
  status(): TrunkStatus;
}

/** The call layer's entry for one call (call/call-status.ts). */
export type CallProvider = CallEntry;

/** A named set of providers of one kind. */
export class ProviderSet<P> {
  readonly #items = new Map<string, P>();
  constructor(readonly kind: string) {}

  /** Registers a provider; returns the function that removes it again. */
  add(name: string, provider: P): () => void {
    if (this.#items.has(name)) throw new Error(`${this.kind} '${name}' is already registered`);
    this.#items.set(name, provider);
    return () => {
      if (this.#items.get(name) === provider) this.#items.delete(name);
    };
  }

  get(name: string): P | undefined {
    return this.#items.get(name);
  }

  names(): string[] {
    return [...this.#items.keys()];
  }

  entries(): [string, P][] {
    return [...this.#items.entries()];
  }

  get size(): number {
    return this.#items.size;
  }
}

export interface RegistryEvents {
  event: [event: GatewayEvent];
  /** A provider's status() threw; the entity is left out of that snapshot. */
  'provider-error': [kind: string, name: string, error: unknown];
}

export interface Snapshot {
  spans: SpanStatus[];
  ports: PortStatus[];
  trunks: TrunkStatus[];
  calls: CallStatus[];
  totals: StatusTotals;
  security: SecurityStatus | null;
}

export interface RecentFilter {
  span?: string;
  port?: string;
  call?: string;
  trunk?: string;
  limit?: number;
}

/** Events kept for `events.recent` (the watch screen's per-channel history). */
const KEPT_EVENTS = 1000;

export class StatusRegistry extends EventEmitter<RegistryEvents> {
  readonly spans = new ProviderSet<SpanProvider>('span');
  readonly ports = new ProviderSet<PortProvider>('port');
  readonly trunks = new ProviderSet<TrunkProvider>('trunk');
  readonly calls = new ProviderSet<CallProvider>('call');
  /** The SIP side's security state, when there is one. */
  security: { status(): SecurityStatus } | null = null;
  #seq = 0;
  #kept: GatewayEvent[] = [];
  #callsEnded = 0;

  /** Stamps an event, keeps it for `recent` and hands it to every subscriber. */
  publish(input: EventInput): GatewayEvent {
    const event: GatewayEvent = { seq: ++this.#seq, time: new Date().toISOString(), ...input };
    if (event.kind === 'call' && event.type === 'released') this.#callsEnded++;
    this.#kept.push(event);
    if (this.#kept.length > KEPT_EVENTS) this.#kept.splice(0, this.#kept.length - KEPT_EVENTS);
    this.emit('event', event);
    return event;
  }

  /** The latest events touching a span, port, call or trunk, oldest first. */
  recent(filter: RecentFilter = {}): GatewayEvent[] {
    const match = (e: GatewayEvent): boolean =>
      (filter.span === undefined || e.span === filter.span || (e.kind === 'span' && e.name === filter.span)) &&
      (filter.port === undefined || e.port === filter.port || (e.kind === 'port' && e.name === filter.port)) &&
      (filter.call === undefined || e.call === filter.call || (e.kind === 'call' && e.name === filter.call)) &&
      (filter.trunk === undefined || e.trunk === filter.trunk || (e.kind === 'trunk' && e.name === filter.trunk));
    const found = this.#kept.filter(match);
    return found.slice(Math.max(0, found.length - (filter.limit ?? 50)));
  }

  snapshot(): Snapshot {
    const spans = this.#collect(this.spans);
    const trunks = this.#collect(this.trunks);
    const calls = this.#collect(this.calls);
    const ports = joinCalls(this.#collect(this.ports), calls);
    let security: SecurityStatus | null = null;
    try {
      security = this.security?.status() ?? null;
    } catch (err) {
      this.emit('provider-error', 'security', 'sip', err);
    }
    return {
      spans,
      ports,
      trunks,
      calls,
      security,
      totals: {
        spans: spans.length,
        spansInAlarm: spans.filter((s) => s.alarms.length > 0).length,
        ports: ports.length,
        portsBusy: ports.filter((p) => p.callState !== 'idle' && p.callState !== 'blocked').length,
        portsBlocked: ports.filter((p) => p.blocked).length,
        calls: calls.length,
        callsConnected: calls.filter((c) => c.state === 'connected').length,
        trunks: trunks.length,
        trunksUp: trunks.filter((t) => t.state === 'registered' || t.state === 'up').length,
        callsEnded: this.#callsEnded,
      },
    };
  }

  #collect<T>(set: ProviderSet<{ status(): T }>): T[] {
    const out: T[] = [];
    for (const [name, provider] of set.entries()) {
      try {
        out.push(provider.status());
      } catch (err) {
        // One broken provider must not take the operator's screen down.
        this.emit('provider-error', set.kind, name, err);
      }
    }
    return out;
  }
}

/** Each channel's row gets the call on it: by the row's callId, else by the call's port (`name` or `name:1` of an analog line). */
function joinCalls(ports: PortStatus[], calls: CallStatus[]): PortStatus[] {
  const byId = new Map(calls.map((c) => [c.id, c]));
  const byPort = new Map<string, CallStatus>();
  for (const c of calls) if (c.port !== null) byPort.set(c.port, c);
  return ports.map((p) => {
    const c = (p.callId !== null ? byId.get(p.callId) : undefined) ?? byPort.get(p.name) ?? (p.span === null ? byPort.get(`${p.name}:1`) : undefined);
    const call: PortCall | null = c
      ? { id: c.id, calling: c.calling, called: c.called, state: c.state, codec: c.codec, durationS: c.durationS, jitterMs: c.jitterMs, lossPct: c.lossPct }
      : null;
    return { ...p, call };
  });
}
