// Call detail records in SQLite: one row per call, both legs, written once
// when the call ends.
import Database from 'better-sqlite3';

/** Which side ended the call. */
export type HungUpBy = 'pstn' | 'sip' | 'gateway';

/** One finished call. Times are milliseconds since the epoch. */
export interface Cdr {
  /** The gateway's call id (the bridge's). */
  callId: string;
  /** pstn-to-pstn: a hairpin, a line calling out on another line (trunk failover). */
  direction: 'pstn-to-sip' | 'sip-to-pstn' | 'pstn-to-pstn';
  start: number;
  answer?: number;
  end: number;
  caller: string;
  callee: string;
  /** Route that carried the call (name or routes[i]). */
  route?: string;
  emergency?: boolean;
  /** PSTN leg: span or port name, channel on it. */
  line?: string;
  channel?: number;
  /** SIP leg: trunk and SIP Call-ID. */
  trunk?: string;
  sipCallId?: string;
  codec?: string;
  /** Q.850 cause on the PSTN side. */
  pstnCause?: number;
  /** Final SIP status (undefined for BYE/CANCEL), and the Q.850 cause of its Reason header. */
  sipStatus?: number;
  sipCause?: number;
  hungUpBy: HungUpBy;
  /** Fraction of RTP packets lost, 0..1 (RFC 3550 §6.4.1). */
  packetLoss?: number;
  /** Interarrival jitter in milliseconds (RFC 3550 §6.4.1). */
  jitterMs?: number;
  recording?: string;
}

const COLUMNS = [
  ['call_id', 'callId', 'TEXT NOT NULL UNIQUE'],
  ['direction', 'direction', "TEXT NOT NULL CHECK (direction IN ('pstn-to-sip', 'sip-to-pstn', 'pstn-to-pstn'))"],
  ['start_ms', 'start', 'INTEGER NOT NULL'],
  ['answer_ms', 'answer', 'INTEGER'],
  ['end_ms', 'end', 'INTEGER NOT NULL'],
  ['caller', 'caller', 'TEXT NOT NULL'],
  ['callee', 'callee', 'TEXT NOT NULL'],
  ['route', 'route', 'TEXT'],
  ['emergency', 'emergency', 'INTEGER NOT NULL DEFAULT 0'],
  ['line', 'line', 'TEXT'],
  ['channel', 'channel', 'INTEGER'],
  ['trunk', 'trunk', 'TEXT'],
  ['sip_call_id', 'sipCallId', 'TEXT'],
  ['codec', 'codec', 'TEXT'],
  ['pstn_cause', 'pstnCause', 'INTEGER'],
  ['sip_status', 'sipStatus', 'INTEGER'],
  ['sip_cause', 'sipCause', 'INTEGER'],
  ['hung_up_by', 'hungUpBy', "TEXT NOT NULL CHECK (hung_up_by IN ('pstn', 'sip', 'gateway'))"],
  ['packet_loss', 'packetLoss', 'REAL'],
  ['jitter_ms', 'jitterMs', 'REAL'],
  ['recording', 'recording', 'TEXT'],
] as const satisfies readonly (readonly [string, keyof Cdr, string])[];

type Row = Record<string, string | number | null>;

/**
 * PRAGMA user_version of the schema this code writes. 0: the first schema
 * (directions pstn-to-sip and sip-to-pstn only); 2: pstn-to-pstn allowed.
 */
const SCHEMA_VERSION = 2;

const createTable = (name: string): string => `CREATE TABLE ${name} (id INTEGER PRIMARY KEY, ${COLUMNS.map(([c, , t]) => `${c} ${t}`).join(', ')})`;

/**
 * The CDR database. Durability: WAL journal, every record its own
 * transaction, synchronous=NORMAL. When write() returns, the row is in the
 * WAL file (in the kernel's page cache at least), so it survives the process
 * being killed, kill -9 included: SQLite replays the WAL on the next open.
 * Only a power cut or kernel crash can lose the last records before it.
 * FULL (an fsync per call) would cover that too, but it blocks the event
 * loop for the whole fsync on every finished call (bench/dial-plan.ts: about
 * 50 times slower), and that loop also carries RTP; pass it explicitly when
 * the records matter more than that.
 */
export class CdrStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;

  constructor(
    readonly path: string,
    opts: { readonly?: boolean; synchronous?: 'NORMAL' | 'FULL' } = {},
  ) {
    this.db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
    this.db.pragma('busy_timeout = 5000');
    if (!opts.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
      this.migrate();
    }
    this.insert = opts.readonly
      ? this.db.prepare('SELECT 1')
      : this.db.prepare(`INSERT INTO cdr (${COLUMNS.map(([c]) => c).join(', ')}) VALUES (${COLUMNS.map(([c]) => '@' + c).join(', ')})`);
  }

  /**
   * Brings an older database to SCHEMA_VERSION, keeping every row and its id.
   * SQLite cannot change a CHECK constraint in place, so the rows are copied
   * into a table of the new schema that then takes the old one's name, all
   * in one write transaction (a second gateway opening the file waits).
   */
  private migrate(): void {
    this.db
      .transaction(() => {
        if ((this.db.pragma('user_version', { simple: true }) as number) >= SCHEMA_VERSION) return;
        const old = this.db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'cdr'").get() as { sql: string } | undefined;
        if (!old) this.db.exec(createTable('cdr'));
        else if (!old.sql.includes("'pstn-to-pstn'")) {
          // Columns the old table lacks stay NULL (or their default) in the copies.
          const have = new Set((this.db.prepare('PRAGMA table_info(cdr)').all() as { name: string }[]).map((c) => c.name));
          const cols = ['id', ...COLUMNS.map(([c]) => c).filter((c) => have.has(c))].join(', ');
          this.db.exec(createTable('cdr_migrating'));
          this.db.exec(`INSERT INTO cdr_migrating (${cols}) SELECT ${cols} FROM cdr`);
          this.db.exec('DROP TABLE cdr');
          this.db.exec('ALTER TABLE cdr_migrating RENAME TO cdr');
        }
        this.db.exec('CREATE INDEX IF NOT EXISTS cdr_start ON cdr (start_ms)');
        this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
      })
      .immediate();
  }

  /** Writes the record of a finished call; durable when it returns. */
  write(cdr: Cdr): void {
    const row: Row = {};
    for (const [col, key] of COLUMNS) {
      const v = cdr[key];
      row[col] = key === 'emergency' ? Number(v === true) : v === undefined ? null : (v as string | number);
    }
    this.insert.run(row);
  }

  /** Records of calls that started in [since, until), oldest first. */
  query(range: { since?: number; until?: number } = {}): Cdr[] {
    const rows = this.db
      .prepare(`SELECT ${COLUMNS.map(([c]) => c).join(', ')} FROM cdr WHERE start_ms >= ? AND start_ms < ? ORDER BY start_ms, id`)
      .all(range.since ?? 0, range.until ?? Number.MAX_SAFE_INTEGER) as Row[];
    return rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (const [col, key] of COLUMNS) {
        const v = row[col];
        if (v === null || v === undefined) continue;
        out[key] = key === 'emergency' ? v === 1 : v;
      }
      if (out.emergency === false) delete out.emergency;
      return out as unknown as Cdr;
    });
  }

  /** "ok" when SQLite finds the file sound. */
  integrity(): string {
    return (this.db.pragma('integrity_check', { simple: true }) as string) ?? 'unknown';
  }

  close(): void {
    this.db.close();
  }
}
