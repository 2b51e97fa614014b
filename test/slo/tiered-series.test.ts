import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SloEngine } from '../../src/slo/engine.js';
import { monthRange } from '../../src/slo/period.js';
import { TieredSeries } from '../../src/slo/tiered-series.js';
import { availabilitySlo, BOUNDS, config, MINUTE, minutes, route, utcMinute } from './builders.js';

const KATHMANDU = { kind: 'calendar-month', timeZone: 'Asia/Kathmandu' } as const;

function engineFor(period: typeof KATHMANDU | undefined, minuteGrain = false): SloEngine {
  return new SloEngine(
    config({
      routes: [route('orders', 'payment-request')],
      slos: [availabilitySlo('payment-request', ['orders'], period ? { period } : {})],
    }),
    { bucketBoundsSeconds: BOUNDS, minuteGrain },
  );
}

describe('tiered series: minutes for the last 3 days, 15-minute cells before', () => {
  it('sums old whole days and recent minute ranges exactly', () => {
    const s = new TieredSeries(45_000);
    const start = utcMinute('2025-03-01T00:00:00Z');
    const end = start + 10 * 1440; // ten days, one count per minute
    for (let m = start; m < end; m++) {
      s.evict(m);
      s.add(m, 1);
    }
    // 2 March is 7 days before the top: cells only. A day is 96 cells of 15 minutes = 1,440.
    const day2 = start + 1440;
    assert.equal(s.sum(day2, day2 + 1439), 1440);
    // The last 3 days are minutes: 17:03..17:09 of the last day is 7 minutes.
    const last = end - 1440 + 17 * 60 + 3;
    assert.equal(s.sum(last, last + 6), 7);
    // An old range starting inside a cell counts the cells whose first minute it holds:
    // 00:07..01:59 of 2 March holds the cells starting 00:15, 00:30, ..., 01:45 (7 cells, 105).
    assert.equal(s.sum(day2 + 7, day2 + 119), 105);
  });

  it('keeps a calendar month starting at 18:15 UTC (Asia/Kathmandu, +05:45) exact once it is older than the head', () => {
    const engine = engineFor(KATHMANDU);
    const month = monthRange({ year: 2025, month: 11 }, 'Asia/Kathmandu');
    // Local midnight of 1 November in +05:45 is 18:15 UTC the day before.
    assert.equal(month.startMs, Date.parse('2025-10-31T18:15:00Z'));
    const from = utcMinute('2025-10-31T17:00:00Z');
    const monthStart = utcMinute('2025-10-31T18:15:00Z');
    const end = utcMinute('2025-11-05T00:00:00Z');
    // October (local): 75 minutes of 1 good and 7 bad requests each; November: 1 good a minute.
    engine.ingest(minutes(from, monthStart - from, 'orders', { good: 1, bad: 7 }));
    engine.ingest(minutes(monthStart, end - monthStart, 'orders', { good: 1 }));
    const [s] = engine.evaluate(end * MINUTE);
    // November so far: 18:15-24:00 on 31 October (345 minutes) + 4 days of 1,440 = 6,105.
    assert.equal(s?.periodStartMs, month.startMs);
    assert.equal(s?.requests, 6105);
    assert.equal(s?.bad, 0);
    assert.equal(s?.ratio, 1);
    // October's last 75 minutes, read back from cells: 75 good + 525 bad.
    const oct = engine.summarize(0, from * MINUTE, month.startMs);
    assert.equal(oct?.requests, 600);
    assert.equal(oct?.bad, 525);
  });

  it('gives the same windows, flags and calendar-month period as minutes throughout', () => {
    const tiered = engineFor({ kind: 'calendar-month', timeZone: 'Asia/Kolkata' } as never);
    const exact = engineFor({ kind: 'calendar-month', timeZone: 'Asia/Kolkata' } as never, true);
    const start = utcMinute('2025-06-01T00:00:00Z');
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed;
    };
    for (let m = start; m < start + 20 * 1440; m++) {
      // An outage hour every 5 days among noisy minutes.
      const outage = (m - start) % (5 * 1440) < 60;
      const batch = minutes(m, 1, 'orders', { good: next() % 50, bad: outage ? 40 : next() % 3 });
      tiered.ingest(batch);
      exact.ingest(batch);
    }
    const now = (start + 20 * 1440) * MINUTE - 1;
    const [a] = tiered.evaluate(now);
    const [b] = exact.evaluate(now);
    assert.deepEqual(a?.windows, b?.windows);
    assert.deepEqual(a?.flags, b?.flags);
    assert.equal(a?.requests, b?.requests);
    assert.equal(a?.bad, b?.bad);
  });

  it('holds the same bytes for a quiet and a heavy month', () => {
    const quiet = engineFor(undefined);
    const heavy = engineFor(undefined);
    const start = utcMinute('2025-01-01T00:00:00Z');
    // 2 requests a minute (1 bad), and 100,000 (above 16 bits: minutes alone would widen).
    quiet.ingest(minutes(start, 31 * 1440, 'orders', { good: 1, bad: 1 }));
    heavy.ingest(minutes(start, 31 * 1440, 'orders', { good: 99_000, bad: 1_000 }));
    // Rolling 30d: ring of 43,200 + 65 minutes, rounded to 43,296. Per series:
    // head 4,416 minutes x 4 B + 138 block sums and 139 tree nodes x 8 B = 19,880;
    // cells: ceil(43,296 / 15) + 2 = 2,889 -> 2,912 x 4 B + (91 + 92) x 8 B = 13,112.
    // Three series: 3 x 32,992 = 98,976 bytes.
    assert.equal(quiet.seriesBytes, 98_976);
    assert.equal(heavy.seriesBytes, 98_976);
  });
});
