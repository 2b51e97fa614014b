/** Every SQL statement of the store, prepared once per database handle (single-value reads pluck). */
import type Database from 'better-sqlite3';
import { COUNTER_COLUMNS, ROLLUP_COUNTERS } from '../telemetry/rollup.js';
import type { Db } from './open.js';

// The counter columns in telemetry/rollup.ts order: rows are read and written positionally
// (hour-rollups.ts StoredRow), so this list is the only mapping between names and columns.
const COUNTER_COLS = ROLLUP_COUNTERS.map((c) => COUNTER_COLUMNS[c]).join(', ');
const COUNTER_MARKS = ROLLUP_COUNTERS.map(() => '?').join(', ');

type Stmt = Database.Statement;

export interface WriteStatements {
  readonly insertRoute: Stmt;
  readonly routeId: Stmt;
  readonly insertMinute: Stmt;
  readonly markDirty: Stmt;
  readonly dirtyHours: Stmt;
  readonly firstDirtyHour: Stmt;
  readonly deleteDirty: Stmt;
  readonly hoursToRoll: Stmt;
  readonly deleteHour: Stmt;
  readonly insertHour: Stmt;
  readonly firstMinute: Stmt;
  readonly pruneMinutes: Stmt;
  readonly pruneHours: Stmt;
  readonly pruneHistograms: Stmt;
  readonly insertHistogram: Stmt;
  readonly setState: Stmt;
}

export interface Statements {
  readonly selectRoutes: Stmt;
  readonly getState: Stmt;
  readonly selectMinutes: Stmt;
  readonly selectHours: Stmt;
  /** Absent in a read-only version-1 store, which has no histogram table. */
  readonly selectHistograms: Stmt | undefined;
  /** Absent when the store is opened read-only. */
  readonly write: WriteStatements | undefined;
}

function hasTable(db: Db, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

export function prepareStatements(db: Db, readOnly: boolean): Statements {
  const write: WriteStatements | undefined = readOnly
    ? undefined
    : {
        insertRoute: db.prepare('INSERT OR IGNORE INTO routes (name) VALUES (?)'),
        routeId: db.prepare('SELECT id FROM routes WHERE name = ?').pluck(),
        insertMinute: db.prepare(
          `INSERT OR REPLACE INTO minute_rollups (minute, route_id, ${COUNTER_COLS}, buckets) VALUES (?, ?, ${COUNTER_MARKS}, ?)`,
        ),
        markDirty: db.prepare('INSERT OR IGNORE INTO dirty_hours (hour) VALUES (?)'),
        dirtyHours: db.prepare('SELECT hour FROM dirty_hours WHERE hour < ? ORDER BY hour LIMIT ?').pluck(),
        firstDirtyHour: db.prepare('SELECT MIN(hour) FROM dirty_hours').pluck(),
        deleteDirty: db.prepare('DELETE FROM dirty_hours WHERE hour = ?'),
        // Integer division: the distinct hours that have minute rows in the range.
        hoursToRoll: db
          .prepare(
            'SELECT DISTINCT minute / 60 AS hour FROM minute_rollups WHERE minute >= ? AND minute < ? ORDER BY hour LIMIT ?',
          )
          .pluck(),
        deleteHour: db.prepare('DELETE FROM hour_rollups WHERE hour = ?'),
        insertHour: db.prepare(
          `INSERT OR REPLACE INTO hour_rollups (hour, route_id, ${COUNTER_COLS}, buckets, minutes) VALUES (?, ?, ${COUNTER_MARKS}, ?, ?)`,
        ),
        firstMinute: db.prepare('SELECT MIN(minute) FROM minute_rollups').pluck(),
        pruneMinutes: db.prepare('DELETE FROM minute_rollups WHERE minute < ?'),
        pruneHours: db.prepare('DELETE FROM hour_rollups WHERE hour < ?'),
        pruneHistograms: db.prepare('DELETE FROM hour_latency_hdr WHERE hour < ?'),
        insertHistogram: db.prepare('INSERT OR REPLACE INTO hour_latency_hdr VALUES (?, ?, ?)'),
        setState: db.prepare('INSERT OR REPLACE INTO store_state (key, value) VALUES (?, ?)'),
      };
  return {
    selectRoutes: db.prepare('SELECT id, name FROM routes'),
    getState: db.prepare('SELECT value FROM store_state WHERE key = ?').pluck(),
    selectMinutes: db
      .prepare(
        `SELECT minute, route_id, ${COUNTER_COLS}, buckets FROM minute_rollups WHERE minute >= ? AND minute < ?`,
      )
      .raw(),
    selectHours: db
      .prepare(
        `SELECT hour, route_id, ${COUNTER_COLS}, buckets, minutes FROM hour_rollups WHERE hour >= ? AND hour < ? ORDER BY hour, route_id`,
      )
      .raw(),
    selectHistograms: hasTable(db, 'hour_latency_hdr')
      ? db.prepare('SELECT hour, route_id, histogram FROM hour_latency_hdr WHERE hour >= ? AND hour < ?')
      : undefined,
    write,
  };
}
