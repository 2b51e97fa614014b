/**
 * The store's writes, each one transaction that replaces any row with the same key (the
 * recorder re-sends the minute and the hour in progress): minute rollups, hourly SLI latency
 * histograms, and the bounded backlog of minute rollups kept in memory while writes fail
 * (retried with the next write, about once a second). store.ts decides when a failure is a
 * damaged file to replace; this file only writes and keeps.
 */
import { counterValues, type MinuteRollup } from '../telemetry/rollup.js';
import { encodeCounts } from './codec.js';
import type { CompactionMarks } from './compact.js';
import { encodeHdrCounts } from './histograms.js';
import { MINUTES_PER_HOUR } from './hour-rollups.js';
import { type Db, errorMessage, type StoreLog, sqliteCode } from './open.js';
import type { RouteKeys } from './route-keys.js';
import type { WriteStatements } from './statements.js';

/** One route's SLI latency cells for one hour (telemetry/hdr-layout.ts layout, microseconds). */
export interface HourLatencyCounts {
  /** Epoch hour: Math.floor(epochMs / 3_600_000). */
  readonly hour: number;
  readonly route: string;
  /** HDR counts array (length HDR_COUNTS_LENGTH); only its non-zero cells are stored. */
  readonly counts: ArrayLike<number>;
}

/** Rows kept in memory while writes fail (~10 minutes of 150 routes). */
const MAX_PENDING = 100_000;

function validRow(r: MinuteRollup): boolean {
  return Number.isSafeInteger(r.minute) && r.minute >= 0 && typeof r.route === 'string' && r.route.length > 0;
}

/** Writes `rows` in one transaction; throws what SQLite throws (the transaction rolled back). */
export function writeMinuteBatch(
  db: Db,
  w: WriteStatements,
  keys: RouteKeys,
  marks: CompactionMarks,
  rows: readonly MinuteRollup[],
  log: StoreLog,
): void {
  let tooOld = 0;
  let invalid = 0;
  db.transaction(() => {
    for (const r of rows) {
      if (!validRow(r)) {
        invalid++;
        continue;
      }
      // Below the pruned boundary only hourly rows exist; a lone minute row there would
      // replace a whole hour's sum at the next roll.
      if (r.minute < marks.prunedBefore) {
        tooOld++;
        continue;
      }
      if (r.minute < marks.rolledBefore) w.markDirty.run(Math.floor(r.minute / MINUTES_PER_HOUR));
      w.insertMinute.run(r.minute, keys.idOf(w, r.route), ...counterValues(r), encodeCounts(r.buckets));
    }
  })();
  if (tooOld + invalid > 0) {
    log('store ignored rollups', { severity: 'warn', olderThanMinuteRetention: tooOld, invalid });
  }
}

/** Writes `rows` (rows without a valid hour or route are skipped) in one transaction; throws as SQLite does. */
export function writeHistogramBatch(
  db: Db,
  w: WriteStatements,
  keys: RouteKeys,
  rows: readonly HourLatencyCounts[],
): void {
  db.transaction(() => {
    for (const r of rows) {
      if (!Number.isSafeInteger(r.hour) || !r.route) continue;
      w.insertHistogram.run(r.hour, keys.idOf(w, r.route), encodeHdrCounts(r.counts));
    }
  })();
}

/** The rollups not written yet, newest per (minute, route), and the failure counts. */
export class RollupBacklog {
  readonly #pending = new Map<string, MinuteRollup>();
  /** The current streak of failed writes (reset on success). */
  #failedWrites = 0;
  #writeFailures = 0;
  #droppedRows = 0;

  get size(): number {
    return this.#pending.size;
  }

  /** Every failed write since open (`#failedWrites` is the current streak). */
  get writeFailures(): number {
    return this.#writeFailures;
  }

  /** Rollups given up beyond the bound. */
  get droppedRows(): number {
    return this.#droppedRows;
  }

  /** What to write now: `rows` alone, or (after a failure) the backlog with `rows` merged in. */
  batch(rows: readonly MinuteRollup[]): readonly MinuteRollup[] {
    if (this.#pending.size === 0) return rows;
    for (const r of rows) this.#pending.set(`${r.minute}\u0000${r.route}`, r);
    return [...this.#pending.values()];
  }

  /** The batch is written: the backlog empties, and the end of a failure streak is logged. */
  written(log: StoreLog): void {
    this.#pending.clear();
    if (this.#failedWrites > 0) {
      log('store writes succeed again', { severity: 'info', failedWrites: this.#failedWrites });
      this.#failedWrites = 0;
    }
  }

  /** The batch failed: it is kept (dropping the oldest rows past the bound) and retried later. */
  keep(batch: readonly MinuteRollup[], err: unknown, log: StoreLog, file: string): void {
    this.#failedWrites++;
    this.#writeFailures++;
    if (this.#pending.size === 0) for (const r of batch) this.#pending.set(`${r.minute}\u0000${r.route}`, r);
    let dropped = 0;
    for (const key of this.#pending.keys()) {
      if (this.#pending.size <= MAX_PENDING) break;
      this.#pending.delete(key);
      dropped++;
    }
    this.#droppedRows += dropped;
    // One line when a failure streak starts, then one per minute of retries (at 1 write/s).
    if (this.#failedWrites === 1 || this.#failedWrites % 60 === 0) {
      log('store write failed; keeping rollups in memory and retrying', {
        severity: 'error',
        file,
        code: sqliteCode(err),
        reason: errorMessage(err),
        pendingRows: this.#pending.size,
        droppedRows: this.#droppedRows,
        failedWrites: this.#failedWrites,
      });
    }
  }
}
