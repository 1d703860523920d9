// tshark and dumpcap: a live loopback capture, and its decoding afterwards.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
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
  // dumpcap says "Capturing" a little before its filter is live, and reports nothing when it is.
  const FILTER_LIVE_MS = 500;
  await new Promise((r) => setTimeout(r, FILTER_LIVE_MS));
  return cap;
}

/**
 * Stops a capture once what was sent has reached its file. dumpcap takes
 * packets from the kernel's ring a block at a time (when a block fills or
 * times out) and says nothing per packet, so there is no event to wait for:
 * this waits out the block timeout, then stops it and waits for its exit.
 * Call it after the last packet the test looks for has left (its sender's
 * own event: a response, a closed socket).
 */
export async function stopCapture(cap: ChildProcess): Promise<void> {
  const DRAIN_MS = 300;
  await new Promise((r) => setTimeout(r, DRAIN_MS));
  if (cap.exitCode !== null || cap.signalCode !== null) return;
  const exited = once(cap, 'close');
  cap.kill('SIGINT');
  await exited;
}

/** tshark's full decoding (-V) of a capture file. */
export function tsharkVerbose(file: string): string {
  requirePeer('tshark');
  const r = spawnSync('tshark', ['-r', file, '-V'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`tshark could not run (${r.error.message}): apt-get install tshark`);
  if (r.status !== 0) throw new Error(`tshark -r ${file} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}
