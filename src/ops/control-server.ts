// The daemon's end of the control socket (protocol in control-protocol.ts).
// It owns the socket file: refuses to start over a live daemon, replaces a
// stale file left by a crash, and removes the file when it closes.
import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import {
  ControlError,
  LineSplitter,
  parseRequest,
  type Notification,
  type Request,
  type RequestId,
  type Response,
} from './control-protocol.js';

/** A client connection as a method handler sees it. */
export interface ControlConnection {
  subscribed: boolean;
  notify(message: Notification): void;
}

export type MethodHandler = (params: Record<string, unknown>, connection: ControlConnection) => unknown;

/** Pending output above which a slow subscriber is dropped rather than buffered without end. */
const MAX_PENDING_BYTES = 8 << 20;

export class ControlServer {
  readonly #server: Server;
  readonly #connections = new Set<Socket>();
  readonly #clients = new Set<ControlConnection>();
  #listening = false;

  constructor(
    readonly path: string,
    readonly handlers: ReadonlyMap<string, MethodHandler>,
    readonly onError: (err: unknown, what: string) => void = () => {},
  ) {
    this.#server = createServer((socket) => this.#accept(socket));
  }

  async listen(): Promise<void> {
    const fail = (err: NodeJS.ErrnoException): never => {
      throw new Error(
        `cannot create the control socket ${this.path}: ${err.code ?? err.message} ` +
          `(its folder must exist or be creatable and writable by this user; or set control.socket to another path)`,
      );
    };
    await mkdir(dirname(this.path), { recursive: true }).catch(fail);
    await this.#clearStale();
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.path, () => {
        this.#server.off('error', reject);
        resolve();
      });
    }).catch(fail);
    this.#listening = true;
    this.#server.on('error', (err) => this.onError(err, 'control socket'));
    // Members of the daemon's group may control it; nobody else.
    await chmod(this.path, 0o660);
  }

  /** Sends a notification to every subscribed connection. */
  broadcast(message: Notification): void {
    for (const c of this.#clients) if (c.subscribed) c.notify(message);
  }

  async close(): Promise<void> {
    if (!this.#listening) return;
    this.#listening = false;
    for (const s of this.#connections) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await unlink(this.path).catch(() => {});
  }

  async #clearStale(): Promise<void> {
    const existing = await lstat(this.path).catch(() => null);
    if (existing && !existing.isSocket()) {
      throw new Error(`${this.path} exists and is not a socket; not replacing it (set control.socket to another path)`);
    }
    const live = await new Promise<boolean>((resolve) => {
      const probe = createConnection(this.path);
      probe.once('connect', () => {
        probe.destroy();
        resolve(true);
      });
      probe.once('error', () => resolve(false));
    });
    if (live) {
      throw new Error(`${this.path}: another sipline is already running on this control socket (stop it first, or set control.socket to another path)`);
    }
    await unlink(this.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  #accept(socket: Socket): void {
    this.#connections.add(socket);
    const send = (message: Response | Notification): void => {
      if (socket.destroyed) return;
      if (socket.writableLength > MAX_PENDING_BYTES) {
        socket.destroy();
        return;
      }
      socket.write(JSON.stringify(message) + '\n');
    };
    const connection: ControlConnection = { subscribed: false, notify: send };
    this.#clients.add(connection);
    const splitter = new LineSplitter();
    // One request at a time per connection, so answers come in request order.
    let queue = Promise.resolve();
    const answer = (make: () => Response | Promise<Response>): void => {
      queue = queue.then(make).then(send);
    };
    socket.on('data', (chunk: Buffer) => {
      for (const item of splitter.push(chunk)) {
        if ('tooLong' in item) {
          answer(() => ({ id: null, error: { code: 'request-too-large', message: 'request line longer than 1 MiB' } }));
        } else if (item.line.trim() !== '') {
          const parsed = parseRequest(item.line);
          if ('error' in parsed) answer(() => ({ id: parsed.id, error: { code: parsed.error.code, message: parsed.error.message } }));
          else answer(() => this.#dispatch(parsed.request, connection));
        }
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.#connections.delete(socket);
      this.#clients.delete(connection);
    });
  }

  async #dispatch(request: Request, connection: ControlConnection): Promise<Response> {
    const id: RequestId = request.id;
    const handler = this.handlers.get(request.method);
    if (!handler) {
      return {
        id,
        error: {
          code: 'unknown-method',
          message: `unknown method '${request.method}' (known: ${[...this.handlers.keys()].join(', ')})`,
        },
      };
    }
    try {
      return { id, result: (await handler(request.params, connection)) ?? null };
    } catch (err) {
      if (err instanceof ControlError) return { id, error: { code: err.code, message: err.message } };
      this.onError(err, `control method ${request.method}`);
      return { id, error: { code: 'failed', message: `${request.method} failed: ${err instanceof Error ? err.message : String(err)}` } };
    }
  }
}
