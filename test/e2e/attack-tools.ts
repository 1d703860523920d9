// Attackers' tools against a whole gateway: sipvicious (Debian package
// sipvicious: svmap, svwar, svcrack), stock or with a changed User-Agent,
// and a raw UDP speaker on a chosen loopback address. The Prometheus
// endpoint read over HTTP, and `sipline cdr --json` as an operator runs it.
import { spawn, spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The wrapper that runs a sipvicious tool bound where -b says, optionally with another User-Agent (in the source tree, test/peers). */
const runner = join(here, '..', '..', '..', 'test', 'peers', 'sipvicious', 'run.py');
/** The compiled CLI, as `sipline` runs it. */
const cli = join(here, '..', '..', 'src', 'cli', 'main.js');

/** Fails (never skips) when sipvicious is missing. */
export function requireSipvicious(): void {
  for (const tool of ['svmap', 'svwar', 'svcrack']) {
    const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
    if (r.error) throw new Error(`${tool} is not installed: apt-get install sipvicious (or run scripts/setup)`);
  }
}

export interface ToolRun {
  code: number | null;
  /** stdout and stderr: sipvicious reports through Python logging on stderr, its tables on stdout. */
  output: string;
  /** The output for an assertion message: its first and last lines (a run can print thousands). */
  summary: string;
  /** Whether it was still running at the deadline and was ended. */
  killed: boolean;
}

/**
 * Runs svmap, svwar or svcrack with `args` through test/peers/sipvicious/run.py
 * (which makes -b bind svwar and svcrack too); with `userAgent`, in place of
 * the hard-coded "friendly-scanner". Ended (SIGTERM, then SIGKILL) after
 * `killAfterMs`: some runs never stop on their own.
 */
export function sipvicious(tool: 'svmap' | 'svwar' | 'svcrack', args: string[], o: { userAgent?: string; killAfterMs: number; cwd: string }): Promise<ToolRun> {
  const argv = [runner, ...(o.userAgent === undefined ? [] : ['--user-agent', o.userAgent]), tool, ...args];
  const child = spawn('python3', argv, { cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: o.cwd } });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 2000).unref();
  }, o.killAfterMs);
  return new Promise((resolve, reject) => {
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${tool}: ${err.message}; apt-get install sipvicious`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = output.split('\n');
      const summary = lines.length > 40 ? [...lines.slice(0, 20), `... (${lines.length - 40} lines)`, ...lines.slice(-20)].join('\n') : output;
      resolve({ code, output, summary, killed });
    });
  });
}

/** The value of one sample line `name{labels} value` of a Prometheus text page, or undefined. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** `sipline cdr --json --db FILE`: the rows an operator would read. */
export function cdrRows(db: string): Array<Record<string, unknown>> {
  const r = spawnSync(process.execPath, [cli, 'cdr', '--json', '--db', db], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sipline cdr --json failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Array<Record<string, unknown>>;
}

/** A UDP socket on a chosen source address: sends raw SIP, keeps what comes back. */
export class RawSpeaker {
  readonly received: string[] = [];
  private constructor(
    private readonly socket: Socket,
    readonly address: string,
    readonly port: number,
  ) {
    socket.on('message', (m) => this.received.push(m.toString()));
  }

  static async open(address: string): Promise<RawSpeaker> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, address, r));
    return new RawSpeaker(s, address, s.address().port);
  }

  send(text: string | Buffer, port: number, host = '127.0.0.1'): Promise<void> {
    return new Promise((resolve) => this.socket.send(text, port, host, () => resolve()));
  }

  close(): void {
    this.socket.close();
  }
}
