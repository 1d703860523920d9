import { readFileSync } from 'node:fs';

/** The version in package.json, read relative to the compiled file (dist/src/cli/). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
