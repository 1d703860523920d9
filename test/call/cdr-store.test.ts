import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CdrStore, type Cdr } from '../../src/call/cdr-store.js';
import { parseTime, toCsv } from '../../src/cli/cdr.js';
import { sampleCdr } from './cdr-writer.js';

const cli = 'dist/src/cli/main.js';
const writer = 'dist/test/call/cdr-writer.js';

/** The record as stored: undefined fields are absent. */
const stored = (c: Cdr): Cdr => JSON.parse(JSON.stringify(c)) as Cdr;

describe('CDR store (SQLite)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sipline-cdr-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps one row per call with both legs, and reads them back by time', () => {
    const store = new CdrStore(join(dir, 'cdr.sqlite'));
    for (let i = 0; i < 10; i++) store.write(sampleCdr(i));
    const all = store.query();
    assert.deepEqual(all, Array.from({ length: 10 }, (_, i) => stored(sampleCdr(i))));
    const some = store.query({ since: sampleCdr(3).start, until: sampleCdr(6).start });
    assert.deepEqual(some.map((c) => c.callId), ['call-3', 'call-4', 'call-5']);
    assert.throws(() => store.write(sampleCdr(3)), /UNIQUE/, 'a call has one record');
    store.close();
  });

  it('keeps every finished call intact when the writer is killed with SIGKILL mid-way', async function () {
    this.timeout(30000);
    const db = join(dir, 'cdr.sqlite');
    const child = spawn(process.execPath, [writer, db], { stdio: ['ignore', 'pipe', 'inherit'] });
    let last = -1;
    let buf = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', () => resolve());
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) last = Number(l);
        if (last >= 300 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
      });
    });
    assert.equal(child.signalCode, 'SIGKILL', 'the writer was killed, not finished');
    assert.ok(last >= 300);
    const store = new CdrStore(db);
    assert.equal(store.integrity(), 'ok');
    const rows = store.query();
    // Every call the writer reported finished is there; at most the one being written after it too.
    assert.ok(rows.length === last + 1 || rows.length === last + 2, `${rows.length} rows, last reported ${last}`);
    rows.forEach((r, i) => assert.deepEqual(r, stored(sampleCdr(i))));
    store.close();
  });

  it('sipline cdr prints JSON, CSV and a table, filtered by --since, with the database from --db or --config', () => {
    const db = join(dir, 'calls.sqlite');
    const store = new CdrStore(db);
    const now = Date.now();
    store.write({ ...sampleCdr(1), start: now - 3 * 3_600_000, end: now - 3 * 3_600_000 + 5000, answer: undefined });
    store.write({ ...sampleCdr(2), start: now - 60_000, end: now - 1000, answer: now - 50_000 });
    store.close();
    const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'cdr', ...args], { encoding: 'utf8' });

    const json = run('--db', db, '--since', '1h', '--json');
    assert.equal(json.status, 0, json.stderr);
    const rows = JSON.parse(json.stdout) as Cdr[];
    assert.deepEqual(rows.map((r) => r.callId), ['call-2']);

    const csv = run('--db', db, '--csv');
    assert.equal(csv.status, 0, csv.stderr);
    const lines = csv.stdout.split('\r\n');
    assert.match(lines[0]!, /^callId,direction,start,answer,end,caller,callee,/);
    assert.equal(lines.length, 4, 'header, two rows, final empty');
    assert.ok(lines[1]!.startsWith('call-1,sip-to-pstn,'));

    writeFileSync(join(dir, 'gateway.yaml'), 'cards: []\nroutes: []\ncdr: { database: calls.sqlite }\n');
    const text = run('--config', join(dir, 'gateway.yaml'));
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^start\s+direction\s+caller\s+callee/);
    assert.equal(text.stdout.trim().split('\n').length, 3);

    const bad = run('--db', db, '--since', 'yesterday-ish');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /'yesterday-ish' is not a time/);
    const missing = run('--db', join(dir, 'none.sqlite'));
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no such CDR database/);
  });

  it('reads ages and ISO times, and names what it cannot read (property)', () => {
    const now = Date.UTC(2026, 10, 29, 8, 0, 0);
    assert.equal(parseTime('30m', now), now - 30 * 60_000);
    assert.equal(parseTime('2d', now), now - 2 * 86_400_000);
    assert.equal(parseTime('2026-11-29', now), Date.UTC(2026, 10, 29));
    assert.equal(parseTime('2026-11-29T07:30Z', now), Date.UTC(2026, 10, 29, 7, 30));
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        try {
          assert.ok(Number.isFinite(parseTime(s, now)));
        } catch (err) {
          assert.ok(err instanceof RangeError && err.message.includes('is not a time'), String(err));
        }
      }),
    );
  });

  it('quotes CSV fields with commas, quotes and line breaks (RFC 4180)', () => {
    const csv = toCsv([{ ...sampleCdr(0), caller: 'a,"b"\nc' }]);
    assert.ok(csv.split('\r\n')[1]!.includes(',"a,""b""\nc",'));
  });
});
