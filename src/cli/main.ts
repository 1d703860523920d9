#!/usr/bin/env node
// The `sipline` command. Each subcommand lives in its own module and plugs in here.
import { Command } from 'commander';
import { addon } from '../hw/addon.js';
import { formatProbe, probe } from '../hw/probe.js';
import { registerCdr } from './cdr.js';
import { registerCheck } from './check.js';
import { packageVersion } from './package-version.js';
import { registerStart } from './start.js';
import { registerStatus } from './status.js';
import { registerCalls } from './calls.js';
import { registerEvents } from './events.js';
import { registerHangup } from './hangup.js';
import { registerSpan } from './span.js';
import { registerPort } from './port.js';
import { registerDemo } from './demo.js';
import { registerSim } from './sim.js';

export function program(): Command {
  const cmd = new Command('sipline')
    .description('PSTN-to-SIP gateway: T1/E1 PRI, analog FXO/FXS and voice modems to SIP')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .showHelpAfterError();

  cmd
    .command('versions')
    .description('print the versions of sipline, its addon and the libraries it was built with')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const v = { sipline: packageVersion(), node: process.versions.node, ...addon().versions() };
      process.stdout.write(opts.json ? JSON.stringify(v) + '\n' : Object.entries(v).map(([k, x]) => `${k}: ${x}`).join('\n') + '\n');
    });

  cmd
    .command('probe')
    .description('list telephony cards (DAHDI spans and channels) and serial ports found on this machine')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const report = await probe();
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatProbe(report));
    });

  registerCheck(cmd);
  registerCdr(cmd);
  registerStart(cmd);
  registerStatus(cmd);
  registerCalls(cmd);
  registerEvents(cmd);
  registerHangup(cmd);
  registerSpan(cmd);
  registerPort(cmd);
  registerDemo(cmd);
  registerSim(cmd);

  return cmd;
}

program()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.stderr.write(`sipline: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
