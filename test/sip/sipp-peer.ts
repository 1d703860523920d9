// Runs SIPp (Debian package sip-tester) with a scenario of test/peers/sipp/.
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** Scenarios live in the source tree (test/peers/sipp), two levels above dist/test/sip. */
export const scenarioDir = join(here, '..', '..', '..', 'test', 'peers', 'sipp');

export function requireSipp(): void {
  const r = spawnSync('sipp', ['-v'], { encoding: 'utf8' });
  if (r.error) throw new Error('SIPp is not installed: apt-get install sip-tester (or run scripts/setup)');
}

/** A port free for both UDP and TCP right now (SIPp cannot bind port 0). */
export async function freePort(address = '127.0.0.1'): Promise<number> {
  for (;;) {
    const tcp = createServer();
    const port = await new Promise<number>((resolve) => tcp.listen(0, address, () => resolve((tcp.address() as { port: number }).port)));
    await new Promise((r) => tcp.close(r));
    const udp = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    const ok = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, address, () => resolve(true));
    });
    udp.close();
    if (ok) return port;
  }
}

/**
 * Whether a socket is bound to this port (UDP) or listens on it (TCP), read
 * from /proc/net without touching the port.
 */
function portBound(port: number, transport: 'udp' | 'tcp'): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return [`/proc/net/${transport}`, `/proc/net/${transport}6`].some((f) => {
    let table = '';
    try {
      table = readFileSync(f, 'utf8');
    } catch {
      return false;
    }
    return table.split('\n').some((line) => {
      const [, local, , state] = line.trim().split(/\s+/);
      // TCP state 0A is LISTEN.
      return local?.endsWith(`:${hex}`) === true && (transport === 'udp' || state === '0A');
    });
  });
}

export interface SippRun {
  scenario: string;
  transport: 'udp' | 'tcp';
  /** host:port of the gateway for a UAC scenario; absent for a UAS one. */
  remote?: string;
  keys?: Record<string, string>;
  calls?: number;
  service?: string;
  extra?: string[];
  timeoutS?: number;
  /** The SIP port SIPp binds; a free one by default. */
  port?: number;
  /** The address SIPp binds for SIP and media; 127.0.0.1 by default. */
  address?: string;
}

export interface SippResult {
  code: number | null;
  output: string;
}

/** Starts SIPp; resolves `ready` once it has bound its port, `done` when it exits. */
export async function startSipp(run: SippRun): Promise<{ port: number; done: Promise<SippResult> }> {
  requireSipp();
  const address = run.address ?? '127.0.0.1';
  const port = run.port ?? (await freePort(address));
  const args = [
    ...(run.remote ? [run.remote] : []),
    '-sf', isAbsolute(run.scenario) ? run.scenario : join(scenarioDir, run.scenario),
    '-t', run.transport === 'udp' ? 'u1' : 't1',
    '-i', address, '-p', String(port),
    '-mi', address, '-mp', String(await freePort(address)),
    '-cp', String(await freePort()),
    '-m', String(run.calls ?? 1),
    '-s', run.service ?? '2000',
    '-timeout', `${run.timeoutS ?? 10}s`, '-timeout_error',
    '-nostdin', '-max_recv_loops', '10',
    ...Object.entries(run.keys ?? {}).flatMap(([k, v]) => ['-key', k, v]),
    ...(run.extra ?? []),
  ];
  const child = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const done = new Promise<SippResult>((resolve) => child.on('close', (code) => resolve({ code, output: output.length > 4000 ? `${output.slice(0, 1500)}\n...\n${output.slice(-2500)}` : output })));
  // SIPp prints nothing reliable when ready: a UAS is ready once the kernel lists its port.
  if (!run.remote) {
    let exited = false;
    void done.then(() => (exited = true));
    const until = Date.now() + 5000;
    while (!exited && Date.now() < until && !portBound(port, run.transport)) await new Promise((r) => setTimeout(r, 20));
  }
  return { port, done };
}

/**
 * Runs a UAC scenario to its end. A SIPp that never placed its call (it could
 * not bind a port another test grabbed between freePort() and its start) is
 * started once more with fresh ports; any other failure is returned as is.
 */
export async function runSipp(run: SippRun): Promise<SippResult> {
  const first = await (await startSipp(run)).done;
  if (first.code === 0 || !run.remote || !/Peak was 0 calls/.test(first.output)) return first;
  return (await startSipp(run)).done;
}

/** One SIP message out of SIPp's -trace_msg log: when, which way, and its text. */
export interface SippLoggedMessage {
  at: number;
  received: boolean;
  text: string;
}

/**
 * Reads the log SIPp writes with `-trace_msg -message_file <file>`: each
 * message follows a dashed line ending in a local date and time.
 */
export function readSippMessageLog(text: string): SippLoggedMessage[] {
  const out: SippLoggedMessage[] = [];
  const blocks = text.split(/^-{20,}\s+/m).slice(1);
  for (const block of blocks) {
    const m = /^(\d{4}-\d\d-\d\d)\s+(\d\d:\d\d:\d\d)(\.\d+)?(?:[^\n]*)\n([^\n]*)\n\n?([\s\S]*)$/.exec(block);
    if (!m) continue;
    const at = new Date(`${m[1]}T${m[2]}`).getTime() + Number(m[3] ?? 0) * 1000;
    out.push({ at, received: /received/i.test(m[4]!), text: m[5]!.trim() });
  }
  return out;
}
