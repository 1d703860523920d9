// Starts a daemon as a child process in a fresh temp dir (own socket path,
// metrics on port 0) and follows its JSON log lines.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';

export const CLI = 'dist/src/cli/main.js';
export const FIXTURE = 'dist/test/ops/fixture-gateway.js';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface Daemon {
  child: ChildProcess;
  dir: string;
  config: string;
  socket: string;
  pidFile: string;
  logs: LogLine[];
  stderr: () => string;
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<LogLine>;
  waitForExit(timeoutMs?: number): Promise<number | null>;
  cleanup(): void;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sipline-ops-'));
}

export function writeConfig(dir: string, level = 'info', socket = join(dir, 'control.sock')): string {
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, `control:\n  socket: ${socket}\nmetrics:\n  listen: 127.0.0.1:0\nlog:\n  level: ${level}\n`);
  return file;
}

/** `sipline start` (script CLI) or the fixture gateway (script FIXTURE) with a pid file. */
export async function startDaemon(script: 'cli' | 'fixture'): Promise<Daemon> {
  const dir = tempDir();
  const config = writeConfig(dir);
  const socket = join(dir, 'control.sock');
  const pidFile = join(dir, 'sipline.pid');
  const args = script === 'cli' ? [CLI, 'start', '--config', config, '--pid-file', pidFile] : [FIXTURE, config, pidFile];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  const waiters: (() => void)[] = [];
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    const lines = out.split('\n');
    out = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) logs.push(JSON.parse(l) as LogLine);
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve((exitCode = code))));

  const daemon: Daemon = {
    child,
    dir,
    config,
    socket,
    pidFile,
    logs,
    stderr: () => err,
    async waitForLog(pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = logs.find((l) => pattern.test(l.msg));
        if (hit) return hit;
        if (exitCode !== undefined) throw new Error(`daemon exited (${exitCode}) before logging ${pattern}; stderr: ${err}`);
        if (Date.now() > deadline) throw new Error(`no log line ${pattern} within ${timeoutMs} ms; got: ${logs.map((l) => l.msg).join(' | ')}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
    waitForExit(timeoutMs = 10_000) {
      return Promise.race([
        exited,
        new Promise<number | null>((_, reject) => setTimeout(() => reject(new Error(`daemon did not exit within ${timeoutMs} ms`)), timeoutMs).unref()),
      ]);
    },
    cleanup() {
      if (exitCode === undefined) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await daemon.waitForLog(/started; control socket/);
  return daemon;
}

/** Runs the sipline CLI to completion. */
export function sipline(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A validator for one of the shipped schemas (schemas/*.schema.json). */
export function schemaValidator(name: 'status' | 'event'): (value: unknown) => void {
  const ajv = new Ajv({ allErrors: true, strict: true });
  const validate = ajv.compile(JSON.parse(readFileSync(`schemas/${name}.schema.json`, 'utf8')) as object);
  return (value) => {
    if (!validate(value)) throw new Error(`not valid against schemas/${name}.schema.json: ${ajv.errorsText(validate.errors)}`);
  };
}
