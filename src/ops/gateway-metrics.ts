// Prometheus metrics, computed from the same status registry the control
// socket serves: gauges read a snapshot taken once per scrape, counters count
// the events the parts publish.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { causeName } from '../call/q850.js';
import { formatListenAddress, type ListenAddress } from './daemon-config.js';
import type { Snapshot, StatusRegistry } from './status-registry.js';

export class GatewayMetrics {
  readonly prom = new Registry();
  #snap: Snapshot | null = null;
  #server: Server | null = null;

  constructor(readonly registry: StatusRegistry) {
    collectDefaultMetrics({ register: this.prom, prefix: 'sipline_' });
    const snap = (): Snapshot => this.#snap ?? registry.snapshot();
    const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge, s: Snapshot) => void): void => {
      new Gauge({
        name,
        help,
        labelNames,
        registers: [this.prom],
        collect() {
          this.reset();
          fill(this, snap());
        },
      });
    };

    gauge('sipline_span_up', 'Span without alarms (1) or in alarm (0)', ['span', 'type'], (g, s) => {
      for (const sp of s.spans) g.set({ span: sp.name, type: sp.type }, sp.alarms.length === 0 ? 1 : 0);
    });
    gauge('sipline_span_alarm', 'Alarm raised on a span now', ['span', 'alarm'], (g, s) => {
      for (const sp of s.spans) for (const a of sp.alarms) g.set({ span: sp.name, alarm: a }, 1);
    });
    gauge('sipline_span_dchannel_up', 'D-channel up (1) or down (0), spans with a D-channel only', ['span'], (g, s) => {
      for (const sp of s.spans) if (sp.dchannel !== 'none') g.set({ span: sp.name }, sp.dchannel === 'up' ? 1 : 0);
    });
    gauge('sipline_span_errors', 'Error counters of a span since it started', ['span', 'counter'], (g, s) => {
      for (const sp of s.spans) for (const [k, v] of Object.entries(sp.counters)) g.set({ span: sp.name, counter: k }, v);
    });
    gauge('sipline_port_busy', 'Channel carrying a call (1) or idle (0)', ['port', 'span'], (g, s) => {
      for (const p of s.ports) g.set({ port: p.name, span: p.span ?? '' }, p.callState === 'idle' || p.callState === 'blocked' ? 0 : 1);
    });
    gauge('sipline_port_blocked', 'Channel blocked by the operator', ['port'], (g, s) => {
      for (const p of s.ports) g.set({ port: p.name }, p.blocked ? 1 : 0);
    });
    gauge('sipline_port_level_dbm0', 'Audio level on a channel, dBm0', ['port', 'direction'], (g, s) => {
      for (const p of s.ports) {
        if (p.levelRxDbm0 !== null) g.set({ port: p.name, direction: 'rx' }, p.levelRxDbm0);
        if (p.levelTxDbm0 !== null) g.set({ port: p.name, direction: 'tx' }, p.levelTxDbm0);
      }
    });
    // RFC 3550 §6.4.1 figures of the call on each channel, labelled like the channel's row.
    gauge('sipline_port_jitter_ms', 'RTP interarrival jitter of the call on a channel, ms', ['port'], (g, s) => {
      for (const p of s.ports) if (p.call && p.call.jitterMs !== null) g.set({ port: p.name }, p.call.jitterMs);
    });
    gauge('sipline_port_loss_percent', 'RTP packet loss of the call on a channel, percent', ['port'], (g, s) => {
      for (const p of s.ports) if (p.call && p.call.lossPct !== null) g.set({ port: p.name }, p.call.lossPct);
    });
    gauge('sipline_sip_bans_active', 'Source addresses banned now for failing authentication', [], (g, s) => {
      if (s.security) g.set(s.security.bans.length);
    });
    new Counter({
      name: 'sipline_sip_inbound_refused_total',
      help: 'SIP requests not admitted, by reason: refused, rate-limited, scanner, auth-failure, ban',
      labelNames: ['reason'],
      registers: [this.prom],
      collect() {
        const c = snap().security?.counts;
        this.reset();
        if (!c) return;
        const by: Record<string, number> = { refused: c.refused, 'rate-limited': c.rateLimited, scanner: c.scanners, 'auth-failure': c.authFailures, ban: c.bans };
        for (const [reason, n] of Object.entries(by)) this.inc({ reason }, n);
      },
    });
    gauge('sipline_trunk_up', 'SIP trunk registered or up (1), else 0', ['trunk'], (g, s) => {
      for (const t of s.trunks) g.set({ trunk: t.name }, t.state === 'registered' || t.state === 'up' ? 1 : 0);
    });
    gauge('sipline_calls_active', 'Calls through the gateway now', ['state'], (g, s) => {
      const by = new Map<string, number>();
      for (const c of s.calls) by.set(c.state, (by.get(c.state) ?? 0) + 1);
      for (const [state, n] of by) g.set({ state }, n);
    });

    const calls = new Counter({ name: 'sipline_calls_total', help: 'Calls started, by direction', labelNames: ['direction'], registers: [this.prom] });
    const ended = new Counter({
      name: 'sipline_calls_ended_total',
      help: 'Calls ended, by Q.850 cause',
      labelNames: ['cause', 'cause_name'],
      registers: [this.prom],
    });
    const alarms = new Counter({ name: 'sipline_span_alarms_total', help: 'Alarms raised on a span', labelNames: ['span'], registers: [this.prom] });
    const registrations = new Counter({
      name: 'sipline_trunk_registrations_total',
      help: 'Successful registrations of a trunk',
      labelNames: ['trunk'],
      registers: [this.prom],
    });
    // Toll-fraud policy at work: refusals by class or limit, and calls ended by a limit.
    const refused = new Counter({
      name: 'sipline_calls_refused_total',
      help: 'Calls refused by policy (destination class or a limit), by source and rule',
      labelNames: ['source', 'rule'],
      registers: [this.prom],
    });
    const limited = new Counter({
      name: 'sipline_calls_limited_total',
      help: 'Calls in progress ended by a limit (maxDuration, minutesPerDay), by source and rule',
      labelNames: ['source', 'rule'],
      registers: [this.prom],
    });
    registry.on('event', (e) => {
      if (e.kind === 'call' && (e.type === 'refused' || e.type === 'limited')) (e.type === 'refused' ? refused : limited).inc({ source: e.source ?? '', rule: e.rule ?? '' });
      // The router announces every call as 'incoming' right after registering it, so its direction is known.
      if (e.kind === 'call' && e.type === 'incoming') calls.inc({ direction: callDirection(registry, e.name) });
      else if (e.kind === 'call' && e.type === 'released' && e.cause !== undefined) {
        ended.inc({ cause: String(e.cause), cause_name: causeName(e.cause) });
      } else if (e.kind === 'span' && e.type === 'alarm') alarms.inc({ span: e.name });
      else if (e.kind === 'trunk' && e.type === 'registered') registrations.inc({ trunk: e.name });
    });
  }

  /** The text exposition of every metric, from one snapshot. */
  async scrape(): Promise<string> {
    this.#snap = this.registry.snapshot();
    try {
      return await this.prom.metrics();
    } finally {
      this.#snap = null;
    }
  }

  /** Serves GET /metrics; returns the address bound (port 0 becomes the port picked). */
  async listen(at: ListenAddress): Promise<string> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('sipline: metrics are at /metrics\n');
        return;
      }
      this.scrape().then(
        (text) => res.writeHead(200, { 'content-type': this.prom.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`sipline: ${String(err)}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at.port, at.host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`metrics: cannot listen on ${formatListenAddress(at)}: ${err.code ?? err.message} (set metrics.listen to a free address)`);
    });
    this.#server = server;
    const a = server.address() as AddressInfo;
    return formatListenAddress({ host: a.address, port: a.port });
  }

  async close(): Promise<void> {
    const s = this.#server;
    this.#server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

function callDirection(registry: StatusRegistry, id: string): string {
  try {
    return registry.calls.get(id)?.status().direction ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
