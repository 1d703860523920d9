// `sipline status --watch`: the operator's live full-screen view. Plain ANSI
// on the alternate screen; redraws twice a second and on every line or call
// event; the terminal is restored on q, Ctrl-C, a signal or a lost daemon.
import {
  cursorHide,
  cursorShow,
  cursorTo,
  enterAlternativeScreen,
  eraseDown,
  eraseEndLine,
  exitAlternativeScreen,
} from 'ansi-escapes';
import type { ControlClient } from '../ops/control-client.js';
import type { GatewayEvent, GatewayStatus } from '../ops/status-model.js';
import { renderStatus, screenPorts, SORT_KEYS, type SortKey } from './status-screen.js';

const REDRAW_MS = 500;
const HELP = 'q quit  s sort  f span filter  ↑/↓ select channel  e events of channel  esc close events';

/**
 * Splits what the terminal sent in one read into keys: a CSI or SS3
 * sequence (arrows: ESC [ A, ESC O A) is one key, a lone ESC is one key,
 * anything else one character each. Typed-ahead keys arrive together.
 */
export function splitKeys(input: string): string[] {
  const keys: string[] = [];
  for (let i = 0; i < input.length; ) {
    if (input[i] === '\u001b' && (input[i + 1] === '[' || input[i + 1] === 'O')) {
      let end = i + 2;
      // ECMA-48 §5.4: parameter and intermediate bytes 0x20-0x3f, then one final byte 0x40-0x7e.
      while (end < input.length && input.charCodeAt(end) >= 0x20 && input.charCodeAt(end) <= 0x3f) end++;
      end = Math.min(end + 1, input.length);
      keys.push(input.slice(i, end));
      i = end;
    } else {
      const ch = String.fromCodePoint(input.codePointAt(i) ?? 0);
      keys.push(ch);
      i += ch.length;
    }
  }
  return keys;
}

export interface WatchTerminal {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
}

/** Runs until the operator quits; resolves with the exit code. */
export function watchStatus(client: ControlClient, term: WatchTerminal = { stdin: process.stdin, stdout: process.stdout }): Promise<number> {
  const { stdin, stdout } = term;
  let status: GatewayStatus | null = null;
  let sort: SortKey = 'port';
  let span: string | null = null;
  let selected: string | null = null;
  let events: GatewayEvent[] | null = null;
  let error: string | null = null;
  let busy = false;
  let done = false;

  const draw = (): void => {
    if (done) return; // never onto the normal screen after leaving
    const rows = stdout.rows || 24;
    const width = stdout.columns || 80;
    let lines = [error ?? 'connecting...'];
    if (status) {
      const options = { color: true, width, sort, span, selected, events, help: HELP };
      lines = renderStatus(status, options);
      // Channels get the lines the rest of the screen leaves; the table scrolls within them.
      const channels = screenPorts(status, sort, span).length;
      const others = lines.length - channels + (error ? 1 : 0);
      if (lines.length + (error ? 1 : 0) > rows) lines = renderStatus(status, { ...options, channelRows: Math.max(3, rows - others - 1) });
    }
    if (error && status) lines.splice(1, 0, `\u001b[31m${error}\u001b[39m`);
    stdout.write(cursorTo(0, 0) + lines.slice(0, rows).map((l) => l + eraseEndLine).join('\n') + eraseDown);
  };

  const refresh = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      status = await client.request('status');
      if (selected === null || !status.ports.some((p) => p.name === selected)) selected = screenPorts(status, sort, span)[0]?.name ?? null;
      const port = selected;
      if (events !== null && port !== null) {
        const recent = await client.request('events.recent', { port, limit: 10 });
        if (events !== null && port === selected) events = recent; // unless the operator moved meanwhile
      }
      error = null;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    } finally {
      busy = false;
    }
    draw();
  };

  return new Promise<number>((resolve) => {
    const finish = (code: number, message?: string): void => {
      if (done) return;
      done = true;
      clearInterval(timer);
      stdin.off('data', onKey);
      stdout.off('resize', draw);
      client.off('notification', onEvent);
      client.off('close', onClose);
      for (const s of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.off(s, onSignal);
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
      stdout.write(exitAlternativeScreen + cursorShow);
      if (message) process.stderr.write(message + '\n');
      client.close();
      resolve(code);
    };
    const move = (step: number): void => {
      if (!status) return;
      const ports = screenPorts(status, sort, span);
      const at = ports.findIndex((p) => p.name === selected);
      selected = ports[Math.max(0, Math.min(ports.length - 1, at + step))]?.name ?? null;
      if (events !== null) events = []; // the old channel's events must not show under the new one
    };
    const onKey = (data: Buffer): void => {
      for (const key of splitKeys(data.toString('utf8'))) {
        if (done) return;
        onOneKey(key);
      }
    };
    const onOneKey = (key: string): void => {
      if (key === 'q' || key === 'Q' || key === '\u0003') return finish(0);
      if (key === 's') sort = SORT_KEYS[(SORT_KEYS.indexOf(sort) + 1) % SORT_KEYS.length] ?? 'port';
      else if (key === 'f' && status) {
        const spans = [null, ...status.spans.map((s) => s.name)];
        span = spans[(spans.indexOf(span) + 1) % spans.length] ?? null;
        selected = screenPorts(status, sort, span)[0]?.name ?? null;
        if (events !== null) events = [];
      } else if (key === '\u001b[A' || key === 'k') move(-1);
      else if (key === '\u001b[B' || key === 'j') move(1);
      else if (key === 'e' || key === '\r') events = events === null ? [] : null;
      else if (key === '\u001b') events = null;
      else return;
      draw();
      void refresh();
    };
    const onEvent = (): void => void refresh();
    const onClose = (): void => finish(1, 'sipline: the gateway closed the control socket (stopped?)');
    const onSignal = (signal: NodeJS.Signals): void => finish(signal === 'SIGINT' ? 0 : 1);

    stdout.write(enterAlternativeScreen + cursorHide);
    if (stdin.isTTY) stdin.setRawMode(true);
    stdin.on('data', onKey);
    stdin.resume();
    stdout.on('resize', draw);
    client.on('notification', onEvent);
    client.on('close', onClose);
    for (const s of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.on(s, onSignal);
    const timer = setInterval(() => void refresh(), REDRAW_MS);
    draw();
    void client.request('subscribe').catch(() => {});
    void refresh();
  });
}
