/**
 * Downtime records and their history in the embedded store (tables of migration 3 in
 * src/store/schema.ts). Every write here runs inside the caller's `store.transaction()`,
 * together with the outbox events of the same change, so a record and its webhook commit or
 * roll back as one (src/notify/event.ts). Reads are for the API and the tracker's restart.
 */
import type { Statement } from 'better-sqlite3';
import type { Store } from '../store/store.js';
import {
  type DowntimeEntity,
  type DowntimeEventName,
  type DowntimeRecord,
  type DowntimeSeverity,
  type DowntimeSource,
  type DowntimeStatus,
  entityOf,
} from './entity.js';

interface Row {
  id: string;
  method: string;
  begin: number;
  end: number | null;
  status: string;
  scheduled: number;
  severity: string;
  instrument: string;
  created_at: number;
  updated_at: number;
  source: string;
  source_key: string | null;
  series: string;
  evidence_at: number | null;
}

export interface DowntimeQuery {
  readonly status?: DowntimeStatus;
  readonly method?: string;
  /** Unix seconds: downtimes that overlap [from, to]. */
  readonly from?: number;
  readonly to?: number;
  readonly count: number;
  readonly skip: number;
}

function fromRow(r: Row): DowntimeRecord {
  return {
    id: r.id,
    method: r.method,
    begin: r.begin,
    end: r.end,
    status: r.status as DowntimeStatus,
    scheduled: r.scheduled === 1,
    severity: r.severity as DowntimeSeverity,
    instrument: JSON.parse(r.instrument) as Record<string, string>,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    source: r.source as DowntimeSource,
    sourceKey: r.source_key,
    series: JSON.parse(r.series) as string[],
    evidenceAt: r.evidence_at,
  };
}

function params(r: DowntimeRecord): Record<string, unknown> {
  return {
    id: r.id,
    method: r.method,
    begin: r.begin,
    end: r.end,
    status: r.status,
    scheduled: r.scheduled ? 1 : 0,
    severity: r.severity,
    instrument: JSON.stringify(r.instrument),
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    source: r.source,
    source_key: r.sourceKey,
    series: JSON.stringify(r.series),
    evidence_at: r.evidenceAt,
  };
}

export class DowntimeStore {
  readonly store: Store;
  private readonly upsert: Statement;
  private readonly history: Statement;
  private readonly byId: Statement;
  private readonly historyById: Statement;
  private readonly open: Statement;
  private readonly bySource: Statement;
  private readonly prune: Statement;
  private readonly pruneHistory: Statement;

  constructor(store: Store) {
    this.store = store;
    const db = store.database;
    this.upsert = db.prepare(
      `INSERT OR REPLACE INTO downtimes (id, method, begin, "end", status, scheduled, severity, instrument,
         created_at, updated_at, source, source_key, series, evidence_at)
       VALUES (@id, @method, @begin, @end, @status, @scheduled, @severity, @instrument,
         @created_at, @updated_at, @source, @source_key, @series, @evidence_at)`,
    );
    this.history = db.prepare(
      'INSERT INTO downtime_history (downtime_id, at, event, entity) VALUES (?, ?, ?, ?)',
    );
    this.byId = db.prepare('SELECT * FROM downtimes WHERE id = ?');
    this.historyById = db.prepare(
      'SELECT at, event, entity FROM downtime_history WHERE downtime_id = ? ORDER BY seq',
    );
    this.open = db.prepare(
      "SELECT * FROM downtimes WHERE status IN ('scheduled', 'started') ORDER BY created_at, id",
    );
    this.bySource = db.prepare('SELECT id FROM downtimes WHERE source = ? AND source_key = ? LIMIT 1');
    this.prune = db.prepare(
      `DELETE FROM downtimes WHERE status IN ('resolved', 'cancelled') AND updated_at < ?`,
    );
    this.pruneHistory = db.prepare(
      'DELETE FROM downtime_history WHERE downtime_id NOT IN (SELECT id FROM downtimes)',
    );
  }

  /** Writes the record and one history row; call inside `store.transaction()`. */
  save(r: DowntimeRecord, event: DowntimeEventName): void {
    this.upsert.run(params(r));
    this.history.run(r.id, r.updatedAt, event, JSON.stringify(entityOf(r)));
  }

  /** Writes the record alone: a change no client sees (the tracker's evidence time). */
  put(r: DowntimeRecord): void {
    this.upsert.run(params(r));
  }

  get(id: string): DowntimeRecord | undefined {
    const row = this.byId.get(id) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Every change of one downtime, oldest first: the event and the entity as it was sent. */
  historyOf(id: string): { at: number; event: string; entity: DowntimeEntity }[] {
    const rows = this.historyById.all(id) as { at: number; event: string; entity: string }[];
    return rows.map((h) => ({ at: h.at, event: h.event, entity: JSON.parse(h.entity) as DowntimeEntity }));
  }

  /** Whether any record (open or finished) came from this source key. */
  hasSource(source: DowntimeSource, key: string): boolean {
    return this.bySource.get(source, key) !== undefined;
  }

  /** Scheduled and started records: what the tracker continues after a restart. */
  openRecords(): DowntimeRecord[] {
    return (this.open.all() as Row[]).map(fromRow);
  }

  /** Newest first (by begin, then creation), filtered and paged as Curlec's collections are. */
  list(q: DowntimeQuery): DowntimeRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.status !== undefined) {
      where.push('status = ?');
      args.push(q.status);
    }
    if (q.method !== undefined) {
      where.push('method = ?');
      args.push(q.method);
    }
    if (q.from !== undefined) {
      where.push('("end" IS NULL OR "end" >= ?)');
      args.push(q.from);
    }
    if (q.to !== undefined) {
      where.push('begin <= ?');
      args.push(q.to);
    }
    const sql = `SELECT * FROM downtimes ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY begin DESC, created_at DESC, id DESC LIMIT ? OFFSET ?`;
    const rows = this.store.database.prepare(sql).all(...args, q.count, q.skip) as Row[];
    return rows.map(fromRow);
  }

  /** Drops finished records last changed before `beforeSeconds`, and their history. */
  pruneBefore(beforeSeconds: number): number {
    const n = this.prune.run(beforeSeconds).changes;
    if (n > 0) this.pruneHistory.run();
    return n;
  }
}
