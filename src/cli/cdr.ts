// `sipline cdr`: prints call detail records from the CDR database.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Cdr } from '../call/cdr-store.js';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A point in time for --since / --until: an ISO 8601 date or date-time, or
 * an age like 30m, 12h, 7d (before `now`). Throws a RangeError naming the
 * text it could not read.
 */
export function parseTime(text: string, now: number = Date.now()): number {
  const t = text.trim();
  const age = /^(\d{1,9})\s*([smhdw])$/i.exec(t);
  if (age) return now - Number(age[1]) * UNITS[age[2]!.toLowerCase()]!;
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(t)) {
    const ms = Date.parse(t.replace(' ', 'T'));
    if (!Number.isNaN(ms)) return ms;
  }
  throw new RangeError(`'${text}' is not a time: give an ISO date (2026-11-29, 2026-11-29T08:00Z) or an age (30m, 12h, 7d)`);
}

const FIELDS: (keyof Cdr)[] = [
  'callId', 'direction', 'start', 'answer', 'end', 'caller', 'callee', 'route', 'emergency', 'line', 'channel', 'trunk',
  'sipCallId', 'codec', 'pstnCause', 'sipStatus', 'sipCause', 'hungUpBy', 'packetLoss', 'jitterMs', 'recording',
];
const TIMES = new Set<keyof Cdr>(['start', 'answer', 'end']);

function cell(c: Cdr, f: keyof Cdr): string {
  const v = c[f];
  if (v === undefined) return '';
  return TIMES.has(f) ? new Date(v as number).toISOString() : String(v);
}

/** RFC 4180 CSV: a header line, CRLF line ends, fields quoted when they need it. */
export function toCsv(rows: readonly Cdr[]): string {
  const q = (s: string) => (/[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s);
  return [FIELDS.join(','), ...rows.map((r) => FIELDS.map((f) => q(cell(r, f))).join(','))].map((l) => l + '\r\n').join('');
}

function toText(rows: readonly Cdr[]): string {
  if (rows.length === 0) return 'no calls\n';
  const cols: (keyof Cdr)[] = ['start', 'direction', 'caller', 'callee', 'line', 'channel', 'trunk', 'pstnCause', 'sipStatus', 'hungUpBy'];
  const table = [cols.map(String), ...rows.map((r) => cols.map((c) => cell(r, c)))];
  const widths = cols.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => row.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

export function registerCdr(program: Command): void {
  program
    .command('cdr')
    .description('print call detail records')
    .option('--db <file>', 'CDR database (SQLite)')
    .option('-c, --config <file>', 'read the database path from this configuration (cdr.database)')
    .option('--since <time>', 'calls started at or after: ISO date or age (30m, 12h, 7d)')
    .option('--until <time>', 'calls started before: ISO date or age')
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV (RFC 4180)')
    .action(async (opts: { db?: string; config?: string; since?: string; until?: string; json?: boolean; csv?: boolean }) => {
      let db = opts.db;
      if (db === undefined && opts.config !== undefined) {
        const { checkConfigFile, formatConfigError } = await import('../call/config-check.js');
        const checked = checkConfigFile(opts.config);
        if (!checked.ok) throw new Error(`${opts.config} has errors:\n${checked.errors.map(formatConfigError).join('\n')}`);
        const path = checked.config.cdr?.database;
        if (path === undefined) throw new Error(`${opts.config} has no cdr.database`);
        db = resolve(dirname(opts.config), path);
      }
      if (db === undefined) throw new Error('give --db FILE or --config FILE');
      if (opts.json && opts.csv) throw new Error('give --json or --csv, not both');
      if (!existsSync(db)) throw new Error(`${db}: no such CDR database`);
      const range: { since?: number; until?: number } = {};
      if (opts.since !== undefined) range.since = parseTime(opts.since);
      if (opts.until !== undefined) range.until = parseTime(opts.until);
      const { CdrStore } = await import('../call/cdr-store.js');
      const store = new CdrStore(db, { readonly: true });
      try {
        const rows = store.query(range);
        process.stdout.write(opts.json ? JSON.stringify(rows, null, 2) + '\n' : opts.csv ? toCsv(rows) : toText(rows));
      } finally {
        store.close();
      }
    });
}
