// A CDR database written by the first schema (directions pstn-to-sip and
// sip-to-pstn only) opened by this version: every old row stays, with its
// id, and hairpin calls can be recorded as pstn-to-pstn.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CdrStore, type Cdr } from '../../src/call/cdr-store.js';

const cli = 'dist/src/cli/main.js';

/** The table as the first release created it. */
const FIRST_SCHEMA = `CREATE TABLE cdr (id INTEGER PRIMARY KEY, call_id TEXT NOT NULL UNIQUE, direction TEXT NOT NULL CHECK (direction IN ('pstn-to-sip', 'sip-to-pstn')), start_ms INTEGER NOT NULL, answer_ms INTEGER, end_ms INTEGER NOT NULL, caller TEXT NOT NULL, callee TEXT NOT NULL, route TEXT, emergency INTEGER NOT NULL DEFAULT 0, line TEXT, channel INTEGER, trunk TEXT, sip_call_id TEXT, codec TEXT, pstn_cause INTEGER, sip_status INTEGER, sip_cause INTEGER, hung_up_by TEXT NOT NULL CHECK (hung_up_by IN ('pstn', 'sip', 'gateway')), packet_loss REAL, jitter_ms REAL, recording TEXT)`;

const OLD_ROWS: Cdr[] = [
  { callId: 'call-1', direction: 'pstn-to-sip', start: 1_700_000_000_000, answer: 1_700_000_002_000, end: 1_700_000_060_000, caller: '2125550100', callee: '5551234', route: 'pbx-out', line: 'pbx', channel: 23, trunk: 'carrier', sipCallId: 'abc@gw', codec: 'PCMU', pstnCause: 16, hungUpBy: 'pstn', packetLoss: 0.01, jitterMs: 2.5, recording: '/var/rec/call-1.wav' },
  { callId: 'call-2', direction: 'sip-to-pstn', start: 1_700_000_100_000, end: 1_700_000_101_000, caller: '', callee: '911', emergency: true, line: 'pbx', channel: 1, trunk: 'carrier', pstnCause: 17, sipStatus: 486, sipCause: 17, hungUpBy: 'gateway' },
];

/** A database as the first release left it: WAL journal, two rows (ids 7 and 9). */
function firstReleaseDatabase(path: string, schema = FIRST_SCHEMA): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(schema);
  db.exec('CREATE INDEX cdr_start ON cdr (start_ms)');
  const hasRecording = schema.includes('recording TEXT');
  const insert = db.prepare(
    `INSERT INTO cdr (id, call_id, direction, start_ms, answer_ms, end_ms, caller, callee, route, emergency, line, channel, trunk, sip_call_id, codec, pstn_cause, sip_status, sip_cause, hung_up_by, packet_loss, jitter_ms${hasRecording ? ', recording' : ''}) VALUES (${Array(hasRecording ? 22 : 21).fill('?').join(', ')})`,
  );
  OLD_ROWS.forEach((r, i) => {
    const values = [7 + 2 * i, r.callId, r.direction, r.start, r.answer ?? null, r.end, r.caller, r.callee, r.route ?? null, r.emergency ? 1 : 0, r.line ?? null, r.channel ?? null, r.trunk ?? null, r.sipCallId ?? null, r.codec ?? null, r.pstnCause ?? null, r.sipStatus ?? null, r.sipCause ?? null, r.hungUpBy, r.packetLoss ?? null, r.jitterMs ?? null];
    if (hasRecording) values.push(r.recording ?? null);
    insert.run(...values);
  });
  db.close();
}

const hairpin: Cdr = { callId: 'call-3', direction: 'pstn-to-pstn', start: 1_700_000_200_000, answer: 1_700_000_203_000, end: 1_700_000_230_000, caller: '2125550100', callee: '5553000', route: 'pbx-out', line: 'co1', channel: 1, pstnCause: 16, hungUpBy: 'pstn' };

describe('CDR schema migration: pstn-to-pstn for hairpin calls', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sipline-cdr-mig-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every row of a first-release database, with its id, and then takes a pstn-to-pstn row', () => {
    const path = join(dir, 'cdr.sqlite');
    firstReleaseDatabase(path);
    assert.throws(() => {
      const db = new Database(path);
      try {
        db.prepare("INSERT INTO cdr (call_id, direction, start_ms, end_ms, caller, callee, hung_up_by) VALUES ('x', 'pstn-to-pstn', 1, 2, '', '', 'pstn')").run();
      } finally {
        db.close();
      }
    }, /CHECK constraint failed/, 'the old schema refuses pstn-to-pstn (what the migration is for)');

    const store = new CdrStore(path);
    assert.deepEqual(store.query(), OLD_ROWS);
    store.write(hairpin);
    assert.deepEqual(store.query(), [...OLD_ROWS, hairpin]);
    assert.throws(() => store.write({ ...hairpin, callId: 'call-4', direction: 'sideways' as Cdr['direction'] }), /CHECK constraint failed/, 'directions are still checked');
    assert.equal(store.integrity(), 'ok');
    store.close();

    const db = new Database(path, { readonly: true });
    const ids = db.prepare('SELECT id, call_id FROM cdr ORDER BY id').all();
    assert.deepEqual(ids, [{ id: 7, call_id: 'call-1' }, { id: 9, call_id: 'call-2' }, { id: 10, call_id: 'call-3' }]);
    assert.equal(db.pragma('user_version', { simple: true }), 2);
    assert.deepEqual(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cdr' AND sql IS NOT NULL").all(), [{ name: 'cdr_start' }]);
    db.close();

    // Opening it again changes nothing.
    const again = new CdrStore(path);
    assert.deepEqual(again.query(), [...OLD_ROWS, hairpin]);
    again.close();
  });

  it('migrates an older table without the recording column; its rows have no recording', () => {
    const path = join(dir, 'cdr.sqlite');
    firstReleaseDatabase(path, FIRST_SCHEMA.replace(', recording TEXT', ''));
    const store = new CdrStore(path);
    assert.deepEqual(store.query(), OLD_ROWS.map(({ recording: _r, ...rest }) => rest));
    store.write(hairpin);
    assert.equal(store.query().length, 3);
    store.close();
  });

  it('sipline cdr shows the hairpin call as pstn-to-pstn next to the old rows', function () {
    this.timeout(30000);
    const path = join(dir, 'cdr.sqlite');
    firstReleaseDatabase(path);
    const store = new CdrStore(path);
    store.write(hairpin);
    store.close();
    const text = spawnSync(process.execPath, [cli, 'cdr', '--db', path], { encoding: 'utf8' });
    assert.equal(text.status, 0, text.stderr);
    const lines = text.stdout.trim().split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[1]!, /\spstn-to-sip\s+2125550100\s+5551234\s/);
    assert.match(lines[2]!, /\ssip-to-pstn\s+911\s/);
    assert.match(lines[3]!, /\spstn-to-pstn\s+2125550100\s+5553000\s+co1\s+1\s/);
    const json = spawnSync(process.execPath, [cli, 'cdr', '--db', path, '--json'], { encoding: 'utf8' });
    assert.deepEqual((JSON.parse(json.stdout) as Cdr[]).map((r) => r.direction), ['pstn-to-sip', 'sip-to-pstn', 'pstn-to-pstn']);
  });
});
