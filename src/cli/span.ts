// `sipline span restart SPAN`.
import type { Command } from 'commander';
import { addTargetOptions, withClient, type TargetOptions } from './control-target.js';

export function registerSpan(program: Command): void {
  const span = program.command('span').description('act on a span of the running gateway');
  addTargetOptions(
    span.command('restart').description('take a span down and up again').argument('<span>', 'span name'),
  ).action(async (name: string, opts: TargetOptions) => {
    const r = await withClient(opts, (c) => c.request('span.restart', { span: name }));
    process.stdout.write(`span ${r.span} restarted\n`);
  });
}
