/**
 * Payment-method series minutes share the store's tables with the routes under keys no route
 * can have (`~method:card`): each kind reads back only its own rows, under its own names, and
 * the method rows get the routes' compaction (minute detail kept in hourly rows).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Store } from '../../src/store/store.js';
import type { MinuteRollup } from '../../src/telemetry/rollup.js';
import { captureLog, DAY_MS, MARCH_1, MINUTE_MS, rollup, storeConfig } from './fixtures.js';

const M0 = MARCH_1 / MINUTE_MS;

const byKey = (rows: readonly MinuteRollup[]) =>
  rows.map((r) => `${r.minute - M0} ${r.route} ${r.total}/${r.bad}`).sort();

test('route rows and method rows read back apart, each under its own name', () => {
  const store = Store.open(storeConfig(':memory:'), captureLog().log);
  // A route that happens to be called like a series: it must stay a route.
  store.writeRollups([rollup(M0, 'checkout', 10), rollup(M0, 'method:card', 3)]);
  store.writeMethodRollups([
    rollup(M0, 'method:card', 7, { good: 5, bad: 2 }),
    rollup(M0 + 1, 'method:fpx/bank=MB2U', 4),
  ]);
  assert.deepEqual(byKey(store.readRollups(M0, M0 + 2)), ['0 checkout 10/0', '0 method:card 3/0']);
  assert.deepEqual(byKey(store.readMethodRollups(M0, M0 + 2)), [
    '0 method:card 7/2',
    '1 method:fpx/bank=MB2U 4/0',
  ]);
  store.close();
});

test('a re-sent method minute replaces the stored one, as for routes', () => {
  const store = Store.open(storeConfig(':memory:'), captureLog().log);
  store.writeMethodRollups([rollup(M0, 'method:card', 3)]);
  store.writeMethodRollups([rollup(M0, 'method:card', 8)]);
  assert.deepEqual(byKey(store.readMethodRollups(M0, M0 + 1)), ['0 method:card 8/0']);
  store.close();
});

test('past the minute retention (35 days) method minutes come back from hourly rows, exact per minute', () => {
  const store = Store.open(storeConfig(':memory:'), captureLog().log);
  const rows: MinuteRollup[] = [];
  // 12 minutes with 6 errors of 100 across an hour boundary (minutes 55..66).
  for (let m = 0; m < 120; m++) {
    const errors = m >= 55 && m < 67 ? 6 : 0;
    rows.push(rollup(M0 + m, 'method:card', 100, { errors, bad: errors, good: 100 - errors }));
  }
  store.writeMethodRollups(rows);
  store.writeRollups([rollup(M0, 'checkout', 10)]);
  const result = store.compact(MARCH_1 + 36 * DAY_MS);
  // Hours 0 and 1 (the route minute is in hour 0); 120 method + 1 route minute rows pruned.
  assert.equal(result.rolledHours, 2);
  assert.equal(result.prunedMinuteRows, 121);
  const back = store.readMethodRollups(M0, M0 + 120);
  assert.equal(back.length, 120);
  assert.deepEqual(
    back.filter((r) => r.errors > 0).map((r) => r.minute - M0),
    [55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66],
  );
  assert.deepEqual(byKey(store.readRollups(M0, M0 + 120)), ['0 checkout 10/0']);
  store.close();
});
