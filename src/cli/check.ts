// `sipline check --config FILE`: validates a configuration without starting anything.
import { readdirSync } from 'node:fs';
import type { Command } from 'commander';
import type { GatewayConfig } from '../call/gateway-config.js';

/** hw-profile names shipped with this installation, or undefined when there is no hw-profiles/ folder. */
export function installedProfiles(): string[] | undefined {
  try {
    return readdirSync(new URL('../../../hw-profiles/', import.meta.url))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -'.yaml'.length));
  } catch {
    return undefined;
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One line saying what the configuration describes. */
export function configSummary(c: GatewayConfig): string {
  const spans = c.cards.reduce((n, card) => n + (card.spans?.length ?? 0), 0);
  const ports = c.cards.reduce((n, card) => n + (card.ports?.length ?? 0), 0);
  return [
    plural(c.cards.length, 'card'),
    plural(spans, 'span'),
    plural(ports, 'port'),
    plural(c.lineGroups?.length ?? 0, 'line group'),
    plural(c.sipTrunks?.length ?? 0, 'SIP trunk'),
    plural(c.routes.length, 'route'),
  ].join(', ');
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('check a configuration file (gateway.yaml) without starting anything')
    .requiredOption('-c, --config <file>', 'configuration file')
    .action(async (opts: { config: string }) => {
      // Loaded here: compiling the schema is not every command's start-up cost.
      const { checkConfigFile, formatConfigError } = await import('../call/config-check.js');
      const profiles = installedProfiles();
      const result = checkConfigFile(opts.config, opts.config, profiles ? { profiles } : {});
      // Warnings: settings that work but are likely mistakes; the file still passes.
      for (const w of result.warnings) process.stderr.write(formatConfigError(w) + '\n');
      if (result.ok) {
        process.stdout.write(`${opts.config}: OK: ${configSummary(result.config)}\n`);
        return;
      }
      for (const e of result.errors) process.stderr.write(formatConfigError(e) + '\n');
      process.stderr.write(`${opts.config}: ${plural(result.errors.length, 'error')}\n`);
      process.exitCode = 1;
    });
}
