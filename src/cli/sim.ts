// `sipline sim ...`: acts on the simulated far end of a gateway running on
// a sim card (`sipline demo`): the PBX on the span, the central office on
// FXO ports, the phones on FXS ports: ring, pick up, dial, play a WAV file,
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
      .description('ring the gateway: `ring CALLING CALLED` has the simulated PBX call on a B-channel of the span; `ring fxo1 --caller N` has the central office ring an FXO port with that caller ID')
      .argument('<calling-or-port>', 'calling number (PBX call), or an FXO port name')
      .argument('[called]', 'called number (a DID of the gateway), for a PBX call')
      .option('--caller <number>', 'caller ID the central office sends (FXO port)')
      .option('--name <name>', 'caller name')
      .option('--span <span>', 'span to call on', 'pri1'),
  ).action((first: string, called: string | undefined, opts: TargetOptions & { name?: string; span: string; caller?: string }) => {
    const name = opts.name ? { name: opts.name } : {};
    if (called === undefined) {
      // An analog port: the office rings it.
      return run(opts, 'sim.ring', { port: first, ...(opts.caller ? { calling: opts.caller } : {}), ...name }, (r) => `ringing ${String(r.port)}${opts.caller ? ` with caller ID ${opts.caller}` : ' without caller ID'}`);
    }
    return run(opts, 'sim.ring', { calling: first, called, span: opts.span, ...name }, (r) => `ringing on ${String(r.port)}: ${first} -> ${called}`);
  });

  addTargetOptions(
    sim
      .command('pickup')
      .description('answer the call ringing on a port (at the PBX, the office or the SIP trunk); on an FXS port the phone goes off hook')
      .argument('<port>', 'port, e.g. pri1:23, fxo1, fxs1'),
  ).action((port: string, opts: TargetOptions) => run(opts, 'sim.pickup', { port }, (r) => `picked up ${port} (${String(r.by)})`));

  addTargetOptions(
    sim.command('dial').description('DTMF digits on a port: the PBX or the office into the call, or the phone on an FXS port dialling').argument('<port>', 'port, e.g. pri1:23, fxo1, fxs1').argument('<digits>', 'DTMF digits 0-9 * # A-D'),
  ).action((port: string, digits: string, opts: TargetOptions) => run(opts, 'sim.dial', { port, digits }, () => `dialled ${digits} on ${port}`));

  addTargetOptions(
    sim.command('play').description('the far end (PBX, office or phone) plays a WAV file (8000 Hz, 16-bit PCM or mu-law) into the line of a port').argument('<port>', 'port, e.g. pri1:23, fxo1, fxs1').argument('<file>', 'WAV file'),
  ).action((port: string, file: string, opts: TargetOptions) =>
    run(opts, 'sim.play', { port, file: resolve(file) }, (r) => `playing ${file} (${Number(r.seconds).toFixed(1)} s) on ${port}`),
  );

  addTargetOptions(
    sim.command('hangup').description('the simulated end hangs up the call on a port (an office drops loop current, a phone goes on hook)').argument('<port>', 'port, e.g. pri1:23, fxo1, fxs1').option('--cause <n>', 'Q.850 cause, PRI only (default 16)'),
  ).action((port: string, opts: TargetOptions & { cause?: string }) => {
    const c = cause(opts.cause);
    return run(opts, 'sim.hangup', { port, ...(c === undefined ? {} : { cause: c }) }, (r) => `hung up ${port} (${r.cause !== undefined ? `cause ${Number(r.cause)}` : typeof r.signal === 'string' ? r.signal : 'cleared'})`);
  });

  addTargetOptions(
    sim
      .command('call')
      .description('the SIP trunk peer calls a DID of the gateway (the route picks the line: a PBX B-channel, a phone on an FXS port, an FXO line out to the office)')
      .argument('<number>', 'called number, e.g. 5550201')
      .option('--caller <number>', 'calling number in From (default 2125550199)')
      .option('--name <name>', 'caller name (From display name)'),
  ).action((number: string, opts: TargetOptions & { caller?: string; name?: string }) =>
    run(opts, 'sim.call', { called: number, ...(opts.caller ? { calling: opts.caller } : {}), ...(opts.name ? { name: opts.name } : {}) }, (r) => `calling ${number} from ${String(r.calling)} over the SIP trunk`),
  );

  addTargetOptions(
    sim.command('alarm').description('raise an alarm on a span (red, yellow, blue, los) or clear it').argument('<span>', 'span, e.g. pri1').argument('<alarm>', 'red, yellow, blue, los or clear'),
  ).action((span: string, alarm: string, opts: TargetOptions) =>
    run(opts, 'sim.alarm', { span, alarm }, () => (alarm === 'clear' ? `cleared the alarms on ${span}` : `raised ${alarm} alarm on ${span}`)),
  );
}
