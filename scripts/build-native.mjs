#!/usr/bin/env node
// Builds the addon with node-gyp after checking the system libraries, so that a
// missing one fails with one line naming the Debian package instead of a
// page of compiler errors. `--if-needed` skips the build when nothing changed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingHint } from './native-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const addon = join(root, 'build', 'Release', 'sipline.node');

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((n) => newestMtime(join(path, n))));
}

const hint = missingHint();
if (hint) {
  process.stderr.write(hint + '\n');
  process.exit(1);
}
if (process.argv.includes('--if-needed') && existsSync(addon)) {
  const sources = Math.max(newestMtime(join(root, 'native')), newestMtime(join(root, 'binding.gyp')));
  if (statSync(addon).mtimeMs >= sources) process.exit(0);
}
// npm runs scripts with its own node-gyp; outside npm, use the copy npm ships.
function nodeGyp() {
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
  const npmCli = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout?.trim();
  const bundled = npmCli && join(npmCli, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return bundled && existsSync(bundled) ? bundled : null;
}
// Build against the headers of the running Node when they are installed beside
// it: node-gyp would otherwise try to download them, and there may be no network.
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}
const gyp = nodeGyp();
const gypArgs = ['rebuild', ...nodedirArgs()];
const [cmd, args] = gyp ? [process.execPath, [gyp, ...gypArgs]] : ['node-gyp', gypArgs];
process.stdout.write('sipline: building the native addon (node-gyp)\n');
const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
if (r.error) {
  process.stderr.write(`sipline: cannot run node-gyp: ${r.error.message}\n`);
  process.exit(1);
}
process.exit(r.status ?? 1);
