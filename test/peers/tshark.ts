// tshark and dumpcap: a live loopback capture, and its decoding afterwards.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { watchOutput } from '../support/output.js';
import { requirePeer } from './installed.js';

/** Fails with how to install the tool when it is not on PATH. */
export function need(tool: 'tshark' | 'dumpcap'): void {
  requirePeer(tool);
}

/** Resolves once dumpcap says it is capturing on lo, so no early packet is lost. */
export async function startCapture(filter: string, file: string): Promise<ChildProcess> {
  requirePeer('dumpcap');
  const cap = spawn('dumpcap', ['-i', 'lo', '-f', filter, '-w', file, '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
  await watchOutput('dumpcap', cap, [cap.stderr]).waitFor(/Capturing on/, { what: 'that it captures on lo' });
  return cap;
}

/** tshark's full decoding (-V) of a capture file. */
export function tsharkVerbose(file: string): string {
  requirePeer('tshark');
  const r = spawnSync('tshark', ['-r', file, '-V'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`tshark could not run (${r.error.message}): apt-get install tshark`);
  if (r.status !== 0) throw new Error(`tshark -r ${file} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}
