// Waiting in tests: for a condition, an event or a line of output, each with
// a deadline and a failure that says what was awaited. Tests wait for what
// happens, never for time; quietFor is the one fixed wait, and only proves
// that something does NOT happen.
import type { EventEmitter } from 'node:events';

/** Default deadline: generous, so that a busy machine is slow but not failing. */
export const DEFAULT_TIMEOUT_MS = 5000;
const POLL_MS = 10;

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function describeFailure(last: unknown): string {
  if (last === undefined) return '';
  if (last instanceof Error) return `; last: ${last.message}`;
  return `; last: ${typeof last === 'string' ? last : JSON.stringify(last)}`;
}

/**
 * Polls `check` until it holds: it returns something other than false,
 * undefined or null (which is returned), without throwing. A predicate
 * returns a boolean or the thing found; a check of assertions throws until
 * they pass, then returns true. Fails after `timeoutMs` naming `what` and
 * the last failure (the assertion's message, or what it returned).
 */
export async function eventually<T>(
  what: string,
  check: () => T | Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<Exclude<T, false | undefined | null>> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== false && v !== undefined && v !== null) return v as Exclude<T, false | undefined | null>;
      last = `it returned ${String(v)}${v === undefined ? ' (a check of assertions returns true once they pass)' : ''}`;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) throw new Error(`waited ${timeoutMs} ms for ${what}${describeFailure(last)}`);
    await tick(opts.intervalMs ?? POLL_MS);
  }
}

/** Resolves with the arguments of the first `name` event that passes `filter` (one argument: that argument). */
export function waitForEvent<T = unknown>(
  emitter: EventEmitter,
  name: string,
  opts: { timeoutMs?: number; filter?: (value: T, ...rest: unknown[]) => boolean; what?: string } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise<T>((resolve, reject) => {
    const on = (value: T, ...rest: unknown[]): void => {
      if (opts.filter && !opts.filter(value, ...rest)) return;
      clearTimeout(timer);
      emitter.off(name, on);
      resolve(value);
    };
    const timer = setTimeout(() => {
      emitter.off(name, on);
      reject(new Error(`waited ${timeoutMs} ms for ${opts.what ?? `a "${name}" event`}`));
    }, timeoutMs);
    emitter.on(name, on);
  });
}

/**
 * Waits `ms` and then lets the test check that nothing happened meanwhile.
 * Only for proving an absence; each use says, in a comment, what must not happen.
 */
export function quietFor(ms: number): Promise<void> {
  return tick(ms);
}

/**
 * Resolves once `check` has held at every poll for `ms`; fails at once
 * naming `what` when it stops holding. Proves that a state lasts.
 */
export async function holdsFor(what: string, ms: number, check: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!check()) throw new Error(`${what} stopped holding after ${ms - (end - Date.now())} ms of ${ms}`);
    await tick(POLL_MS);
  }
  if (!check()) throw new Error(`${what} stopped holding at the end of ${ms} ms`);
}
