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
 */
import type { StoreConfig } from '../config/types.js';
import { StoreError } from '../errors.js';
import { counterValues, type MinuteRollup } from '../telemetry/rollup.js';
import { encodeCounts } from './codec.js';
import {
  type CompactionMarks,
  type CompactOptions,
  type CompactResult,
  compactOnce,
  NO_WORK,
  STATE_PRUNED,
  STATE_ROLLED,
} from './compact.js';
import { addHdrCounts, encodeHdrCounts, newHdrCounts } from './histograms.js';
import { expandHourRow, MINUTES_PER_HOUR, rollupOfMinuteRow, type StoredRow } from './hour-rollups.js';
import type { StoreLock } from './lock.js';
import {
  codeSuffix,
  type Db,
  isDamagedFile,
  MEMORY,
  openReadOnly,
  openWritable,
  recover,
  type StoreLog,
  sqliteCode,
} from './open.js';
import { prepareStatements, type Statements } from './statements.js';

export type { CompactOptions, CompactResult };

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

/** Prefix of a payment-method series' key in the routes table. */
export const METHOD_KEY_PREFIX = '~';

function noLog(): void {}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function validRow(r: MinuteRollup): boolean {
  return Number.isSafeInteger(r.minute) && r.minute >= 0 && typeof r.route === 'string' && r.route.length > 0;
}

export class Store {
  #db: Db;
  readonly #file: string;
  readonly #readOnly: boolean;
  readonly #cfg: StoreConfig | undefined;
  readonly #log: StoreLog;
  readonly #now: () => number;
  #st: Statements;
  readonly #routeIds = new Map<string, number>();
  readonly #routeNames = new Map<number, string>();
  /** Where compaction stands: minutes below these are rolled / pruned (store_state). */
  readonly #marks: CompactionMarks = { rolledBefore: 0, prunedBefore: 0 };
  readonly #pending = new Map<string, MinuteRollup>();
  #failedWrites = 0;
  /** Every failed write since open (`#failedWrites` is the current streak, reset on success). */
  #writeFailures = 0;
  #droppedRows = 0;
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
    const { db, file, lock } = openWritable(cfg.dataDir, log, now());
    let store: Store;
    try {
      store = new Store(db, file, false, cfg, log, now);
    } catch (err) {
      // The constructor reads the routes and state tables: the first pages past the header.
      db.close();
      try {
        if (file === MEMORY || !isDamagedFile(err)) {
          throw new StoreError(`cannot open the store ${file}: ${message(err)}${codeSuffix(err)}`, {
            cause: err,
          });
        }
        store = new Store(recover(file, err, log, now()), file, false, cfg, log, now);
      } catch (failed) {
        lock.release();
        throw failed;
      }
    }
    // Held until close(): the data dir has one writer (see lock.ts).
    store.#lock = lock;
    return store;
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
    return this.#pending.size;
  }

  /** Failed rollup writes since open (`sloprobe_store_write_failures_total`). */
  get writeFailures(): number {
    return this.#writeFailures;
  }

  /** Rollups given up beyond the bounded backlog (`sloprobe_store_dropped_rows_total`). */
  get droppedRows(): number {
    return this.#droppedRows;
  }

  #load(): Statements {
    const st = prepareStatements(this.#db, this.#readOnly);
    this.#loadRoutes(st);
    this.#marks.rolledBefore = (st.getState.get(STATE_ROLLED) as number | undefined) ?? 0;
    this.#marks.prunedBefore = (st.getState.get(STATE_PRUNED) as number | undefined) ?? 0;
    return st;
  }

  #loadRoutes(st: Statements): void {
    this.#routeIds.clear();
    this.#routeNames.clear();
    for (const r of st.selectRoutes.all() as { id: number; name: string }[]) {
      this.#routeIds.set(r.name, r.id);
      this.#routeNames.set(r.id, r.name);
    }
  }

  /** A failed transaction rolled back the routes it added: the cached ids may not exist. */
  #forgetUnsavedRoutes(): void {
    try {
      this.#loadRoutes(this.#st);
    } catch {
      this.#routeIds.clear();
    }
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

  #routeId(name: string): number {
    let id = this.#routeIds.get(name);
    if (id === undefined) {
      const w = this.#st.write!;
      w.insertRoute.run(name);
      id = w.routeId.get(name) as number;
      this.#routeIds.set(name, id);
      this.#routeNames.set(id, name);
    }
    return id;
  }

  /**
   * Writes minute rollups in one transaction, replacing any row with the same (minute,
   * route): the live recorder re-sends the minute in progress every second. Never throws:
   * on failure the rows are kept in memory (bounded) and retried with the next call.
   */
  writeRollups(rows: readonly MinuteRollup[]): void {
    if (this.#readOnly || this.#closed) return;
    if (rows.length === 0 && this.#pending.size === 0) return;
    let batch: readonly MinuteRollup[] = rows;
    if (this.#pending.size > 0) {
      for (const r of rows) this.#pending.set(`${r.minute}\u0000${r.route}`, r);
      batch = [...this.#pending.values()];
    }
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
        this.#forgetUnsavedRoutes();
        this.#keepPending(batch, failure);
        return;
      }
    }
    this.#pending.clear();
    if (this.#failedWrites > 0) {
      this.#log('store writes succeed again', { severity: 'info', failedWrites: this.#failedWrites });
      this.#failedWrites = 0;
    }
  }

  #writeBatch(rows: readonly MinuteRollup[]): void {
    const w = this.#st.write!;
    let tooOld = 0;
    let invalid = 0;
    this.#db.transaction(() => {
      for (const r of rows) {
        if (!validRow(r)) {
          invalid++;
          continue;
        }
        // Below the pruned boundary only hourly rows exist; a lone minute row there would
        // replace a whole hour's sum at the next roll.
        if (r.minute < this.#marks.prunedBefore) {
          tooOld++;
          continue;
        }
        if (r.minute < this.#marks.rolledBefore) w.markDirty.run(Math.floor(r.minute / MINUTES_PER_HOUR));
        w.insertMinute.run(r.minute, this.#routeId(r.route), ...counterValues(r), encodeCounts(r.buckets));
      }
    })();
    if (tooOld + invalid > 0) {
      this.#log('store ignored rollups', { severity: 'warn', olderThanMinuteRetention: tooOld, invalid });
    }
  }

  #keepPending(batch: readonly MinuteRollup[], err: unknown): void {
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
      this.#log('store write failed; keeping rollups in memory and retrying', {
        severity: 'error',
        file: this.#file,
        code: sqliteCode(err),
        reason: message(err),
        pendingRows: this.#pending.size,
        droppedRows: this.#droppedRows,
        failedWrites: this.#failedWrites,
      });
    }
  }

  /**
   * Writes payment-method series minutes (`route` is the series name, `method:card`), as
   * `writeRollups` does: same backlog on failure, same compaction and retention.
   */
  writeMethodRollups(rows: readonly MinuteRollup[]): void {
    if (rows.length === 0 && this.#pending.size === 0) return;
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

  /** The name of a stored key of the kind asked for (method series without their prefix), else undefined. */
  #nameOf(id: number, methods: boolean): string | undefined {
    const key = this.#routeName(id);
    const isMethod = key.startsWith(METHOD_KEY_PREFIX);
    if (isMethod !== methods) return undefined;
    return methods ? key.slice(METHOD_KEY_PREFIX.length) : key;
  }

  #readRows(fromMinute: number, toMinute: number, methods: boolean): MinuteRollup[] {
    return this.#read(() => {
      const out: MinuteRollup[] = [];
      if (fromMinute < this.#marks.prunedBefore) {
        const end = Math.min(toMinute, this.#marks.prunedBefore);
        const rows = this.#st.selectHours.all(
          Math.floor(fromMinute / MINUTES_PER_HOUR),
          Math.ceil(end / MINUTES_PER_HOUR),
        ) as StoredRow[];
        for (const row of rows) {
          const name = this.#nameOf(row[1] as number, methods);
          if (name !== undefined) expandHourRow(row, name, fromMinute, end, out);
        }
        out.sort((a, b) => a.minute - b.minute);
      }
      const from = Math.max(fromMinute, this.#marks.prunedBefore);
      if (from < toMinute) {
        for (const row of this.#st.selectMinutes.iterate(from, toMinute) as Iterable<StoredRow>) {
          const name = this.#nameOf(row[1] as number, methods);
          if (name !== undefined) out.push(rollupOfMinuteRow(row, name));
        }
      }
      return out;
    }, []);
  }

  #routeName(id: number): string {
    let name = this.#routeNames.get(id);
    if (name === undefined) {
      // Written by another connection (the sidecar) since this one loaded the table.
      for (const r of this.#st.selectRoutes.all() as { id: number; name: string }[])
        this.#routeNames.set(r.id, r.name);
      name = this.#routeNames.get(id) ?? `route-${id}`;
    }
    return name;
  }

  #read<T>(fn: () => T, onRecovered: T): T {
    if (this.#closed) throw new StoreError('the store is closed');
    try {
      return fn();
    } catch (err) {
      if (err instanceof StoreError) throw err;
      if (this.#recoverIfDamaged(err)) return onRecovered;
      throw new StoreError(`cannot read the store ${this.#file}: ${message(err)}${codeSuffix(err)}`, {
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
      const w = this.#st.write!;
      this.#db.transaction(() => {
        for (const r of rows) {
          if (!Number.isSafeInteger(r.hour) || !r.route) continue;
          w.insertHistogram.run(r.hour, this.#routeId(r.route), encodeHdrCounts(r.counts));
        }
      })();
    } catch (err) {
      if (!this.#recoverIfDamaged(err)) {
        this.#forgetUnsavedRoutes();
        this.#log('store histogram write failed', {
          severity: 'error',
          code: sqliteCode(err),
          reason: message(err),
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
    return this.#read(() => {
      const from = Math.floor(fromMinute / MINUTES_PER_HOUR);
      const to = Math.ceil(toMinute / MINUTES_PER_HOUR);
      for (const r of select.iterate(from, to) as Iterable<{ route_id: number; histogram: string }>) {
        const route = this.#routeName(r.route_id);
        let counts = out.get(route);
        if (!counts) {
          counts = newHdrCounts();
          out.set(route, counts);
        }
        addHdrCounts(r.histogram, counts);
      }
      return out;
    }, out);
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
          reason: message(err),
        });
      }
      return NO_WORK;
    }
  }

  /** Retries pending rows once, then closes the database (checkpointing the WAL). */
  close(): void {
    if (this.#closed) return;
    if (this.#pending.size > 0) this.writeRollups([]);
    if (this.#pending.size > 0) {
      this.#log('store closed with unwritten rollups', { severity: 'error', rows: this.#pending.size });
    }
    this.#closed = true;
    try {
      this.#db.close();
    } catch (err) {
      this.#log('store close failed', { severity: 'error', code: sqliteCode(err), reason: message(err) });
    }
    this.#lock?.release();
  }
}
