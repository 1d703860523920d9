// `sipline hangup CALL`: releases a call through the running gateway.
import { InvalidArgumentError, type Command } from 'commander';
import { causeName, isQ850Cause } from '../call/q850.js';
import { addTargetOptions, withClient, type TargetOptions } from './control-target.js';

function parseCause(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !isQ850Cause(n)) throw new InvalidArgumentError('a Q.850 cause is an integer 1..127 (16 is normal clearing)');
  return n;
}

export function registerHangup(program: Command): void {
  addTargetOptions(
    program
      .command('hangup')
      .description('release a call (both legs); `sipline calls` lists them')
      .argument('<call>', 'call id')
      .option('--cause <n>', 'Q.850 cause to release with', parseCause, 16),
  ).action(async (call: string, opts: TargetOptions & { cause: number }) => {
    const r = await withClient(opts, (c) => c.request('call.hangup', { call, cause: opts.cause }));
    process.stdout.write(`call ${r.call} released with cause ${r.cause} (${causeName(r.cause)})\n`);
  });
}
