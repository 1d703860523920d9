// Type=notify for systemd (sd_notify(3)): READY=1 once the spans' D-channels
// and the trunks are up (or after a bounded wait, saying what is still down),
// STATUS= with a one-line summary whenever it changes, WATCHDOG=1 at half the
// unit's WatchdogSec, STOPPING=1 when shutdown begins. Without $NOTIFY_SOCKET
// (not started by systemd) it does nothing.
import { sendNotify } from '../hw/notify-socket.js';
import type { Snapshot, StatusRegistry } from './status-registry.js';

export interface ServiceNotifyOptions {
  registry: StatusRegistry;
  /** The environment to read NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Longest wait for spans and trunks before READY=1 anyway, ms; default 20000 (well within systemd's 90 s start timeout). */
  readyWaitMs?: number;
  /** A failed send (the manager went away): logged, never thrown. */
  onError?: (err: Error) => void;
}

/** The one line systemd shows under `systemctl status`. */
export function statusLine(s: Snapshot): string {
  const t = s.totals;
  const spansUp = s.spans.filter((x) => x.alarms.length === 0 && x.dchannel !== 'down').length;
  return `spans ${spansUp}/${t.spans} up, trunks ${t.trunksUp}/${t.trunks} up, channels ${t.portsBusy}/${t.ports} busy, calls ${t.calls} (${t.callsConnected} connected), ${t.callsEnded} ended`;
}

/** What is not up yet: spans in alarm or with the D-channel down, trunks down or not registered. */
export function notUp(s: Snapshot): string[] {
  return [
    ...s.spans.filter((x) => x.alarms.length > 0 || x.dchannel === 'down').map((x) => `span ${x.name}`),
    ...s.trunks.filter((x) => x.state !== 'up' && x.state !== 'registered').map((x) => `trunk ${x.name}`),
  ];
}

const STATUS_EVERY_MS = 2000;
const READY_POLL_MS = 100;

export class ServiceNotify {
  readonly socket: string | undefined;
  /** Half of WatchdogSec, ms; null when the unit sets none (or it is for another process). */
  readonly watchdogMs: number | null;
  #timers: NodeJS.Timeout[] = [];
  #lastStatus = '';
  #ready = false;
  #stopping = false;

  constructor(private readonly o: ServiceNotifyOptions) {
    const env = o.env ?? process.env;
    this.socket = env.NOTIFY_SOCKET || undefined;
    const usec = Number(env.WATCHDOG_USEC);
    const forUs = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === process.pid;
    this.watchdogMs = this.socket && forUs && Number.isFinite(usec) && usec > 0 ? Math.max(1, Math.floor(usec / 2000)) : null;
  }

  get enabled(): boolean {
    return this.socket !== undefined;
  }

  /** Waits for spans and trunks (at most readyWaitMs), then READY=1 with the status line; starts STATUS and WATCHDOG updates. True once READY=1 went out. */
  async ready(): Promise<boolean> {
    if (!this.socket || this.#ready || this.#stopping) return false;
    const deadline = Date.now() + (this.o.readyWaitMs ?? 20_000);
    let snap = this.o.registry.snapshot();
    while (notUp(snap).length > 0 && Date.now() < deadline && !this.#stopping) {
      await new Promise((r) => setTimeout(r, READY_POLL_MS));
      snap = this.o.registry.snapshot();
    }
    if (this.#stopping) return false;
    const down = notUp(snap);
    this.#lastStatus = statusLine(snap) + (down.length ? `; not up: ${down.join(', ')}` : '');
    this.#ready = true;
    this.send(`READY=1\nSTATUS=${this.#lastStatus}\nMAINPID=${process.pid}`);
    this.#timers.push(setInterval(() => this.updateStatus(), STATUS_EVERY_MS));
    if (this.watchdogMs !== null) this.#timers.push(setInterval(() => this.send('WATCHDOG=1'), this.watchdogMs));
    for (const t of this.#timers) t.unref();
    return true;
  }

  /** STATUS= again if the summary changed. */
  updateStatus(): void {
    if (!this.#ready || this.#stopping) return;
    const line = statusLine(this.o.registry.snapshot());
    if (line === this.#lastStatus) return;
    this.#lastStatus = line;
    this.send(`STATUS=${line}`);
  }

  /** STOPPING=1 as shutdown begins; no more STATUS or WATCHDOG. */
  stopping(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    this.send('STOPPING=1\nSTATUS=stopping: releasing calls');
  }

  private send(message: string): void {
    if (!this.socket) return;
    try {
      // A trailing newline ends the last field; the manager splits on newlines.
      sendNotify(this.socket, `${message}\n`);
    } catch (err) {
      this.o.onError?.(err as Error);
    }
  }
}
