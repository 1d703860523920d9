// `sipline status`: spans, channels, trunks and totals of the running gateway.
import type { Command } from 'commander';
import { renderStatus } from './status-screen.js';
import { watchStatus } from './status-watch.js';
import { addTargetOptions, connectTarget, withClient, type TargetOptions } from './control-target.js';

export function registerStatus(program: Command): void {
  addTargetOptions(
    program
      .command('status')
      .description('show spans, channels, trunks and calls of the running gateway')
      .option('--json', 'print JSON (schemas/status.schema.json)')
      .option('-w, --watch', 'live full-screen view (q quits)'),
  ).action(async (opts: TargetOptions & { json?: boolean; watch?: boolean }) => {
    if (opts.watch) {
      if (!process.stdout.isTTY || !process.stdin.isTTY) throw new Error('--watch needs a terminal; use --json for scripts');
      process.exitCode = await watchStatus(await connectTarget(opts));
      return;
    }
    const status = await withClient(opts, (c) => c.request('status'));
    if (opts.json) {
      process.stdout.write(JSON.stringify(status, null, 2) + '\n');
      return;
    }
    const color = process.stdout.isTTY && process.env.NO_COLOR === undefined;
    const width = process.stdout.isTTY ? process.stdout.columns : Infinity;
    process.stdout.write(renderStatus(status, { color, width }).join('\n') + '\n');
  });
}
