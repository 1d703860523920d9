// `sipline start`: the gateway daemon in the foreground.
import type { Command } from 'commander';
import { runDaemon } from '../ops/daemon.js';
import { packageVersion } from './package-version.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the gateway in the foreground: JSON logs on stdout, SIGHUP reloads, SIGTERM stops')
    .requiredOption('-c, --config <file>', 'the gateway config (YAML)')
    .option('--pid-file <file>', 'write the process id to this file while running')
    .action(async (opts: { config: string; pidFile?: string }) => {
      const code = await runDaemon({
        configPath: opts.config,
        ...(opts.pidFile === undefined ? {} : { pidFile: opts.pidFile }),
        version: packageVersion(),
      });
      // Everything is closed and logged by now; a stray timer of a library must not keep a stopped daemon alive.
      process.exit(code);
    });
}
