// A live loopback capture by dumpcap, for tshark to decode afterwards.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

/** Fails with how to install the tool when it is not on PATH. */
export function need(tool: string): void {
  try {
    execFileSync(tool, ['--version'], { stdio: 'pipe' });
  } catch {
    throw new Error(`${tool} is not installed: apt-get install tshark (scripts/setup does it)`);
  }
}

/** Resolves once dumpcap says it is capturing on lo, so no early packet is lost. */
export async function startCapture(filter: string, file: string): Promise<ChildProcess> {
  const cap = spawn('dumpcap', ['-i', 'lo', '-f', filter, '-w', file, '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dumpcap did not start capturing on lo: ${err}`)), 5000);
    cap.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (/Capturing on/.test(err)) {
        clearTimeout(timer);
        resolve();
      }
    });
    cap.on('exit', (code) => reject(new Error(`dumpcap exited (${code}): ${err}`)));
  });
  return cap;
}
