// One screen of gateway status as text lines: what `sipline status` prints
// and what `status --watch` redraws. Pure: status in, lines out.
import { Chalk, type ChalkInstance } from 'chalk';
import type { CallStatus, GatewayEvent, GatewayStatus, PortStatus } from '../ops/status-model.js';

export const SORT_KEYS = ['port', 'state', 'duration', 'level'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface ScreenOptions {
  color: boolean;
  /** Columns; lines are cut to it. */
  width: number;
  sort?: SortKey;
  /** Only this span's channels (null: all). */
  span?: string | null;
  /** The highlighted channel (watch mode). */
  selected?: string | null;
  /** Recent events of the selected channel, shown under the table. */
  events?: GatewayEvent[] | null;
  /** The key help line of the watch mode. */
  help?: string;
  /** At most this many lines of channel table rows, scrolled to keep the selected one in view. */
  channelRows?: number;
}

type Style = (s: string) => string;
interface Cell {
  text: string;
  style?: Style;
}

/** Audio level bar: -60 dBm0 empty, +3 dBm0 full (the G.711 overload point). */
export const BAR_WIDTH = 10;
export function levelBar(dbm0: number | null): string {
  if (dbm0 === null) return ' '.repeat(BAR_WIDTH);
  const filled = Math.max(0, Math.min(BAR_WIDTH, Math.round(((dbm0 + 60) / 63) * BAR_WIDTH)));
  return '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A level as bar and figure, or '-' while no audio flows. */
function level(dbm0: number | null): string {
  return dbm0 === null ? '-' : `${levelBar(dbm0)} ${dbm0.toFixed(1).padStart(5)}`;
}

function fmt(n: number | null, digits: number, unit = ''): string {
  return n === null ? '-' : `${n.toFixed(digits)}${unit}`;
}

function table(header: string[], rows: Cell[][], c: ChalkInstance, highlight: (row: number) => boolean = () => false): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.text.length ?? 0)));
  const line = (cells: Cell[]): string =>
    cells
      .map((cell, i) => {
        const padded = i === cells.length - 1 ? cell.text : cell.text.padEnd(widths[i] ?? 0);
        return cell.style ? cell.style(padded) : padded;
      })
      .join('  ');
  return [
    c.bold(line(header.map((text) => ({ text })))),
    ...rows.map((r, i) => (highlight(i) ? c.inverse(line(r.map((cell) => ({ text: cell.text })))) : line(r))),
  ];
}

/** Finds the call on a port: by the port's callId, else by the call's port. Indexed once per screen. */
function callFinder(calls: CallStatus[]): (port: PortStatus) => CallStatus | undefined {
  const byId = new Map(calls.map((k) => [k.id, k]));
  const byPort = new Map(calls.filter((k) => k.port !== null).map((k) => [k.port, k]));
  return (port) => (port.callId !== null ? byId.get(port.callId) : byPort.get(port.name));
}

/** Ports in screen order: filtered by span, sorted by the key. */
export function screenPorts(status: GatewayStatus, sort: SortKey = 'port', span: string | null = null): PortStatus[] {
  const rank: Record<string, number> = { connected: 0, alerting: 1, proceeding: 2, dialing: 3, seized: 4, releasing: 5, idle: 6, blocked: 7 };
  const ports = status.ports.filter((p) => span === null || p.span === span);
  const callOf = callFinder(status.calls);
  const byPort = (a: PortStatus, b: PortStatus): number =>
    (a.span ?? a.name).localeCompare(b.span ?? b.name) || a.channel - b.channel || a.name.localeCompare(b.name);
  const cmp: Record<SortKey, (a: PortStatus, b: PortStatus) => number> = {
    port: byPort,
    state: (a, b) => (rank[a.callState] ?? 9) - (rank[b.callState] ?? 9) || byPort(a, b),
    duration: (a, b) => (callOf(b)?.durationS ?? -1) - (callOf(a)?.durationS ?? -1) || byPort(a, b),
    level: (a, b) => (b.levelRxDbm0 ?? -999) - (a.levelRxDbm0 ?? -999) || byPort(a, b),
  };
  return ports.sort(cmp[sort]);
}

export function renderStatus(status: GatewayStatus, options: ScreenOptions): string[] {
  const c = new Chalk({ level: options.color ? 2 : 0 });
  const g = status.gateway;
  const t = status.totals;
  const out: string[] = [];
  out.push(
    c.bold(`sipline ${g.version}`) +
      `  pid ${g.pid}  up ${formatDuration(g.uptimeS)}  control ${g.controlSocket}` +
      (g.metrics ? `  metrics http://${g.metrics}/metrics` : ''),
  );
  if (options.help) out.push(c.dim(options.help));
  out.push(
    `totals: spans ${t.spans} (${t.spansInAlarm > 0 ? c.red(`${t.spansInAlarm} in alarm`) : '0 in alarm'})` +
      `  channels ${t.ports} (${t.portsBusy} busy, ${t.portsBlocked} blocked)` +
      `  calls ${t.calls} (${t.callsConnected} connected, ${t.callsEnded} ended)` +
      `  trunks ${t.trunksUp}/${t.trunks} up`,
  );

  out.push('', c.bold.underline('SPANS'));
  if (status.spans.length === 0) out.push(c.dim('no spans configured'));
  else {
    const rows = status.spans.map((s): Cell[] => [
      { text: s.name, ...(options.span === s.name ? { style: c.cyan } : {}) },
      { text: s.type },
      { text: s.framing || '-' },
      { text: s.lineCoding || '-' },
      s.alarms.length ? { text: s.alarms.join(','), style: c.red.bold } : { text: 'OK', style: c.green },
      s.dchannel === 'none' ? { text: '-' } : { text: s.dchannel, style: s.dchannel === 'up' ? c.green : c.red },
      { text: String(s.channels) },
      {
        text:
          Object.entries(s.counters)
            .map(([k, v]) => `${k} ${v}`)
            .join('  ') || '-',
        ...(Object.values(s.counters).some((v) => v > 0) ? { style: c.yellow } : {}),
      },
    ]);
    out.push(...table(['SPAN', 'TYPE', 'FRAMING', 'CODING', 'ALARMS', 'D-CHAN', 'CHANS', 'ERRORS'], rows, c));
  }

  const ports = screenPorts(status, options.sort, options.span ?? null);
  out.push(
    '',
    c.bold.underline('CHANNELS') +
      (options.span ? `  span ${options.span}` : '') +
      (options.sort && options.sort !== 'port' ? `  sorted by ${options.sort}` : ''),
  );
  if (ports.length === 0) out.push(c.dim(status.ports.length ? 'no channels on this span' : 'no channels configured'));
  else {
    const stateStyle = (s: string): Style =>
      s === 'connected' ? c.green : s === 'blocked' ? c.red : s === 'idle' ? c.dim : c.yellow;
    const levelStyle = (v: number | null): Style => (v === null ? c.dim : v > -3 ? c.red : v < -45 ? c.yellow : c.green);
    const callOf = callFinder(status.calls);
    const rows = ports.map((p): Cell[] => {
      const call = callOf(p);
      return [
        // An analog port with its own number shows it: the extension or line the operator knows.
        { text: p.number ? `${p.name} ${p.number}` : p.name },
        { text: p.kind },
        { text: p.hook === 'none' ? '-' : p.hook },
        { text: `${p.signalling} ${p.signallingState}`.trim() },
        { text: p.blocked ? 'blocked' : p.callState, style: stateStyle(p.blocked ? 'blocked' : p.callState) },
        { text: call ? `${call.calling || '?'} -> ${call.called || '?'}` : '' },
        { text: call?.codec ?? '' },
        { text: call ? formatDuration(call.durationS) : '' },
        { text: level(p.levelRxDbm0), style: levelStyle(p.levelRxDbm0) },
        { text: level(p.levelTxDbm0), style: levelStyle(p.levelTxDbm0) },
        { text: call ? fmt(call.jitterMs, 1, 'ms') : '' },
        { text: call ? fmt(call.lossPct, 1, '%') : '', ...(call && (call.lossPct ?? 0) >= 1 ? { style: c.red } : {}) },
      ];
    });
    const selected = ports.findIndex((p) => p.name === options.selected);
    const lines = table(
      ['PORT', 'KIND', 'HOOK', 'SIGNALLING', 'STATE', 'CALLER -> CALLEE', 'CODEC', 'TIME', 'RX dBm0', 'TX dBm0', 'JITTER', 'LOSS'],
      rows,
      c,
      (i) => i === selected,
    );
    if (rows.length <= (options.channelRows ?? Infinity)) out.push(...lines);
    else {
      const fit = Math.max(1, (options.channelRows ?? 0) - 1); // one line says where the window is
      // Widths stay those of the whole table, so columns do not jump while scrolling.
      const start = Math.max(0, Math.min(rows.length - fit, Math.max(0, selected) - Math.floor(fit / 2)));
      out.push(lines[0] ?? '', ...lines.slice(1 + start, 1 + start + fit));
      out.push(c.dim(`channels ${start + 1}-${start + fit} of ${rows.length} (↑/↓ scrolls)`));
    }
  }

  out.push('', c.bold.underline('TRUNKS'));
  if (status.trunks.length === 0) out.push(c.dim('no trunks configured'));
  else {
    const rows = status.trunks.map((tr): Cell[] => [
      { text: tr.name },
      { text: tr.state, style: tr.state === 'registered' || tr.state === 'up' ? c.green : tr.state === 'down' ? c.red : c.yellow },
      { text: String(tr.registrations) },
      { text: tr.lastError ?? '-', ...(tr.lastError ? { style: c.red } : {}) },
    ]);
    out.push(...table(['TRUNK', 'STATE', 'REGS', 'LAST ERROR'], rows, c));
  }

  const sec = status.security;
  if (sec) {
    // What is exposed, and what the screen refused: an operator sees it at a glance.
    out.push('', c.bold.underline('SECURITY'));
    out.push(`listening: ${sec.listening.map((l) => `${l.service} ${l.transport} ${l.port ? `${l.address}:${l.port}` : l.address}`).join(', ')}`);
    out.push(
      `strangers ${sec.unknownSources === 'silent' ? 'get no answer' : 'get 403'}  users ${sec.users.length}` +
        `  refused ${sec.counts.refused}  rate-limited ${sec.counts.rateLimited}  scanners ${sec.counts.scanners}  auth failures ${sec.counts.authFailures}`,
    );
    if (sec.bans.length === 0) out.push(c.dim('no source banned'));
    else out.push(c.red(`banned: ${sec.bans.map((b) => `${b.address} until ${b.until.slice(11, 19)}`).join(', ')}`));
  }

  if (options.events) {
    out.push('', c.bold.underline(`EVENTS ${options.selected ?? ''}`.trim()));
    if (options.events.length === 0) out.push(c.dim('no events yet'));
    for (const e of options.events) out.push(`${e.time.slice(11, 23)}  ${c.cyan(`${e.kind}.${e.type}`)}  ${e.text}`);
  }
  return out.map((l) => cut(l, options.width));
}

// eslint-disable-next-line no-control-regex -- matching the ESC of colour codes is the point
const SGR = /^\u001b\[[0-9;]*m/;

/** Cuts a line to `width` visible columns, keeping escape sequences intact. */
function cut(line: string, width: number): string {
  if (!Number.isFinite(width)) return line;
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; ) {
    const esc = SGR.exec(line.slice(i));
    if (esc) {
      out += esc[0];
      i += esc[0].length;
      continue;
    }
    if (visible >= width) {
      i++;
      continue;
    }
    out += line[i];
    visible++;
    i++;
  }
  return out;
}
