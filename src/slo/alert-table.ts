/**
 * The flags that are up, in the store (`slo_alerts`, migration 3): written in the same
 * transaction as their `slo.alert.*` outbox rows, read on start so that a restart neither
 * raises a flag again nor loses the alert id its clear must carry.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/open.js';
import type { Store } from '../store/store.js';
import type { RaisedFlag } from './status.js';
import type { AlertRuleId, Severity } from './windows.js';

export interface StoredAlert extends RaisedFlag {
  readonly alertId: string;
}

interface Row {
  slo: string;
  severity: Severity;
  alert_id: string;
  raised_ms: number;
  rule: AlertRuleId | null;
}

export class AlertTable {
  readonly #store: Store;
  #db: Db | undefined;
  #st: { all: Statement; put: Statement; get: Statement; del: Statement } | undefined;

  constructor(store: Store) {
    this.#store = store;
  }

  get #s() {
    const db = this.#store.database;
    if (db !== this.#db || !this.#st) {
      this.#db = db;
      this.#st = {
        all: db.prepare('SELECT slo, severity, alert_id, raised_ms, rule FROM slo_alerts'),
        put: db.prepare(
          'INSERT OR REPLACE INTO slo_alerts (slo, severity, alert_id, raised_ms, rule) VALUES (?, ?, ?, ?, ?)',
        ),
        get: db.prepare('SELECT alert_id FROM slo_alerts WHERE slo = ? AND severity = ?'),
        del: db.prepare('DELETE FROM slo_alerts WHERE slo = ? AND severity = ?'),
      };
    }
    return this.#st;
  }

  all(): StoredAlert[] {
    return (this.#s.all.all() as Row[]).map((r) => ({
      slo: r.slo,
      severity: r.severity,
      raisedAt: r.raised_ms,
      rule: r.rule ?? undefined,
      alertId: r.alert_id,
    }));
  }

  raise(a: StoredAlert): void {
    this.#s.put.run(a.slo, a.severity, a.alertId, a.raisedAt, a.rule ?? null);
  }

  /** Removes the flag and returns the id its raise carried. */
  clear(slo: string, severity: Severity): string | undefined {
    const row = this.#s.get.get(slo, severity) as { alert_id: string } | undefined;
    this.#s.del.run(slo, severity);
    return row?.alert_id;
  }
}
