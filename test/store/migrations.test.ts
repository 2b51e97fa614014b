import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { newHdrCounts } from '../../src/store/histograms.js';
import { DB_FILE } from '../../src/store/open.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/schema.js';
import { Store } from '../../src/store/store.js';
import { captureLog, MARCH_1, MINUTE_MS, rollup, storeConfig, tempDir } from './fixtures.js';

const M0 = MARCH_1 / MINUTE_MS;

function userVersion(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

test('a new store is at the latest schema version, in WAL mode', (t) => {
  const dir = tempDir(t);
  const store = Store.open(storeConfig(dir), captureLog().log);
  store.close();
  const file = join(dir, DB_FILE);
  assert.equal(userVersion(file), SCHEMA_VERSION);
  assert.equal(SCHEMA_VERSION, MIGRATIONS.length);
  const db = new Database(file);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
});

test('a store written by the first schema version is migrated in place and keeps its rows', (t) => {
  const dir = tempDir(t);
  const file = join(dir, DB_FILE);
  const old = new Database(file);
  old.exec(MIGRATIONS[0] as string);
  old.pragma('user_version = 1');
  old.prepare("INSERT INTO routes (id, name) VALUES (1, 'disputes')").run();
  old.prepare("INSERT INTO minute_rollups VALUES (?, 1, 4, 3, 1, 0, 0, 1, 4, '0000')").run(M0);
  old.close();

  const { log, lines } = captureLog();
  const store = Store.open(storeConfig(dir), log);
  assert.deepEqual(store.readRollups(M0, M0 + 1), [
    {
      minute: M0,
      route: 'disputes',
      total: 4,
      good: 3,
      bad: 1,
      excluded: 0,
      slow: 0,
      errors: 1,
      distinct: 4,
      buckets: [0, 0, 0, 0],
    },
  ]);
  // The table added by migration 2 is usable.
  const counts = newHdrCounts();
  counts[1000] = 3;
  store.writeLatencyHistograms([{ hour: M0 / 60, route: 'disputes', counts }]);
  assert.equal(store.readLatencyHistograms(M0, M0 + 1).get('disputes')?.[1000], 3);
  store.close();
  assert.equal(userVersion(file), SCHEMA_VERSION);
  assert.ok(
    lines.some((l) => l.msg.includes('migrated') && l.fields.from === 1 && l.fields.to === SCHEMA_VERSION),
  );
});

test('the report can read a version-1 store without touching it (no exact p99 there)', (t) => {
  const dir = tempDir(t);
  const file = join(dir, DB_FILE);
  const old = new Database(file);
  old.pragma('journal_mode = WAL');
  old.exec(MIGRATIONS[0] as string);
  old.pragma('user_version = 1');
  old.close();
  const reader = Store.openReadOnly(dir);
  assert.equal(reader.readLatencyHistograms(M0, M0 + 60).size, 0);
  assert.deepEqual(reader.readRollups(M0, M0 + 60), []);
  reader.close();
  assert.equal(userVersion(file), 1, 'read-only: not migrated');
});

test('reopening a current store runs no migration and logs nothing', (t) => {
  const dir = tempDir(t);
  Store.open(storeConfig(dir), captureLog().log).close();
  const { log, lines } = captureLog();
  const store = Store.open(storeConfig(dir), log);
  store.writeRollups([rollup(M0, 'a', 1)]);
  store.close();
  assert.deepEqual(lines, []);
});

test('migration 1 is what shipped: its counter columns come from ROLLUP_COUNTERS, so a new counter needs a new migration', () => {
  // The rollup tables' counter columns as version 1 shipped them, written out by hand: if
  // a counter is added to telemetry/rollup.ts, this fails instead of a shipped migration
  // silently changing (stores at version 1 would never get the column).
  const columns = (table: string): string[] => {
    const db = new Database(':memory:');
    try {
      db.exec(MIGRATIONS[0] as string);
      return (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
    } finally {
      db.close();
    }
  };
  const counters = ['total', 'good', 'bad', 'excluded', 'slow', 'errors', 'distinct_requests'];
  assert.deepEqual(columns('minute_rollups'), ['minute', 'route_id', ...counters, 'buckets']);
  assert.deepEqual(columns('hour_rollups'), ['hour', 'route_id', ...counters, 'buckets', 'minutes']);
});
