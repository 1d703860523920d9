// Runs the libpri harness (test/peers/pri-harness.c) as the real far end of a
// D-channel, with its frame pipe on the child's fd 3.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { StreamFramePipe } from '../../src/isdn/frame-pipe.js';

const HARNESS = fileURLToPath(new URL('../../../test/peers/bin/pri-harness', import.meta.url));

export interface PeerEvent {
  name: string;
  fields: Record<string, string>;
  line: string;
}

export interface LibpriPeerOptions {
  side: 'user' | 'network';
  switchType: string;
  span?: 't1' | 'e1';
  overlap?: boolean;
  service?: boolean;
  /** libpri timer values by libpri's names (T200, T203, N200, T303, ...). */
  timers?: Record<string, number>;
  debug?: boolean;
}

export class LibpriPeer {
  readonly pipe: StreamFramePipe;
  readonly events: PeerEvent[] = [];
  private readonly child: ChildProcess;
  private waiters: { match: (e: PeerEvent) => boolean; resolve: (e: PeerEvent) => void }[] = [];
  private stderr = '';

  constructor(options: LibpriPeerOptions) {
    if (!existsSync(HARNESS)) {
      throw new Error(
        `libpri harness not built (${HARNESS}): run "make -C test/peers" (needs libpri: apt-get install libpri-dev)`,
      );
    }
    const args = ['--side', options.side, '--switch', options.switchType, '--span', options.span ?? 't1'];
    if (options.overlap) args.push('--overlap');
    if (options.service) args.push('--service');
    if (options.debug) args.push('--debug');
    for (const [name, value] of Object.entries(options.timers ?? {})) args.push('--timer', `${name}=${value}`);
    this.child = spawn(HARNESS, args, { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    this.pipe = new StreamFramePipe(this.child.stdio[3] as Duplex);
    let out = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        this.onLine(line);
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      if (options.debug) process.stderr.write(chunk);
    });
  }

  private onLine(line: string): void {
    const [name = '', ...rest] = line.trim().split(/\s+/);
    const fields: Record<string, string> = {};
    for (const kv of rest) {
      const eq = kv.indexOf('=');
      if (eq > 0) fields[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    const event = { name, fields, line };
    this.events.push(event);
    for (const w of [...this.waiters]) {
      if (w.match(event)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  }

  command(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /**
   * Resolves with the first event named `name` whose fields include `fields`,
   * among those not yet consumed by an earlier wait (in order of arrival).
   */
  waitFor(name: string | string[], fields: Record<string, string> = {}, timeoutMs = 5000): Promise<PeerEvent> {
    const names = Array.isArray(name) ? name : [name];
    const match = (e: PeerEvent): boolean =>
      names.includes(e.name) && Object.entries(fields).every(([k, v]) => e.fields[k] === v);
    const found = this.events.find((e) => match(e) && !(e as { used?: boolean }).used);
    if (found) {
      (found as { used?: boolean }).used = true;
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.match !== m);
        reject(
          new Error(
            `libpri peer: no "${names.join('|')} ${JSON.stringify(fields)}" within ${timeoutMs} ms; ` +
              `it said:\n${this.events.map((e) => e.line).join('\n')}\nstderr:\n${this.stderr}`,
          ),
        );
      }, timeoutMs);
      const m = (e: PeerEvent): boolean => {
        if (!match(e)) return false;
        (e as { used?: boolean }).used = true;
        return true;
      };
      this.waiters.push({
        match: m,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  /** Events named `name` so far. */
  count(name: string): number {
    return this.events.filter((e) => e.name === name).length;
  }

  get output(): string {
    return `${this.events.map((e) => e.line).join('\n')}\nstderr:\n${this.stderr}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}
