// A service manager's notification socket for tests: socat bound to an
// AF_UNIX datagram socket (a path, or '@name' in the abstract namespace),
// every datagram it receives kept in order.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { eventually } from '../support/waiting.js';

export class NotifyReceiver {
  #text = '';
  readonly #proc: ChildProcess;

  private constructor(readonly socket: string) {
    const address = socket.startsWith('@') ? `ABSTRACT-RECV:${socket.slice(1)}` : `UNIX-RECV:${socket}`;
    this.#proc = spawn('socat', ['-u', address, 'STDOUT'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#proc.stdout!.setEncoding('utf8').on('data', (d: string) => (this.#text += d));
  }

  /** Binds the socket; resolves once socat listens on it. */
  static async open(socket: string): Promise<NotifyReceiver> {
    if (spawnSync('socat', ['-V']).error) throw new Error('socat is not installed: apt-get install socat');
    const r = new NotifyReceiver(socket);
    const deadline = Date.now() + 5000;
    // A path socket shows up as a file; an abstract one in /proc/net/unix.
    const bound = (): boolean => (socket.startsWith('@') ? spawnSync('grep', ['-q', ` ${socket}$`, '/proc/net/unix']).status === 0 : existsSync(socket));
    await eventually(`socat to bind ${socket}`, () => {
      if (r.#proc.exitCode !== null) throw new Error(`socat exited (${r.#proc.exitCode})`);
      return bound();
    }, { timeoutMs: deadline - Date.now() });
    return r;
  }

  /** Every field line received so far ("READY=1", "STATUS=...", ...), in order. */
  get lines(): string[] {
    return this.#text.split('\n').filter((l) => l !== '');
  }

  waitFor(test: (line: string) => boolean, what: string, timeoutMs = 10_000): Promise<number> {
    return eventually(`${what} on the notify socket`, () => {
      const i = this.lines.findIndex(test);
      if (i < 0) throw new Error(`got:\n${this.lines.join('\n')}`);
      return i + 1;
    }, { timeoutMs }).then((n) => n - 1);
  }

  close(): void {
    this.#proc.kill();
  }
}
