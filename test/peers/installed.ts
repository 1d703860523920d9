// A peer the tests run must be installed: a missing one fails the test (never
// skips it) with the Debian package to install.
import { spawnSync } from 'node:child_process';

/** Debian package of each peer binary; scripts/setup installs them all. */
const PACKAGE: Record<string, string> = {
  sipp: 'sip-tester',
  baresip: 'baresip',
  sox: 'sox',
  minimodem: 'minimodem',
  tshark: 'tshark',
  dumpcap: 'tshark',
};

const found = new Set<string>();

/** Throws `<tool> is not installed: apt-get install <package>` when `tool` is not on PATH. */
export function requirePeer(tool: string): void {
  if (found.has(tool)) return;
  const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tool} is not installed: apt-get install ${PACKAGE[tool] ?? tool} (or run scripts/setup)`);
  found.add(tool);
}
