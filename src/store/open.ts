/**
 * Opening the SQLite file: pragmas, migrations, and what happens when the file is not a
 * usable store. A corrupt file, a file that is not a database, or one written by a newer
 * sloprobe (future schema version) is moved aside as `sloprobe.db.corrupt-<timestamp>`
 * and a fresh store is started, with an error in the log: restarting cannot fix such a
 * file, so refusing to start would only turn it into a crash loop. Errors that are not
 * the file's fault (disk full, permissions on the directory, a lock held by another
 * process) are thrown as StoreError: moving a healthy store aside would lose history.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { acquireStoreLock, type StoreLock } from './lock.js';
import { MIGRATIONS, REQUIRED_TABLES, requiredTables, SCHEMA_VERSION } from './schema.js';

export type Db = Database.Database;

/**
 * The store's log: `fields.severity` is `error`, `warn` or `info`. Messages never carry
 * request data, only counts, file names and SQLite error codes.
 */
export type StoreLog = (msg: string, fields: Record<string, unknown>) => void;

export const DB_FILE = 'sloprobe.db';
export const MEMORY = ':memory:';

/** The file cannot be used as a store (wrong schema); handled like corruption. */
export class UnusableStoreFile extends Error {
  readonly code = 'SLOPROBE_STORE_SCHEMA';
}

/** SQLite result codes that mean "this file is damaged or is not a database". */
export function isDamagedFile(err: unknown): boolean {
  if (err instanceof UnusableStoreFile) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB'));
}

export function sqliteCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown';
}

/** ` (SQLITE_CORRUPT)` for an SQLite error, nothing for others (their message says it all). */
export function codeSuffix(err: unknown): string {
  const code = sqliteCode(err);
  return code.startsWith('SQLITE_') ? ` (${code})` : '';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function configure(db: Db): void {
  db.pragma('journal_mode = WAL');
  // WAL + NORMAL: a commit reaches the OS before it returns, so a killed process loses
  // nothing committed; only a power loss can drop the last transactions.
  db.pragma('synchronous = NORMAL');
  // Long enough to ride out a checkpoint by a concurrent `sloprobe report`, short enough
  // not to stall the event loop noticeably.
  db.pragma('busy_timeout = 1000');
}

/** Applies the missing migrations; throws UnusableStoreFile for a future or broken schema. */
export function migrate(db: Db, log: StoreLog): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new UnusableStoreFile(
      `schema version ${version} is newer than this sloprobe supports (${SCHEMA_VERSION}); it was written by a newer release`,
    );
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    const sql = MIGRATIONS[v] as string;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  if (version < SCHEMA_VERSION && version > 0) {
    log('store schema migrated', { severity: 'info', from: version, to: SCHEMA_VERSION });
  }
  checkTables(db, REQUIRED_TABLES);
}

function checkTables(db: Db, required: readonly string[]): void {
  const present = new Set(
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
      (r) => r.name,
    ),
  );
  const missing = required.filter((t) => !present.has(t));
  if (missing.length > 0) throw new UnusableStoreFile(`tables missing: ${missing.join(', ')}`);
}

function stamp(nowMs: number): string {
  return new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
}

/** Renames the database (and its -wal/-shm companions) out of the way; returns the new name. */
export function moveAside(file: string, nowMs: number): string {
  let target = `${file}.corrupt-${stamp(nowMs)}`;
  for (let n = 2; existsSync(target); n++) target = `${file}.corrupt-${stamp(nowMs)}-${n}`;
  renameSync(file, target);
  for (const suffix of ['-wal', '-shm', '-journal']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, target + suffix);
  }
  return target;
}

function openFile(file: string, log: StoreLog): Db {
  const db = new Database(file);
  try {
    configure(db);
    migrate(db, log);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

const NO_LOCK: StoreLock = { release() {} };

/**
 * Opens the live store (read-write, migrated), recovering from a damaged file. The data
 * dir's writer lock is taken first, before anything is read, migrated or logged: a second
 * sidecar on the same directory fails here (StoreError naming the holder's PID). The caller
 * releases `lock` when it closes `db`.
 */
export function openWritable(
  dataDir: string,
  log: StoreLog,
  nowMs: number,
): { db: Db; file: string; lock: StoreLock } {
  if (dataDir === MEMORY) {
    const db = new Database(MEMORY);
    migrate(db, log);
    return { db, file: MEMORY, lock: NO_LOCK };
  }
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new StoreError(`cannot create the data directory ${dataDir}: ${errorMessage(err)}`, { cause: err });
  }
  const lock = acquireStoreLock(dataDir);
  const file = join(dataDir, DB_FILE);
  try {
    return { db: openFile(file, log), file, lock };
  } catch (err) {
    if (!isDamagedFile(err)) {
      lock.release();
      throw new StoreError(`cannot open the store ${file}: ${errorMessage(err)}${codeSuffix(err)}`, {
        cause: err,
      });
    }
    try {
      return { db: recover(file, err, log, nowMs), file, lock };
    } catch (failed) {
      lock.release();
      throw failed;
    }
  }
}

/** Moves a damaged file aside and opens a fresh store in its place. */
export function recover(file: string, cause: unknown, log: StoreLog, nowMs: number): Db {
  let movedTo: string;
  try {
    movedTo = moveAside(file, nowMs);
  } catch (err) {
    throw new StoreError(
      `the store ${file} is unusable (${errorMessage(cause)}) and could not be moved aside: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  log('store file is unusable: moved it aside and started a fresh store; SLO history before now is lost', {
    severity: 'error',
    file,
    movedTo,
    reason: errorMessage(cause),
    code: sqliteCode(cause),
  });
  try {
    return openFile(file, log);
  } catch (err) {
    throw new StoreError(`cannot create a fresh store ${file}: ${errorMessage(err)}`, { cause: err });
  }
}

/**
 * openWritable, then `build` on the handle. `build` reads the first pages past the header
 * (the routes and state tables), so a damaged file it finds is moved aside once and `build`
 * runs again on a fresh one. When `build` fails for good, the lock is released before the
 * error goes up.
 */
export function openBuilt<T>(
  dataDir: string,
  log: StoreLog,
  now: () => number,
  build: (db: Db, file: string) => T,
): { built: T; lock: StoreLock } {
  const { db, file, lock } = openWritable(dataDir, log, now());
  try {
    return { built: build(db, file), lock };
  } catch (err) {
    db.close();
    try {
      if (file === MEMORY || !isDamagedFile(err)) {
        throw new StoreError(`cannot open the store ${file}: ${errorMessage(err)}${codeSuffix(err)}`, {
          cause: err,
        });
      }
      return { built: build(recover(file, err, log, now()), file), lock };
    } catch (failed) {
      lock.release();
      throw failed;
    }
  }
}

/**
 * Opens an existing store read-only (for `sloprobe report`, possibly while the sidecar
 * runs). Never migrates or moves anything: a damaged file is an error for the reader.
 */
export function openReadOnly(dataDir: string): { db: Db; file: string; version: number } {
  const file = join(dataDir, DB_FILE);
  if (!existsSync(file)) {
    throw new StoreError(
      `no store in ${dataDir} (${DB_FILE} not found; the sidecar creates it with --data-dir)`,
    );
  }
  let db: Db | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new UnusableStoreFile(
        `schema version ${version} is newer than this sloprobe supports (${SCHEMA_VERSION})`,
      );
    }
    if (version < 1) throw new UnusableStoreFile('not a sloprobe store (schema version 0)');
    // Older stores lack the later tables (version 1 the histograms: no exact p99s then).
    checkTables(db, requiredTables(version));
    return { db, file, version };
  } catch (err) {
    db?.close();
    throw new StoreError(`cannot read the store ${file}: ${errorMessage(err)}${codeSuffix(err)}`, {
      cause: err,
    });
  }
}
