/**
 * The embedded store: per-minute rollups (what the live recorder flushes every second),
 * hourly rollups for long retention, and hourly HDR histograms of SLI latency.
 *
 * Called from the sidecar's event loop, so every call is short: a write is one
 * transaction of at most a few hundred rows, and `compact` does a bounded amount of work
 * per call. `writeRollups` and `compact` never throw (they run on timers; a failure is
 * logged and retried); reads throw StoreError. Minute ranges are half-open
 * `[fromMinute, toMinute)` in epoch minutes.
 *
 * Payment-method series (src/payments) are kept in the same tables under a key of their own,
 * `~method:card` (METHOD_KEY_PREFIX): `~` is not allowed in a route name (as in probe keys,
 * telemetry/rollup.ts), so the two never meet, and the method minutes get the routes'
 * compaction and retention (minute detail kept in hourly rows) without a second copy of it.
 * `readRollups` returns routes only, `readMethodRollups` method series only.
 *
 * This class owns the handle and what happens on failure (backlog, damaged file replaced,
 * StoreError); the work is in its parts: open.ts and schema.ts (file, pragmas, migrations),
 * statements.ts, route-keys.ts (key ids), writes.ts, queries.ts, compact.ts.
 */
import type { StoreConfig } from '../config/types.js';
import { StoreError } from '../errors.js';
import type { MinuteRollup } from '../telemetry/rollup.js';
import {
  type CompactionMarks,
  type CompactOptions,
  type CompactResult,
  compactOnce,
  NO_WORK,
  STATE_PRUNED,
  STATE_ROLLED,
} from './compact.js';
import type { StoreLock } from './lock.js';
import {
  codeSuffix,
  type Db,
  errorMessage,
  isDamagedFile,
  MEMORY,
  openBuilt,
  openReadOnly,
  recover,
  type StoreLog,
  sqliteCode,
} from './open.js';
import { addLatencyHistograms, readMinuteRows } from './queries.js';
import { METHOD_KEY_PREFIX, RouteKeys } from './route-keys.js';
import { prepareStatements, type Statements } from './statements.js';
import { type HourLatencyCounts, RollupBacklog, writeHistogramBatch, writeMinuteBatch } from './writes.js';

export type { CompactOptions, CompactResult, HourLatencyCounts };
export { METHOD_KEY_PREFIX };

function noLog(): void {}

export class Store {
  #db: Db;
  readonly #file: string;
  readonly #readOnly: boolean;
  readonly #cfg: StoreConfig | undefined;
  readonly #log: StoreLog;
  readonly #now: () => number;
  #st: Statements;
  readonly #keys = new RouteKeys();
  /** Where compaction stands: minutes below these are rolled / pruned (store_state). */
  readonly #marks: CompactionMarks = { rolledBefore: 0, prunedBefore: 0 };
  readonly #backlog = new RollupBacklog();
  #closed = false;
  #lock: StoreLock | undefined;

  private constructor(
    db: Db,
    file: string,
    readOnly: boolean,
    cfg: StoreConfig | undefined,
    log: StoreLog,
    now: () => number,
  ) {
    this.#db = db;
    this.#file = file;
    this.#readOnly = readOnly;
    this.#cfg = cfg;
    this.#log = log;
    this.#now = now;
    this.#st = this.#load();
  }

  /**
   * Opens (creating the directory and file if missing) the live store under
   * `cfg.dataDir`, or an in-memory one for `:memory:`. A damaged or future-version file is
   * moved aside and logged; only a problem that a fresh file cannot fix throws StoreError.
   */
  static open(cfg: StoreConfig, log: StoreLog, options: { now?: () => number } = {}): Store {
    const now = options.now ?? Date.now;
    const { built, lock } = openBuilt(
      cfg.dataDir,
      log,
      now,
      (db, file) => new Store(db, file, false, cfg, log, now),
    );
    // Held until close(): the data dir has one writer (see lock.ts).
    built.#lock = lock;
    return built;
  }

  /** Opens an existing store for reading only (`sloprobe report`); throws StoreError if unusable. */
  static openReadOnly(dataDir: string): Store {
    const { db, file } = openReadOnly(dataDir);
    return new Store(db, file, true, undefined, noLog, Date.now);
  }

  /** The database file, or `:memory:`. */
  get file(): string {
    return this.#file;
  }

  /**
   * The open SQLite handle, for the modules that keep their own tables in this store
   * (downtimes, the notification outbox). It can change when a damaged file is replaced,
   * so take it per use, not once.
   */
  get database(): Db {
    return this.#db;
  }

  /** Runs `fn` in one store transaction: a state change and the events it causes commit together. */
  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }

  /** Rows waiting to be written after a failed write. */
  get pendingRows(): number {
    return this.#backlog.size;
  }

  /** Failed rollup writes since open (`sloprobe_store_write_failures_total`). */
  get writeFailures(): number {
    return this.#backlog.writeFailures;
  }

  /** Rollups given up beyond the bounded backlog (`sloprobe_store_dropped_rows_total`). */
  get droppedRows(): number {
    return this.#backlog.droppedRows;
  }

  #load(): Statements {
    const st = prepareStatements(this.#db, this.#readOnly);
    this.#keys.load(st);
    this.#marks.rolledBefore = (st.getState.get(STATE_ROLLED) as number | undefined) ?? 0;
    this.#marks.prunedBefore = (st.getState.get(STATE_PRUNED) as number | undefined) ?? 0;
    return st;
  }

  /** After a corruption error on the live store: move the file aside and continue on a fresh one. */
  #recoverIfDamaged(err: unknown): boolean {
    if (this.#readOnly || this.#file === MEMORY || !isDamagedFile(err)) return false;
    try {
      this.#db.close();
    } catch {
      // Closing a damaged handle may fail too; the file is moved aside either way.
    }
    this.#db = recover(this.#file, err, this.#log, this.#now());
    this.#st = this.#load();
    return true;
  }

  /**
   * Writes minute rollups in one transaction, replacing any row with the same (minute,
   * route): the live recorder re-sends the minute in progress every second. Never throws:
   * on failure the rows are kept in memory (bounded) and retried with the next call.
   */
  writeRollups(rows: readonly MinuteRollup[]): void {
    if (this.#readOnly || this.#closed) return;
    if (rows.length === 0 && this.#backlog.size === 0) return;
    const batch = this.#backlog.batch(rows);
    try {
      this.#writeBatch(batch);
    } catch (err) {
      let failure: unknown = err;
      try {
        // A damaged file is moved aside and these rows go to the fresh store.
        if (this.#recoverIfDamaged(err)) {
          this.#writeBatch(batch);
          failure = undefined;
        }
      } catch (again) {
        failure = again;
      }
      if (failure !== undefined) {
        this.#keys.forgetUnsaved(this.#st);
        this.#backlog.keep(batch, failure, this.#log, this.#file);
        return;
      }
    }
    this.#backlog.written(this.#log);
  }

  /** Through the current statements: a replaced file has new ones. */
  #writeBatch(rows: readonly MinuteRollup[]): void {
    writeMinuteBatch(this.#db, this.#st.write!, this.#keys, this.#marks, rows, this.#log);
  }

  /**
   * Writes payment-method series minutes (`route` is the series name, `method:card`), as
   * `writeRollups` does: same backlog on failure, same compaction and retention.
   */
  writeMethodRollups(rows: readonly MinuteRollup[]): void {
    if (rows.length === 0 && this.#backlog.size === 0) return;
    this.writeRollups(rows.map((r) => ({ ...r, route: `${METHOD_KEY_PREFIX}${r.route}` })));
  }

  /** Minute rollups in [fromMinute, toMinute), ordered by minute; rebuilt from hourly rows where minutes were pruned. */
  readRollups(fromMinute: number, toMinute: number): MinuteRollup[] {
    return this.#readRows(fromMinute, toMinute, false);
  }

  /** Payment-method series minutes in [fromMinute, toMinute), keyed by series name, as `readRollups`. */
  readMethodRollups(fromMinute: number, toMinute: number): MinuteRollup[] {
    return this.#readRows(fromMinute, toMinute, true);
  }

  #readRows(fromMinute: number, toMinute: number, methods: boolean): MinuteRollup[] {
    return this.#read(
      () => readMinuteRows(this.#st, this.#keys, this.#marks, fromMinute, toMinute, methods),
      [],
    );
  }

  #read<T>(fn: () => T, onRecovered: T): T {
    if (this.#closed) throw new StoreError('the store is closed');
    try {
      return fn();
    } catch (err) {
      if (err instanceof StoreError) throw err;
      if (this.#recoverIfDamaged(err)) return onRecovered;
      throw new StoreError(`cannot read the store ${this.#file}: ${errorMessage(err)}${codeSuffix(err)}`, {
        cause: err,
      });
    }
  }

  /**
   * Replaces each (hour, route) latency histogram: the recorder re-sends the current hour's
   * cumulative counts, as it does with minutes. Never throws.
   */
  writeLatencyHistograms(rows: readonly HourLatencyCounts[]): void {
    if (this.#readOnly || this.#closed || rows.length === 0) return;
    try {
      writeHistogramBatch(this.#db, this.#st.write!, this.#keys, rows);
    } catch (err) {
      if (!this.#recoverIfDamaged(err)) {
        this.#keys.forgetUnsaved(this.#st);
        this.#log('store histogram write failed', {
          severity: 'error',
          code: sqliteCode(err),
          reason: errorMessage(err),
        });
      }
    }
  }

  /**
   * SLI latency per route over every hour that overlaps [fromMinute, toMinute), merged into
   * one HDR counts array per route (see hdrPercentiles in telemetry/hdr-layout.ts).
   */
  readLatencyHistograms(fromMinute: number, toMinute: number): Map<string, Float64Array> {
    const out = new Map<string, Float64Array>();
    const select = this.#st.selectHistograms;
    if (!select) return out;
    return this.#read(
      () => addLatencyHistograms(this.#st, select, this.#keys, fromMinute, toMinute, out),
      out,
    );
  }

  /**
   * Rolls finished hours into hourly rows and prunes by retention (minutes, then hours).
   * Bounded work per call; never throws.
   */
  compact(nowMs: number, options: CompactOptions = {}): CompactResult {
    if (this.#readOnly || this.#closed || !this.#cfg) return NO_WORK;
    try {
      return compactOnce(this.#db, this.#st, this.#cfg, this.#marks, nowMs, options);
    } catch (err) {
      if (!this.#recoverIfDamaged(err)) {
        this.#log('store compaction failed', {
          severity: 'error',
          code: sqliteCode(err),
          reason: errorMessage(err),
        });
      }
      return NO_WORK;
    }
  }

  /** Retries pending rows once, then closes the database (checkpointing the WAL). */
  close(): void {
    if (this.#closed) return;
    if (this.#backlog.size > 0) this.writeRollups([]);
    if (this.#backlog.size > 0) {
      this.#log('store closed with unwritten rollups', { severity: 'error', rows: this.#backlog.size });
    }
    this.#closed = true;
    try {
      this.#db.close();
    } catch (err) {
      this.#log('store close failed', {
        severity: 'error',
        code: sqliteCode(err),
        reason: errorMessage(err),
      });
    }
    this.#lock?.release();
  }
}
