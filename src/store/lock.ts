/**
 * One writer per data directory. Two sidecars writing one store both "work" and silently
 * lose counts (each keeps its own minute and overwrites the other's row), so the second one
 * must refuse to start.
 *
 * The lock is an OS lock (SQLite's POSIX advisory lock on `sloprobe.lock`, a tiny database of
 * its own held in `locking_mode = EXCLUSIVE`), not a PID file checked for liveness: the
 * kernel drops it the moment the holder dies, even by `kill -9`, so a restart is never
 * blocked by a stale file, and a reused PID (PID 1 in every container) cannot fool it.
 * It is a separate file because an exclusive lock on `sloprobe.db` itself would also shut
 * out `sloprobe report`, which reads the store while the sidecar runs.
 *
 * `sloprobe.pid` only says who holds the lock, for the error message; it decides nothing.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';

export const LOCK_FILE = 'sloprobe.lock';
export const PID_FILE = 'sloprobe.pid';

/** A held lock; `release()` is idempotent and also happens when the process dies. */
export interface StoreLock {
  release(): void;
}

/** The PID recorded by the holder, or undefined when the file is missing or unreadable. */
export function lockHolder(dataDir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(dataDir, PID_FILE), 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * Takes the data directory's writer lock, or throws StoreError (exit 1) naming the directory
 * and the PID that holds it. Never waits: a second sidecar should fail at once, not hang.
 */
export function acquireStoreLock(dataDir: string, pid: number = process.pid): StoreLock {
  const file = join(dataDir, LOCK_FILE);
  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    // The lock file holds no data: no journal to leave behind beside it.
    db.pragma('journal_mode = OFF');
    // A write transaction takes the EXCLUSIVE lock; in this locking mode it is kept after
    // COMMIT until the connection closes (or the process dies).
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (err) {
    db?.close();
    if (isBusy(err)) {
      const holder = lockHolder(dataDir);
      const who = holder === undefined ? 'another process' : `process ${holder}`;
      throw new StoreError(
        `the data dir ${dataDir} is in use by ${who} (another sloprobe run?): one store has one writer; stop it or give this one another --data-dir`,
        { cause: err },
      );
    }
    throw new StoreError(`cannot lock the data dir ${dataDir} (${file}): ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    writeFileSync(join(dataDir, PID_FILE), `${pid}\n`);
  } catch {
    // Only the error message of a second sidecar reads it; the lock holds without it.
  }
  const held = db;
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      // Remove the PID file first: once the lock is gone another process may write its own.
      if (lockHolder(dataDir) === pid) rmSync(join(dataDir, PID_FILE), { force: true });
      held.close();
    },
  };
}
