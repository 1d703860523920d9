// `sipline calls`: the calls through the running gateway now.
import type { Command } from 'commander';
import { formatDuration } from './status-screen.js';
import { addTargetOptions, withClient, type TargetOptions } from './control-target.js';

export function registerCalls(program: Command): void {
  addTargetOptions(
    program.command('calls').description('list the calls through the running gateway').option('--json', 'print JSON'),
  ).action(async (opts: TargetOptions & { json?: boolean }) => {
    const calls = await withClient(opts, (c) => c.request('calls'));
    if (opts.json) {
      process.stdout.write(JSON.stringify(calls, null, 2) + '\n');
      return;
    }
    if (calls.length === 0) {
      process.stdout.write('no calls\n');
      return;
    }
    const rows = [
      ['CALL', 'DIRECTION', 'PORT', 'TRUNK', 'CALLER -> CALLEE', 'STATE', 'CODEC', 'TIME'],
      ...calls.map((k) => [
        k.id,
        k.direction,
        k.port ?? '-',
        k.trunk ?? '-',
        `${k.calling || '?'} -> ${k.called || '?'}`,
        k.state,
        k.codec ?? '-',
        formatDuration(k.durationS),
      ]),
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    process.stdout.write(rows.map((r) => r.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
  });
}
