// `sipline sim ...`: acts on the simulated far end of a gateway running on
// a sim card (`sipline demo`): ring a port, pick up, dial, play a WAV file,
// hang up, raise or clear a span alarm. Each is one control socket request.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { addTargetOptions, withClient, type TargetOptions } from './control-target.js';
import type { ControlClient } from '../ops/control-client.js';

type Sender = (method: string, params: Record<string, unknown>) => Promise<unknown>;

function send(client: ControlClient): Sender {
  // sim.* are methods a sim gateway adds; the client's typed table lists the fixed ones.
  return client.request.bind(client) as unknown as Sender;
}

async function run(opts: TargetOptions, method: string, params: Record<string, unknown>, done: (r: Record<string, unknown>) => string): Promise<void> {
  const r = await withClient(opts, (c) => send(c)(method, params));
  process.stdout.write(`${done(r as Record<string, unknown>)}\n`);
}

function cause(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n)) throw new Error(`--cause ${text}: a Q.850 cause is an integer 1..127`);
  return n;
}

export function registerSim(program: Command): void {
  const sim = program.command('sim').description('act on the simulated lines of a gateway on a sim card (sipline demo)');

  addTargetOptions(
    sim
      .command('ring')
      .description('the simulated PBX calls the gateway: a port of the span rings with this caller ID')
      .argument('<calling>', 'calling number (caller ID)')
      .argument('<called>', 'called number (a DID of the gateway)')
      .option('--name <name>', 'caller name')
      .option('--span <span>', 'span to call on', 'pri1'),
  ).action((calling: string, called: string, opts: TargetOptions & { name?: string; span: string }) =>
    run(opts, 'sim.ring', { calling, called, span: opts.span, ...(opts.name ? { name: opts.name } : {}) }, (r) => `ringing on ${String(r.port)}: ${calling} -> ${called}`),
  );

  addTargetOptions(
    sim.command('pickup').description('answer the call ringing on a port (at the PBX, or at the gateway end)').argument('<port>', 'port, e.g. pri1:23'),
  ).action((port: string, opts: TargetOptions) => run(opts, 'sim.pickup', { port }, () => `picked up ${port}`));

  addTargetOptions(
    sim.command('dial').description('the PBX sends DTMF digits on the call on a port').argument('<port>', 'port, e.g. pri1:23').argument('<digits>', 'DTMF digits 0-9 * # A-D'),
  ).action((port: string, digits: string, opts: TargetOptions) => run(opts, 'sim.dial', { port, digits }, () => `dialled ${digits} on ${port}`));

  addTargetOptions(
    sim.command('play').description('the PBX plays a WAV file (8000 Hz, 16-bit PCM or mu-law) into the call on a port').argument('<port>', 'port, e.g. pri1:23').argument('<file>', 'WAV file'),
  ).action((port: string, file: string, opts: TargetOptions) =>
    run(opts, 'sim.play', { port, file: resolve(file) }, (r) => `playing ${file} (${Number(r.seconds).toFixed(1)} s) on ${port}`),
  );

  addTargetOptions(
    sim.command('hangup').description('the simulated end hangs up the call on a port').argument('<port>', 'port, e.g. pri1:23').option('--cause <n>', 'Q.850 cause (default 16)'),
  ).action((port: string, opts: TargetOptions & { cause?: string }) => {
    const c = cause(opts.cause);
    return run(opts, 'sim.hangup', { port, ...(c === undefined ? {} : { cause: c }) }, (r) => `hung up ${port} (cause ${String(r.cause)})`);
  });

  addTargetOptions(
    sim.command('alarm').description('raise an alarm on a span (red, yellow, blue, los) or clear it').argument('<span>', 'span, e.g. pri1').argument('<alarm>', 'red, yellow, blue, los or clear'),
  ).action((span: string, alarm: string, opts: TargetOptions) =>
    run(opts, 'sim.alarm', { span, alarm }, () => (alarm === 'clear' ? `cleared the alarms on ${span}` : `raised ${alarm} alarm on ${span}`)),
  );
}
