import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { newHdrCounts } from '../../src/store/histograms.js';
import { DB_FILE } from '../../src/store/open.js';
import { Store } from '../../src/store/store.js';
import { captureLog, MARCH_1, MINUTE_MS, rollup, storeConfig, tempDir } from './fixtures.js';

const M0 = MARCH_1 / MINUTE_MS;

test('rollups read back as written, in minute order, over a half-open range', () => {
  const store = Store.open(storeConfig(':memory:'), captureLog().log);
  const rows = [
    rollup(M0, 'a', 10, {
      bad: 2,
      good: 7,
      excluded: 1,
      slow: 3,
      errors: 2,
      distinct: 9,
      buckets: [1, 2, 3, 4],
    }),
    rollup(M0, 'b', 5),
    rollup(M0 + 1, 'a', 7),
    rollup(M0 + 2, 'a', 1),
  ];
  store.writeRollups(rows);
  assert.deepEqual(
    store.readRollups(M0, M0 + 2).sort((x, y) => x.minute - y.minute || x.route.localeCompare(y.route)),
    rows.slice(0, 3),
  );
  assert.deepEqual(store.readRollups(M0 + 2, M0 + 3), [rows[3]]);
  assert.deepEqual(store.readRollups(M0 + 3, M0 + 100), []);
  store.close();
});

test('re-sending a minute replaces it: the recorder re-sends the minute in progress every second', () => {
  const store = Store.open(storeConfig(':memory:'), captureLog().log);
  store.writeRollups([rollup(M0, 'a', 3)]);
  store.writeRollups([rollup(M0, 'a', 8, { bad: 1, good: 7 })]);
  const got = store.readRollups(M0, M0 + 1);
  assert.equal(got.length, 1);
  assert.equal(got[0]?.total, 8, 'replaced, not summed');
  assert.equal(got[0]?.bad, 1);
  store.close();
});

test('the data directory is created when missing and the rollups survive a reopen', (t) => {
  const dir = join(tempDir(t), 'nested', 'data');
  const { log } = captureLog();
  const store = Store.open(storeConfig(dir), log);
  assert.equal(store.file, join(dir, DB_FILE));
  store.writeRollups([rollup(M0, 'hpp-create-session', 42)]);
  store.close();
  assert.ok(existsSync(join(dir, DB_FILE)));
  const again = Store.open(storeConfig(dir), log);
  assert.equal(again.readRollups(M0, M0 + 1)[0]?.total, 42);
  again.close();
});

test('rows without a usable minute or route are skipped and logged, the rest is written', () => {
  const { log, lines } = captureLog();
  const store = Store.open(storeConfig(':memory:'), log);
  store.writeRollups([rollup(Number.NaN, 'a', 1), rollup(M0, '', 1), rollup(M0, 'ok', 1)]);
  assert.deepEqual(
    store.readRollups(M0, M0 + 1).map((r) => r.route),
    ['ok'],
  );
  assert.ok(lines.some((l) => l.fields.invalid === 2));
  store.close();
});

test('a read-only handle sees what the live store wrote, and new routes written after it opened', (t) => {
  const dir = tempDir(t);
  const live = Store.open(storeConfig(dir), captureLog().log);
  live.writeRollups([rollup(M0, 'a', 1)]);
  const reader = Store.openReadOnly(dir);
  live.writeRollups([rollup(M0 + 1, 'late-route', 2)]);
  assert.deepEqual(
    reader.readRollups(M0, M0 + 2).map((r) => [r.route, r.total]),
    [
      ['a', 1],
      ['late-route', 2],
    ],
  );
  reader.writeRollups([rollup(M0 + 5, 'a', 1)]);
  assert.equal(live.readRollups(M0 + 5, M0 + 6).length, 0, 'a read-only handle never writes');
  reader.close();
  live.close();
});

test('latency histograms are replaced per (hour, route) and merged per route over the overlapping hours', () => {
  const store = Store.open(storeConfig(':memory:'), captureLog().log);
  const h = MARCH_1 / 3_600_000;
  const cells = (pairs: [number, number][]) => {
    const c = newHdrCounts();
    for (const [i, n] of pairs) c[i] = n;
    return c;
  };
  store.writeLatencyHistograms([
    { hour: h, route: 'a', counts: cells([[100, 5]]) },
    { hour: h + 1, route: 'a', counts: cells([[200, 1]]) },
    { hour: h + 1, route: 'b', counts: cells([[300, 2]]) },
  ]);
  // The recorder re-sends the hour in progress with its cumulative counts.
  store.writeLatencyHistograms([
    {
      hour: h,
      route: 'a',
      counts: cells([
        [100, 7],
        [150, 1],
      ]),
    },
  ]);

  const both = store.readLatencyHistograms(M0 + 30, M0 + 61);
  assert.deepEqual([...both.keys()].sort(), ['a', 'b']);
  const a = both.get('a')!;
  assert.equal(a[100], 7, 'replaced, not added');
  assert.equal(a[150], 1);
  assert.equal(a[200], 1);
  assert.equal(both.get('b')![300], 2);

  const first = store.readLatencyHistograms(M0, M0 + 60);
  assert.deepEqual([...first.keys()], ['a']);
  assert.equal(first.get('a')![200], 0, 'the next hour is outside [M0, M0+60)');
  store.close();
});

test('a write that fails (the database locked by another process) never throws: rows wait and go with the next write', (t) => {
  const dir = tempDir(t);
  const { log, lines } = captureLog();
  const store = Store.open(storeConfig(dir), log);
  store.writeRollups([rollup(M0, 'a', 1)]);
  const other = new Database(join(dir, DB_FILE));
  other.exec('BEGIN IMMEDIATE'); // holds the write lock, as a stuck writer would
  store.writeRollups([rollup(M0 + 1, 'a', 2), rollup(M0 + 1, 'new-route', 5)]);
  assert.equal(store.pendingRows, 2);
  const failure = lines.find((l) => l.fields.severity === 'error');
  assert.equal(failure?.fields.code, 'SQLITE_BUSY');
  other.exec('ROLLBACK');
  other.close();
  store.writeRollups([rollup(M0 + 2, 'a', 3)]);
  assert.equal(store.pendingRows, 0);
  assert.deepEqual(
    store.readRollups(M0, M0 + 3).map((r) => [r.route, r.total]),
    [
      ['a', 1],
      ['a', 2],
      ['new-route', 5],
      ['a', 3],
    ],
    'a route first seen in the failed write is saved with the retry',
  );
  assert.ok(lines.some((l) => l.msg === 'store writes succeed again'));
  store.close();
});
