// Runs SIPp (Debian package sip-tester) with a scenario of test/peers/sipp/.
// SIPp binds its media and control ports itself (6000 and 8888 upwards, the
// next one when taken), and a UAC's SIP port too (5060 upwards); a UAS binds
// the port the gateway's config names, reserved with reservePort().
import { spawn } from 'node:child_process';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boundPorts, handOverPort } from '../support/ports.js';
import { eventually } from '../support/waiting.js';
import { requirePeer } from './installed.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Scenarios live in the source tree (test/peers/sipp), two levels above dist/test/sip. */
export const scenarioDir = join(here, '..', '..', '..', 'test', 'peers', 'sipp');

export function requireSipp(): void {
  requirePeer('sipp');
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
  /** The SIP port SIPp binds (from reservePort()); by default SIPp's own pick. */
  port?: number;
  /** The address SIPp binds for SIP and media; 127.0.0.1 by default. */
  address?: string;
}

export interface SippResult {
  code: number | null;
  output: string;
}

/**
 * Starts SIPp; resolves once it has bound its SIP port (the one it was given,
 * or the one it picked), `done` when it exits.
 */
export async function startSipp(run: SippRun): Promise<{ port: number; done: Promise<SippResult> }> {
  requireSipp();
  const address = run.address ?? '127.0.0.1';
  const args = [
    ...(run.remote ? [run.remote] : []),
    '-sf', isAbsolute(run.scenario) ? run.scenario : join(scenarioDir, run.scenario),
    '-t', run.transport === 'udp' ? 'u1' : 't1',
    '-i', address, ...(run.port ? ['-p', String(run.port)] : []),
    '-mi', address,
    '-m', String(run.calls ?? 1),
    '-s', run.service ?? '2000',
    '-timeout', `${run.timeoutS ?? 10}s`, '-timeout_error',
    '-nostdin', '-max_recv_loops', '10',
    ...Object.entries(run.keys ?? {}).flatMap(([k, v]) => ['-key', k, v]),
    ...(run.extra ?? []),
  ];
  let output = '';
  let exited = false;
  const start = (): { child: ReturnType<typeof spawn>; done: Promise<SippResult> } => {
    const child = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const done = new Promise<SippResult>((resolve) =>
      child.on('close', (code) => {
        exited = true;
        resolve({ code, output: output.length > 4000 ? `${output.slice(0, 1500)}\n...\n${output.slice(-2500)}` : output });
      }),
    );
    return { child, done };
  };
  const { child, done } = run.port ? await handOverPort(run.port, start, (p) => p.done) : start();
  // SIPp prints nothing reliable when ready: it is once the kernel lists its SIP socket.
  const sipPort = (): number | undefined => {
    const bound = boundPorts(child.pid!, run.transport);
    return run.port ? bound.find((p) => p === run.port) : bound.find((p) => p >= 5060 && p < 6000);
  };
  const port = await eventually(`SIPp (${run.scenario}) to bind its SIP port${run.port ? ` ${run.port}` : ''}`, () => {
    if (exited) throw new Error(`SIPp exited:\n${output.slice(-2000)}`);
    return sipPort();
  }, { timeoutMs: 10000 });
  return { port, done };
}

/** Runs a scenario to its end. */
export async function runSipp(run: SippRun): Promise<SippResult> {
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
