// The gateway as the operator sees it: the status registry the parts plug
// into, the control socket, the metrics endpoint, and the reload and
// shutdown hooks the parts register. It knows no card, trunk or call itself.
import type { Logger } from 'pino';
import { Cause, causeName, isQ850Cause } from '../call/q850.js';
import { configChanges, type DaemonConfig } from './daemon-config.js';
import { ControlError } from './control-protocol.js';
import { ControlServer, type MethodHandler } from './control-server.js';
import { GatewayMetrics } from './gateway-metrics.js';
import type { GatewayStatus } from './status-model.js';
import { StatusRegistry, type RecentFilter } from './status-registry.js';

export type ReloadHook = (next: DaemonConfig, previous: DaemonConfig) => void | Promise<void>;
export type ShutdownHook = () => void | Promise<void>;

export interface GatewayOptions {
  config: DaemonConfig;
  /** The file the config came from; parts re-read their own sections from it on reload. */
  configPath?: string;
  log: Logger;
  version: string;
}

/** How long one shutdown hook may take before the gateway goes on without it. */
const HOOK_TIMEOUT_MS = 10_000;

export class Gateway {
  readonly registry = new StatusRegistry();
  readonly log: Logger;
  readonly version: string;
  readonly metrics: GatewayMetrics;
  readonly startedAt = new Date();
  readonly configPath: string | null;
  #config: DaemonConfig;
  #control: ControlServer | null = null;
  #metricsAddress: string | null = null;
  #reloadHooks: ReloadHook[] = [];
  #shutdownHooks: ShutdownHook[] = [];
  #extraMethods = new Map<string, MethodHandler>();
  #starting: Promise<void> | null = null;
  #stopping: Promise<void> | null = null;

  constructor(options: GatewayOptions) {
    this.#config = options.config;
    this.configPath = options.configPath ?? null;
    this.log = options.log;
    this.version = options.version;
    this.metrics = new GatewayMetrics(this.registry);
    this.registry.on('event', (event) => {
      this.log.info({ event }, event.text);
      this.#control?.broadcast({ event: `${event.kind}.${event.type}`, data: event });
    });
    this.registry.on('provider-error', (kind, name, err) => {
      this.log.error({ err, kind, name }, `status of ${kind} '${name}' failed; left out of status`);
    });
  }

  get config(): DaemonConfig {
    return this.#config;
  }

  /** Runs on SIGHUP with the newly read config, in registration order. */
  onReload(hook: ReloadHook): void {
    this.#reloadHooks.push(hook);
  }

  /** Runs on shutdown, after every call is released, in registration order (unregister, flush CDRs, ...). */
  onShutdown(hook: ShutdownHook): void {
    this.#shutdownHooks.push(hook);
  }

  /** Adds a control socket method (a part's own, like the simulator's `sim.*`); before start(). */
  addMethod(name: string, handler: MethodHandler): void {
    if (this.#control || this.#extraMethods.has(name)) throw new Error(`control method ${name} cannot be added (already there, or the socket is open)`);
    this.#extraMethods.set(name, handler);
  }

  /** Opens the metrics endpoint and the control socket. */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    if (this.#config.metrics) this.#metricsAddress = await this.metrics.listen(this.#config.metrics);
    const control = new ControlServer(this.#config.controlSocket, this.#handlers(), (err, what) =>
      this.log.error({ err }, `${what}: ${err instanceof Error ? err.message : String(err)}`),
    );
    try {
      await control.listen();
    } catch (err) {
      await this.metrics.close();
      throw err;
    }
    this.#control = control;
    this.log.info(
      { controlSocket: this.#config.controlSocket, metrics: this.#metricsAddress, version: this.version },
      `sipline ${this.version} started; control socket ${this.#config.controlSocket}` +
        (this.#metricsAddress ? `, metrics on http://${this.#metricsAddress}/metrics` : ''),
    );
  }

  status(): GatewayStatus {
    const snap = this.registry.snapshot();
    return {
      gateway: {
        version: this.version,
        pid: process.pid,
        startedAt: this.startedAt.toISOString(),
        uptimeS: Math.floor((Date.now() - this.startedAt.getTime()) / 1000),
        controlSocket: this.#config.controlSocket,
        metrics: this.#metricsAddress,
      },
      ...snap,
      security: snap.security && {
        ...snap.security,
        listening: [
          ...snap.security.listening,
          { service: 'control', transport: 'unix', address: this.#config.controlSocket, port: '' },
          ...(this.#metricsAddress ? [{ service: 'metrics' as const, transport: 'http', ...hostAndPort(this.#metricsAddress) }] : []),
        ],
      },
    };
  }

  /** Applies a newly read config: logs what changed and runs the reload hooks. */
  async reload(next: DaemonConfig): Promise<void> {
    const previous = this.#config;
    const changes = configChanges(previous, next);
    this.#config = { ...next, controlSocket: previous.controlSocket, metrics: previous.metrics };
    this.log.level = next.logLevel;
    for (const c of changes) {
      if (c.key === 'control.socket' || c.key === 'metrics.listen') {
        this.log.warn({ change: c }, `${c.key} changed from ${c.from} to ${c.to}; takes effect at the next restart`);
      }
    }
    for (const hook of this.#reloadHooks) {
      try {
        await hook(next, previous);
      } catch (err) {
        this.log.error({ err }, `reload hook failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.log.info(
      { changes },
      changes.length === 0 ? 'config reloaded; nothing changed' : `config reloaded; changed: ${changes.map((c) => `${c.key} ${c.from} -> ${c.to}`).join(', ')}`,
    );
  }

  /**
   * Releases every call with cause 16 (normal clearing), runs the shutdown
   * hooks, closes the control socket and the metrics endpoint. Safe to call
   * more than once; later calls wait for the first.
   */
  shutdown(): Promise<void> {
    this.#stopping ??= this.#shutdown();
    return this.#stopping;
  }

  async #shutdown(): Promise<void> {
    // A stop during start waits for the socket to be open, so that it is closed and removed too.
    await this.#starting?.catch(() => {});
    this.log.info({ calls: this.registry.calls.size }, `shutting down; releasing ${this.registry.calls.size} call(s)`);
    for (const [id, call] of this.registry.calls.entries()) {
      await this.#bounded(`release of call ${id}`, () => call.hangup?.(Cause.NORMAL_CLEARING));
    }
    for (const hook of this.#shutdownHooks) await this.#bounded('shutdown hook', hook);
    await this.#control?.close();
    this.#control = null;
    await this.metrics.close();
    this.log.info('stopped');
  }

  async #bounded(what: string, fn: () => unknown): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(fn),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`took longer than ${HOOK_TIMEOUT_MS} ms`)), HOOK_TIMEOUT_MS);
        }),
      ]);
    } catch (err) {
      this.log.error({ err }, `${what} failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  #handlers(): Map<string, MethodHandler> {
    const name = (params: Record<string, unknown>, key: string, method: string): string => {
      const v = params[key];
      if (typeof v !== 'string' || v === '') throw new ControlError('invalid-params', `${method}: params.${key} must be a non-empty string`);
      return v;
    };
    const reg = this.registry;
    const notFound = (kind: string, id: string, list: string[], hint: string): ControlError =>
      new ControlError(
        'not-found',
        `no ${kind} '${id}'` + (list.length ? ` (known: ${list.slice(0, 20).join(', ')}${list.length > 20 ? ', ...' : ''})` : ` (there are none)`) + `; ${hint}`,
      );
    const handlers: [string, MethodHandler][] = [
      ['ping', () => ({ version: this.version })],
      ['status', () => this.status()],
      ['calls', () => reg.snapshot().calls],
      [
        'subscribe',
        (_p, conn) => {
          conn.subscribed = true;
          return { subscribed: true };
        },
      ],
      [
        'unsubscribe',
        (_p, conn) => {
          conn.subscribed = false;
          return { subscribed: false };
        },
      ],
      [
        'events.recent',
        (p) => {
          const filter: RecentFilter = {};
          for (const k of ['span', 'port', 'call', 'trunk'] as const) {
            if (p[k] !== undefined) filter[k] = name(p, k, 'events.recent');
          }
          if (p.limit !== undefined) {
            if (typeof p.limit !== 'number' || !Number.isInteger(p.limit) || p.limit < 1 || p.limit > 1000) {
              throw new ControlError('invalid-params', 'events.recent: params.limit must be an integer 1..1000');
            }
            filter.limit = p.limit;
          }
          return reg.recent(filter);
        },
      ],
      [
        'call.hangup',
        async (p) => {
          const id = name(p, 'call', 'call.hangup');
          const cause = p.cause ?? Cause.NORMAL_CLEARING;
          if (!isQ850Cause(cause)) throw new ControlError('invalid-params', `call.hangup: params.cause ${JSON.stringify(cause)} is not a Q.850 cause (an integer 1..127)`);
          const call = reg.calls.get(id);
          if (!call) throw notFound('call', id, reg.calls.names(), '`sipline calls` lists the active calls');
          if (!call.hangup) throw new ControlError('not-supported', `call '${id}' cannot be hung up from here`);
          this.log.info({ call: id, cause }, `operator hangs up call ${id} with cause ${cause} (${causeName(cause)})`);
          await call.hangup(cause);
          return { call: id, cause };
        },
      ],
      [
        'span.restart',
        async (p) => {
          const id = name(p, 'span', 'span.restart');
          const span = reg.spans.get(id);
          if (!span) throw notFound('span', id, reg.spans.names(), '`sipline status` lists the spans');
          if (!span.restart) throw new ControlError('not-supported', `span '${id}' cannot be restarted`);
          this.log.info({ span: id }, `operator restarts span ${id}`);
          await span.restart();
          return { span: id };
        },
      ],
      ...(['block', 'unblock'] as const).map((action): [string, MethodHandler] => [
        `port.${action}`,
        async (p) => {
          const id = name(p, 'port', `port.${action}`);
          const port = reg.ports.get(id);
          if (!port) throw notFound('port', id, reg.ports.names(), '`sipline status` lists the ports');
          if (!port[action]) throw new ControlError('not-supported', `port '${id}' cannot be ${action}ed`);
          this.log.info({ port: id }, `operator ${action}s port ${id}`);
          await (action === 'block' ? port.block?.() : port.unblock?.());
          return { port: id, blocked: action === 'block' };
        },
      ]),
    ];
    return new Map([...handlers, ...this.#extraMethods]);
  }
}

/** "host:port" or "[v6]:port" split in two. */
function hostAndPort(address: string): { address: string; port: string } {
  const i = address.lastIndexOf(':');
  return { address: address.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: address.slice(i + 1) };
}
