// `sipline port block|unblock PORT`.
import type { Command } from 'commander';
import { addTargetOptions, withClient, type TargetOptions } from './control-target.js';

export function registerPort(program: Command): void {
  const port = program.command('port').description('act on a port or channel of the running gateway');
  for (const action of ['block', 'unblock'] as const) {
    addTargetOptions(
      port
        .command(action)
        .description(action === 'block' ? 'take a channel out of service (no new calls on it)' : 'put a blocked channel back in service')
        .argument('<port>', 'port name, or span:channel'),
    ).action(async (name: string, opts: TargetOptions) => {
      const r = await withClient(opts, (c) => c.request(`port.${action}`, { port: name }));
      process.stdout.write(`port ${r.port} ${r.blocked ? 'blocked' : 'unblocked'}\n`);
    });
  }
}
