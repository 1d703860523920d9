// The typed client end of the control socket, used by every CLI command.
// Requests are matched to responses by id; on close every pending request
// is rejected.
import { EventEmitter } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import {
  ControlError,
  LineSplitter,
  type ControlMethods,
  type ErrorCode,
  type MethodName,
  type Notification,
} from './control-protocol.js';

/** Why the client could not reach the daemon, with the next step for the operator. */
export class ConnectError extends Error {
  override name = 'ConnectError';
}

export function connectErrorMessage(path: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
    case 'ECONNREFUSED':
      return `cannot connect to ${path}: is \`sipline start\` running? (pass --socket or --config if it uses another control socket)`;
    case 'EACCES':
    case 'EPERM':
      return `cannot connect to ${path}: permission denied (run as root or as a member of the group that owns the socket)`;
    default:
      return `cannot connect to ${path}: ${err.message}`;
  }
}

export interface ControlClientEvents {
  notification: [message: Notification];
  close: [];
}

export class ControlClient extends EventEmitter<ControlClientEvents> {
  readonly #socket: Socket;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; method: string }>();
  #nextId = 1;
  #closed = false;

  private constructor(socket: Socket) {
    super();
    this.#socket = socket;
    const splitter = new LineSplitter(64 << 20);
    socket.on('data', (chunk: Buffer) => {
      for (const item of splitter.push(chunk)) if ('line' in item) this.#receive(item.line);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#closed = true;
      for (const p of this.#pending.values()) p.reject(new Error(`${p.method}: the daemon closed the control socket before answering`));
      this.#pending.clear();
      this.emit('close');
    });
  }

  static connect(path: string): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        resolve(new ControlClient(socket));
      });
      socket.once('error', (err: NodeJS.ErrnoException) => reject(new ConnectError(connectErrorMessage(path, err))));
    });
  }

  request<M extends MethodName>(method: M, params?: ControlMethods[M]['params']): Promise<ControlMethods[M]['result']> {
    if (this.#closed) return Promise.reject(new Error(`${method}: the control socket is closed`));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method });
      this.#socket.write(JSON.stringify({ id, method, params: params ?? {} }) + '\n');
    });
  }

  close(): void {
    this.#socket.end();
  }

  #receive(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (typeof msg.event === 'string') {
      this.emit('notification', msg as unknown as Notification);
      return;
    }
    const pending = typeof msg.id === 'number' ? this.#pending.get(msg.id) : undefined;
    if (!pending || typeof msg.id !== 'number') return;
    this.#pending.delete(msg.id);
    const error = msg.error as { code?: string; message?: string } | undefined;
    if (error) pending.reject(new ControlError((error.code ?? 'failed') as ErrorCode, error.message ?? 'error without message'));
    else pending.resolve(msg.result);
  }
}
