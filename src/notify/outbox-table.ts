/**
 * The outbox's rows in the store (migration 3 of src/store/schema.ts). Statements are
 * prepared per database handle: the store swaps its handle when it replaces a damaged file.
 *
 * A row is `pending` until it is `delivered`, `expired` (no success within 24 hours) or
 * `gone` (the endpoint answered 410 and was disabled). Finished rows are kept a week, for
 * a look at what was sent, then pruned.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/open.js';
import type { Store } from '../store/store.js';

export type RowState = 'pending' | 'delivered' | 'expired' | 'gone';

export interface OutboxRow {
  readonly seq: number;
  readonly endpoint: string;
  readonly event_id: string;
  readonly event: string;
  readonly body: string;
  readonly created_ms: number;
  readonly attempts: number;
  readonly next_ms: number;
}

export const KEEP_FINISHED_MS = 7 * 86_400_000;

interface Statements {
  readonly insert: Statement;
  readonly head: Statement;
  readonly finish: Statement;
  readonly retry: Statement;
  readonly finishAll: Statement;
  readonly pending: Statement;
  readonly disable: Statement;
  readonly disabled: Statement;
  readonly prune: Statement;
}

function prepare(db: Db): Statements {
  return {
    insert: db.prepare(
      `INSERT OR IGNORE INTO outbox (endpoint, event_id, event, body, created_ms, state, next_ms)
       VALUES (?, ?, ?, ?, ?, 'pending', ?)`,
    ),
    head: db.prepare(
      `SELECT seq, endpoint, event_id, event, body, created_ms, attempts, next_ms FROM outbox
       WHERE endpoint = ? AND state = 'pending' ORDER BY seq LIMIT 1`,
    ),
    finish: db.prepare(
      'UPDATE outbox SET state = ?, attempts = attempts + 1, last_status = ?, done_ms = ? WHERE seq = ?',
    ),
    retry: db.prepare(
      'UPDATE outbox SET attempts = attempts + 1, last_status = ?, next_ms = ? WHERE seq = ?',
    ),
    finishAll: db.prepare(
      `UPDATE outbox SET state = ?, done_ms = ? WHERE endpoint = ? AND state = 'pending'`,
    ),
    pending: db.prepare(
      `SELECT count(*) AS n, min(created_ms) AS oldest FROM outbox WHERE endpoint = ? AND state = 'pending'`,
    ),
    disable: db.prepare(
      'INSERT OR REPLACE INTO webhook_endpoints (endpoint, disabled_ms, status) VALUES (?, ?, ?)',
    ),
    disabled: db.prepare('SELECT disabled_ms, status FROM webhook_endpoints WHERE endpoint = ?'),
    prune: db.prepare(`DELETE FROM outbox WHERE state <> 'pending' AND done_ms < ?`),
  };
}

export class OutboxTable {
  readonly #store: Store;
  #db: Db | undefined;
  #st: Statements | undefined;

  constructor(store: Store) {
    this.#store = store;
  }

  get #s(): Statements {
    const db = this.#store.database;
    if (db !== this.#db || !this.#st) {
      this.#db = db;
      this.#st = prepare(db);
    }
    return this.#st;
  }

  /** Inserts one row; a second insert of the same (endpoint, event id) is ignored. */
  insert(endpoint: string, eventId: string, event: string, body: string, nowMs: number): void {
    this.#s.insert.run(endpoint, eventId, event, body, nowMs, nowMs);
  }

  /** The endpoint's oldest pending row: the only one that may be sent (per-endpoint order). */
  head(endpoint: string): OutboxRow | undefined {
    return this.#s.head.get(endpoint) as OutboxRow | undefined;
  }

  finish(seq: number, state: RowState, status: number | null, nowMs: number): void {
    this.#s.finish.run(state, status, nowMs, seq);
  }

  retryAt(seq: number, status: number | null, nextMs: number): void {
    this.#s.retry.run(status, nextMs, seq);
  }

  pending(endpoint: string): { n: number; oldest: number | null } {
    return this.#s.pending.get(endpoint) as { n: number; oldest: number | null };
  }

  /** Disables the endpoint for good (persisted) and closes its pending rows as `gone`. */
  disable(endpoint: string, status: number, nowMs: number): void {
    this.#store.transaction(() => {
      this.#s.disable.run(endpoint, nowMs, status);
      this.#s.finishAll.run('gone', nowMs, endpoint);
    });
  }

  disabledSince(endpoint: string): number | undefined {
    const row = this.#s.disabled.get(endpoint) as { disabled_ms: number } | undefined;
    return row?.disabled_ms;
  }

  prune(nowMs: number): number {
    return this.#s.prune.run(nowMs - KEEP_FINISHED_MS).changes;
  }
}
