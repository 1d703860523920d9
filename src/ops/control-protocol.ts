/**
 * The control socket protocol: how every `sipline` command talks to a running
 * `sipline start`.
 *
 * Transport: a Unix stream socket (path from `control.socket` in the config,
 * default /run/sipline/control.sock, mode 0660). Each message is one JSON
 * object on one line, UTF-8, ended by "\n"; a line may be at most 1 MiB.
 *
 * Request:       {"id": 1, "method": "status", "params": {}}
 * Response:      {"id": 1, "result": {...}}
 * Error:         {"id": 1, "error": {"code": "not-found", "message": "..."}}
 * Notification:  {"event": "call.released", "data": {...GatewayEvent}}
 *
 * `id` is a number or string chosen by the client and echoed back; the
 * requests of one connection are answered one after another, in order. `params` may be left out when a method takes none.
 * A line that is not a request gets an error with `"id": null` (or the id,
 * when one could be read); the connection stays open.
 * Notifications flow only after `subscribe`, one per line or call event,
 * `event` being `<kind>.<type>` and `data` a GatewayEvent
 * (schemas/event.schema.json).
 *
 * Methods (params -> result):
 *   ping                          -> {version}
 *   status                        -> GatewayStatus (schemas/status.schema.json)
 *   calls                         -> CallStatus[]
 *   subscribe                     -> {subscribed: true}, then notifications
 *   unsubscribe                   -> {subscribed: false}
 *   events.recent {span?, port?, call?, trunk?, limit?} -> GatewayEvent[]
 *   call.hangup   {call, cause?}  -> {call, cause}   (cause defaults to 16)
 *   span.restart  {span}          -> {span}
 *   port.block    {port}          -> {port, blocked: true}
 *   port.unblock  {port}          -> {port, blocked: false}
 *
 * Error codes: parse-error (not JSON), invalid-request (not a request
 * object), unknown-method, invalid-params, not-found (no such call, span or
 * port), not-supported (the entity cannot do that), failed (the action threw),
 * request-too-large.
 */
import type { RecentFilter } from './status-registry.js';
import type { CallStatus, GatewayEvent, GatewayStatus } from './status-model.js';

export type RequestId = number | string;

export interface ControlMethods {
  ping: { params: Record<string, never>; result: { version: string } };
  status: { params: Record<string, never>; result: GatewayStatus };
  calls: { params: Record<string, never>; result: CallStatus[] };
  subscribe: { params: Record<string, never>; result: { subscribed: true } };
  unsubscribe: { params: Record<string, never>; result: { subscribed: false } };
  'events.recent': { params: RecentFilter; result: GatewayEvent[] };
  'call.hangup': { params: { call: string; cause?: number }; result: { call: string; cause: number } };
  'span.restart': { params: { span: string }; result: { span: string } };
  'port.block': { params: { port: string }; result: { port: string; blocked: true } };
  'port.unblock': { params: { port: string }; result: { port: string; blocked: false } };
}

export type MethodName = keyof ControlMethods;
export const METHOD_NAMES: readonly MethodName[] = [
  'ping',
  'status',
  'calls',
  'subscribe',
  'unsubscribe',
  'events.recent',
  'call.hangup',
  'span.restart',
  'port.block',
  'port.unblock',
];

export type ErrorCode =
  | 'parse-error'
  | 'invalid-request'
  | 'unknown-method'
  | 'invalid-params'
  | 'not-found'
  | 'not-supported'
  | 'failed'
  | 'request-too-large';

/** An error that crosses the socket as {code, message}. */
export class ControlError extends Error {
  override name = 'ControlError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface Request {
  id: RequestId;
  method: string;
  params: Record<string, unknown>;
}

export type Response =
  | { id: RequestId | null; result: unknown }
  | { id: RequestId | null; error: { code: ErrorCode; message: string } };

export interface Notification {
  event: string;
  data: GatewayEvent;
}

export const MAX_LINE_BYTES = 1 << 20;

/** Reads one request line; never throws, bad input comes back as the error to send. */
export function parseRequest(line: string): { request: Request } | { id: RequestId | null; error: ControlError } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { id: null, error: new ControlError('parse-error', `request is not JSON: ${(err as Error).message}`) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { id: null, error: new ControlError('invalid-request', 'a request is a JSON object {"id", "method", "params"}') };
  }
  const v = value as Record<string, unknown>;
  const id = typeof v.id === 'number' || typeof v.id === 'string' ? v.id : null;
  if (id === null) return { id, error: new ControlError('invalid-request', 'request has no "id" (a number or string)') };
  if (typeof v.method !== 'string' || v.method === '') {
    return { id, error: new ControlError('invalid-request', 'request has no "method" (a string)') };
  }
  const params = v.params ?? {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    return { id, error: new ControlError('invalid-params', `${v.method}: "params" must be an object`) };
  }
  return { request: { id, method: v.method, params: params as Record<string, unknown> } };
}

/**
 * Splits a byte stream into lines. A line longer than MAX_LINE_BYTES is
 * dropped up to its newline and reported once as `tooLong`.
 */
export class LineSplitter {
  #parts: Buffer[] = [];
  #size = 0;
  #discarding = false;

  constructor(readonly maxBytes = MAX_LINE_BYTES) {}

  push(chunk: Buffer): ({ line: string } | { tooLong: true })[] {
    const out: ({ line: string } | { tooLong: true })[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, nl === -1 ? chunk.length : nl);
      if (!this.#discarding) {
        this.#parts.push(piece);
        this.#size += piece.length;
        if (this.#size > this.maxBytes) {
          this.#discarding = true;
          this.#parts = [];
          this.#size = 0;
          out.push({ tooLong: true });
        }
      }
      if (nl === -1) break;
      if (!this.#discarding) out.push({ line: Buffer.concat(this.#parts).toString('utf8') });
      this.#discarding = false;
      this.#parts = [];
      this.#size = 0;
      start = nl + 1;
    }
    return out;
  }
}
