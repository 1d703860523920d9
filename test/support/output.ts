// What a child process prints, and waiting for a line of it.
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { DEFAULT_TIMEOUT_MS } from './waiting.js';

export interface Output {
  /** Everything printed so far. */
  text(): string;
  /**
   * Resolves with the first match of `pattern` at or after offset `from` (0 by
   * default: a line already printed counts). Fails at the deadline, or as soon
   * as the process exits without printing it, with what it printed.
   */
  waitFor(pattern: RegExp, opts?: { timeoutMs?: number; from?: number; what?: string }): Promise<RegExpExecArray>;
}

interface Waiter {
  pattern: RegExp;
  from: number;
  resolve: (m: RegExpExecArray) => void;
  reject: (e: Error) => void;
}

/** Collects what `streams` print (all of a child's by default) for waiting on it. */
export function watchOutput(name: string, child: ChildProcess, streams: (Readable | null)[] = [child.stdout, child.stderr]): Output {
  let text = '';
  let exited: string | undefined;
  const waiters: Waiter[] = [];
  const match = (w: Waiter): RegExpExecArray | null => {
    const re = new RegExp(w.pattern.source, w.pattern.flags.replace('g', ''));
    return re.exec(text.slice(w.from));
  };
  const settle = (): void => {
    for (const w of [...waiters]) {
      const m = match(w);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      } else if (exited !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.reject(new Error(`${name} ${exited} without printing ${w.pattern}:\n${text.slice(-3000)}`));
      }
    }
  };
  for (const s of streams) {
    s?.setEncoding('utf8');
    s?.on('data', (d: string) => {
      text += d;
      settle();
    });
  }
  // 'close' comes after the last output of the streams.
  child.once('close', (code, signal) => {
    exited = signal ? `was killed (${signal})` : `exited (${code})`;
    settle();
  });
  return {
    text: () => text,
    waitFor(pattern, opts = {}) {
      const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      return new Promise<RegExpExecArray>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`waited ${timeoutMs} ms for ${name} to print ${opts.what ?? pattern}:\n${text.slice(-3000)}`));
        }, timeoutMs);
        const w: Waiter = {
          pattern,
          from: opts.from ?? 0,
          resolve: (m) => (clearTimeout(timer), resolve(m)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        };
        waiters.push(w);
        settle();
      });
    },
  };
}
