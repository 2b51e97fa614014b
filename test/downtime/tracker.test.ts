/**
 * The tracker on a real (in-memory) store, fed minute by minute: the `start_after` path
 * (three consecutive Downtime minutes, no page), an instrument joining an ongoing downtime,
 * a severity change, and resolution after `quiet`: each an event in the change's transaction.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DOWNTIME_DEFAULTS } from '../../src/config/resolve-payments.js';
import { DowntimeStore } from '../../src/downtime/downtime-store.js';
import { DowntimeTracker, mergeInstrument } from '../../src/downtime/tracker.js';
import type { OutboxEvent } from '../../src/notify/event.js';
import type { MethodMinute } from '../../src/payments/method-recorder.js';
import { Store } from '../../src/store/store.js';

const M0 = 29_450_000; // an epoch minute (2025-12-29T...); minute arithmetic below is relative to it

function row(series: string, minute: number, total: number, errors: number): MethodMinute {
  return {
    minute,
    route: series,
    total,
    good: total - errors,
    bad: errors,
    excluded: 0,
    slow: 0,
    errors,
    distinct: total,
    unreachable: 0,
    buckets: [],
  };
}

test('start_after Downtime minutes open it, a second network joins as ALL, quiet resolves it', () => {
  const store = Store.open(
    { dataDir: ':memory:', minuteRetentionMs: 86_400_000, hourRetentionMs: 86_400_000 },
    () => {},
  );
  const events: Array<{ e: OutboxEvent; tx: boolean }> = [];
  let now = M0 * 60_000;
  const series = [
    {
      index: 0,
      name: 'method:card/network=VISA',
      method: 'card',
      instrument: { network: 'VISA' },
      availability: 0.99,
      routes: ['a'],
    },
    {
      index: 1,
      name: 'method:card/network=MC',
      method: 'card',
      instrument: { network: 'MC' },
      availability: 0.99,
      routes: ['a'],
    },
  ];
  const tracker = new DowntimeTracker({
    db: new DowntimeStore(store),
    sink: { enqueue: (e) => events.push({ e, tx: store.database.inTransaction }) },
    rules: DOWNTIME_DEFAULTS,
    threshold: 0.05,
    series,
    windows: [],
    now: () => now,
  });
  const calm = [
    { page: false, ratio5m: null },
    { page: false, ratio5m: null },
  ];
  const at = (m: number) => {
    now = (M0 + m) * 60_000 + 5_000; // 5 s into minute m: minute m - 1 is complete
  };
  // VISA: 2 errors of 20 (10% > 5%) in minutes 0, 1, 2. After 2 minutes: nothing yet.
  tracker.addMinutes([row(series[0]!.name, M0, 20, 2), row(series[0]!.name, M0 + 1, 20, 2)]);
  at(2);
  tracker.tick(calm);
  assert.equal(tracker.db.list({ count: 10, skip: 0 }).length, 0, '2 Downtime minutes < start_after 3');
  tracker.addMinutes([row(series[0]!.name, M0 + 2, 20, 2)]);
  at(3);
  tracker.tick(calm);
  let [d] = tracker.db.list({ count: 10, skip: 0 });
  assert.ok(d);
  // begin = the first bad minute (M0), in seconds; 10% errors < 50%: medium.
  assert.equal(d.begin, M0 * 60);
  assert.equal(d.severity, 'medium');
  assert.deepEqual(d.instrument, { network: 'VISA' });

  // MC fails outright (20 of 20) for three minutes: it joins (network ALL) and the worst
  // series is now at 100% >= 50%: high. One update for both changes in one tick.
  tracker.addMinutes([
    row(series[1]!.name, M0 + 3, 20, 20),
    row(series[1]!.name, M0 + 4, 20, 20),
    row(series[1]!.name, M0 + 5, 20, 20),
  ]);
  tracker.addMinutes([
    row(series[0]!.name, M0 + 3, 20, 0),
    row(series[0]!.name, M0 + 4, 20, 0),
    row(series[0]!.name, M0 + 5, 20, 0),
  ]);
  at(6);
  tracker.tick(calm);
  [d] = tracker.db.list({ count: 10, skip: 0 });
  assert.deepEqual(d!.instrument, { network: 'ALL' });
  assert.equal(d!.severity, 'high');

  // Healthy from minute 6. The last Downtime minute is M0 + 5 (it ends at M0 + 6); quiet 5m:
  // still open at M0 + 10 + 5 s (4m05s quiet), resolved at M0 + 11 + 5 s (5m05s).
  for (let m = 6; m <= 10; m++) {
    tracker.addMinutes([row(series[0]!.name, M0 + m, 20, 0), row(series[1]!.name, M0 + m, 20, 0)]);
    at(m + 1);
    tracker.tick(calm);
    const status = tracker.db.list({ count: 10, skip: 0 })[0]!.status;
    assert.equal(status, m + 1 < 11 ? 'started' : 'resolved', `at minute ${m + 1}`);
  }
  [d] = tracker.db.list({ count: 10, skip: 0 });
  assert.equal(d!.end, (M0 + 6) * 60, 'end = the end of the last Downtime minute');

  // While recovering, severity follows the last 5 minutes: at minute 9 they are 4..8, where
  // MC has 40 bad of 100 = 40% < 50% (and Downtime minutes): medium again, one more update.
  assert.deepEqual(
    events.map((x) => [x.e.event, (x.e.entity as { severity: string }).severity]),
    [
      ['payment.downtime.started', 'medium'],
      ['payment.downtime.updated', 'high'],
      ['payment.downtime.updated', 'medium'],
      ['payment.downtime.resolved', 'medium'],
    ],
  );
  assert.equal((events[2]!.e.entity as { updated_at: number }).updated_at, (M0 + 9) * 60 + 5);
  assert.ok(events.every((x) => x.tx));
  assert.equal(new Set(events.map((x) => x.e.id)).size, 4);
  store.close();
});

test('merging instruments: same value stays, different values read ALL, a field one lacks is dropped', () => {
  assert.deepEqual(mergeInstrument({ network: 'VISA', issuer: 'HSBC' }, { network: 'MC', issuer: 'HSBC' }), {
    network: 'ALL',
    issuer: 'HSBC',
  });
  assert.deepEqual(mergeInstrument({ network: 'VISA' }, {}), {});
});
