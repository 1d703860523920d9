// Runs `sipline demo` (or scripts/demo) as a child process with its control
// socket in a fresh folder, and talks to it as a user would.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ControlClient } from '../../src/ops/control-client.js';
import type { GatewayEvent, GatewayStatus, PortStatus } from '../../src/ops/status-model.js';
import { sineSignal } from '../../src/sim/sim-signals.js';
import { encodeWav } from '../../src/sim/wav-file.js';
import { eventually } from '../support/waiting.js';

export const CLI = resolve('dist/src/cli/main.js');

export class DemoProcess {
  readonly dir = mkdtempSync(join(tmpdir(), 'sipline-demo-test-'));
  readonly socket = join(this.dir, 'control.sock');
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;

  /** `command`: the argv to run; by default `node CLI demo --socket ...` plus `args`. */
  constructor(args: string[] = [], command?: string[]) {
    const argv = command ?? [process.execPath, CLI, 'demo', '--socket', this.socket, ...args];
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_RUNTIME_DIR: this.dir } });
    this.child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((r) => this.child.on('exit', (code) => r(code)));
  }

  /** Waits until the output matches. */
  waitFor(what: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    return eventually(`the demo to print ${what}`, () => {
      const m = what.exec(this.output);
      if (m) return m;
      if (this.child.exitCode !== null) throw new Error(`the demo exited (${this.child.exitCode}); it printed:\n${this.output}`);
      assert.fail(`it printed:\n${this.output}`);
    }, { timeoutMs, intervalMs: 50 });
  }

  /** Runs `sipline ARGS` against the demo's socket (or the one given). */
  cli(args: string[], socket = this.socket): { code: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [CLI, ...args, '--socket', socket], { encoding: 'utf8', timeout: 15_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** Runs `sipline ARGS`, asserting it succeeds; its standard output. */
  run(args: string[]): string {
    const r = this.cli(args);
    assert.equal(r.code, 0, `sipline ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  /** The latest events matching the filter, over the control socket. */
  async recent(filter: Record<string, unknown>): Promise<GatewayEvent[]> {
    const c = await ControlClient.connect(this.socket);
    try {
      return await c.request('events.recent', filter);
    } finally {
      c.close();
    }
  }

  /** A WAV file of a 1 kHz tone in the demo's folder, for `sim play`. */
  toneWav(name: string, dbm0: number, ms = 4000): string {
    const file = join(this.dir, name);
    writeFileSync(file, encodeWav(sineSignal(1000, ms, dbm0)));
    return file;
  }

  status(socket = this.socket): GatewayStatus {
    const r = this.cli(['status', '--json'], socket);
    if (r.code !== 0) throw new Error(`sipline status --json failed (${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as GatewayStatus;
  }

  /** Polls status until the test passes. */
  async until(what: string, test: (s: GatewayStatus) => boolean, timeoutMs = 15_000, socket = this.socket): Promise<GatewayStatus> {
    return eventually(`status to show ${what}`, () => {
      const s = this.status(socket);
      if (test(s)) return s;
      assert.fail(`last:\n${JSON.stringify({ ports: s.ports.filter((p) => p.callState !== 'idle'), calls: s.calls, spans: s.spans }, null, 1)}\ndemo output:\n${this.output}`);
    }, { timeoutMs, intervalMs: 200 });
  }

  /** Ctrl-C, then the exit code. */
  async interrupt(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGINT');
    return this.exited;
  }

  async cleanup(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The status row of a port, asserting there is one. */
export function portRow(s: GatewayStatus, name: string): PortStatus {
  const p = s.ports.find((x) => x.name === name);
  assert.ok(p, `status has a row for ${name}`);
  return p;
}
