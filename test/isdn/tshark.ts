// Runs tshark on a capture; a missing tshark fails the test with how to install it.
import { spawnSync } from 'node:child_process';

export function tsharkVerbose(file: string): string {
  const r = spawnSync('tshark', ['-r', file, '-V'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`tshark could not run (${r.error.message}): apt-get install tshark`);
  if (r.status !== 0) throw new Error(`tshark -r ${file} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}
