// A service manager's notification socket for tests: socat bound to an
// AF_UNIX datagram socket (a path, or '@name' in the abstract namespace),
// every datagram it receives kept in order.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

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
    while (!bound()) {
      if (Date.now() > deadline || r.#proc.exitCode !== null) throw new Error(`socat did not bind ${socket}`);
      await new Promise((res) => setTimeout(res, 20));
    }
    return r;
  }

  /** Every field line received so far ("READY=1", "STATUS=...", ...), in order. */
  get lines(): string[] {
    return this.#text.split('\n').filter((l) => l !== '');
  }

  async waitFor(test: (line: string) => boolean, what: string, timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.lines.findIndex(test);
      if (i >= 0) return i;
      if (Date.now() > deadline) throw new Error(`no ${what} on the notify socket within ${timeoutMs} ms; got:\n${this.lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.#proc.kill();
  }
}
