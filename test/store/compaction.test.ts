import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoreConfig } from '../../src/config/types.js';
import { Store } from '../../src/store/store.js';
import type { MinuteRollup } from '../../src/telemetry/rollup.js';
import { captureLog, DAY_MS, HOUR_MS, MARCH_1, MINUTE_MS, rollup, storeConfig } from './fixtures.js';

const M0 = MARCH_1 / MINUTE_MS;

/** `hours` hours of traffic on two routes, every counter different per minute. */
function traffic(hours: number): MinuteRollup[] {
  const rows: MinuteRollup[] = [];
  for (let m = 0; m < hours * 60; m++) {
    for (const route of ['payments', 'disputes']) {
      if (route === 'disputes' && m % 7 === 3) continue; // minutes without traffic
      const total = 50 + (m % 13);
      const bad = m % 5;
      const excluded = m % 3 === 0 ? 1 : 0;
      rows.push({
        minute: M0 + m,
        route,
        total,
        good: total - bad - excluded,
        bad,
        excluded,
        slow: m % 4,
        errors: bad,
        distinct: total - (m % 2),
        buckets: [m % 2, total - (m % 2) - (m % 4), m % 4, 0],
      });
    }
  }
  return rows;
}

function sorted(rows: readonly MinuteRollup[]): MinuteRollup[] {
  return [...rows].sort((a, b) => a.minute - b.minute || a.route.localeCompare(b.route));
}

function sum(rows: readonly MinuteRollup[], key: 'total' | 'bad' | 'slow'): number {
  return rows.reduce((s, r) => s + r[key], 0);
}

function bucketSums(rows: readonly MinuteRollup[]): number[] {
  const out = [0, 0, 0, 0];
  for (const r of rows) {
    for (let i = 0; i < r.buckets.length; i++) out[i] = (out[i] ?? 0) + (r.buckets[i] ?? 0);
  }
  return out;
}

function open(overrides: Partial<StoreConfig> = {}) {
  const captured = captureLog();
  return { store: Store.open(storeConfig(':memory:', overrides), captured.log), lines: captured.lines };
}

test('finished hours are rolled up while their minute rows stay until the minute retention', () => {
  const { store } = open();
  const rows = traffic(3);
  store.writeRollups(rows);
  const end = MARCH_1 + 3 * HOUR_MS;
  // The last hour ended 1 h ago: with the default 2 h settling time it is not rolled yet.
  assert.equal(store.compact(end + HOUR_MS).rolledHours, 2);
  assert.equal(store.compact(end + 2 * HOUR_MS).rolledHours, 1);
  assert.equal(store.compact(end + 2 * HOUR_MS).rolledHours, 0, 'nothing rolled twice');
  assert.deepEqual(sorted(store.readRollups(M0, M0 + 180)), sorted(rows));
  store.close();
});

test('past the minute retention (35 days) minutes are rebuilt from hourly rows: every counter exact per minute', () => {
  const { store } = open();
  const rows = traffic(3);
  store.writeRollups(rows);
  const result = store.compact(MARCH_1 + 36 * DAY_MS);
  assert.equal(result.rolledHours, 3);
  assert.equal(result.prunedMinuteRows, rows.length);

  const back = sorted(store.readRollups(M0, M0 + 180));
  assert.equal(back.length, rows.length);
  const expected = sorted(rows);
  for (let i = 0; i < back.length; i++) {
    const { buckets: _b, ...got } = back[i] as MinuteRollup;
    const { buckets: _e, ...want } = expected[i] as MinuteRollup;
    assert.deepEqual(got, want);
  }
  // Buckets are kept per hour: each hour's sum is exact.
  for (let h = 0; h < 3; h++) {
    const inHour = (r: MinuteRollup) => r.minute >= M0 + h * 60 && r.minute < M0 + h * 60 + 60;
    assert.deepEqual(bucketSums(back.filter(inHour)), bucketSums(rows.filter(inHour)));
  }
  // A range that cuts an hour still gets exact counters for the minutes in it.
  const part = store.readRollups(M0 + 70, M0 + 100);
  assert.equal(
    sum(part, 'total'),
    sum(
      rows.filter((r) => r.minute >= M0 + 70 && r.minute < M0 + 100),
      'total',
    ),
  );
  store.close();
});

test('a Downtime Period can still be found in a month whose minute rows are pruned (docs/sla-definitions.md#downtime-period)', () => {
  // docs/sla-definitions.md#downtime-period: "Downtime Period: a period of ten (10) or more consecutive minutes of
  // Downtime" -- so an old month's report needs each minute's errors and distinct requests.
  const { store } = open();
  const rows: MinuteRollup[] = [];
  for (let m = 0; m < 120; m++) {
    const errors = m >= 35 && m < 47 ? 6 : 0; // 12 minutes at 6% across an hour boundary
    rows.push(rollup(M0 + m, 'checkout', 100, { errors, bad: errors, good: 100 - errors }));
  }
  store.writeRollups(rows);
  store.compact(MARCH_1 + 40 * DAY_MS);
  const back = store.readRollups(M0, M0 + 120);
  const downtime = back.filter((r) => r.errors / r.distinct > 0.05).map((r) => r.minute - M0);
  assert.deepEqual(downtime, [35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46]);
  store.close();
});

test('past the hour retention (400 days) nothing is left', () => {
  const { store } = open();
  store.writeRollups(traffic(2));
  store.compact(MARCH_1 + 36 * DAY_MS);
  assert.notEqual(store.readRollups(M0, M0 + 120).length, 0);
  const result = store.compact(MARCH_1 + 401 * DAY_MS);
  assert.ok(result.prunedHourRows > 0);
  assert.deepEqual(store.readRollups(M0, M0 + 120), []);
  store.close();
});

test('retention is configurable', () => {
  const { store } = open({ minuteRetentionMs: DAY_MS, hourRetentionMs: 7 * DAY_MS });
  const rows = traffic(1);
  store.writeRollups(rows);
  assert.equal(store.compact(MARCH_1 + 2 * DAY_MS).prunedMinuteRows, rows.length);
  assert.equal(store.readRollups(M0, M0 + 60).length, rows.length, 'rebuilt from hours');
  store.compact(MARCH_1 + 8 * DAY_MS);
  assert.deepEqual(store.readRollups(M0, M0 + 60), []);
  store.close();
});

test('a minute re-written after its hour was rolled makes the hour roll again', () => {
  const { store } = open();
  store.writeRollups(traffic(3));
  store.compact(MARCH_1 + 6 * HOUR_MS);
  store.writeRollups([rollup(M0 + 10, 'payments', 1000, { bad: 1000, good: 0 })]);
  assert.equal(store.compact(MARCH_1 + 6 * HOUR_MS).rolledHours, 1);
  store.compact(MARCH_1 + 36 * DAY_MS);
  const minute = store.readRollups(M0 + 10, M0 + 11).find((r) => r.route === 'payments');
  assert.equal(minute?.total, 1000);
  assert.equal(minute?.bad, 1000);
  store.close();
});

test('rows older than the pruned minutes are ignored and logged, not half-merged into an hour', () => {
  const { store, lines } = open();
  store.writeRollups(traffic(1));
  store.compact(MARCH_1 + 36 * DAY_MS);
  const before = store.readRollups(M0, M0 + 60);
  store.writeRollups([rollup(M0 + 5, 'payments', 999)]);
  assert.deepEqual(store.readRollups(M0, M0 + 60), before);
  assert.ok(lines.some((l) => l.fields.olderThanMinuteRetention === 1));
  store.close();
});

test('compaction does bounded work per call and says when more is left', () => {
  const { store } = open();
  const rows = traffic(10);
  store.writeRollups(rows);
  const now = MARCH_1 + 36 * DAY_MS;
  let calls = 0;
  let rolled = 0;
  let pruned = 0;
  for (;;) {
    const r = store.compact(now, { maxHours: 4 });
    calls++;
    rolled += r.rolledHours;
    pruned += r.prunedMinuteRows;
    assert.ok(r.rolledHours <= 4);
    if (!r.more) break;
    assert.ok(calls < 20, 'terminates');
  }
  assert.ok(calls >= 3);
  assert.equal(rolled, 10);
  assert.equal(pruned, rows.length);
  assert.equal(sum(store.readRollups(M0, M0 + 600), 'total'), sum(rows, 'total'));
  store.close();
});
