/**
 * What the engine does with what the recorder, the store and replay hand it: any order, the
 * same minute again, late minutes, malformed counts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SloEngine } from '../../src/slo/engine.js';
import { estimateQuantile } from '../../src/slo/hour-buckets.js';
import { RECENT_MINUTES } from '../../src/slo/ingest.js';
import type { MinuteRollup } from '../../src/telemetry/rollup.js';
import {
  availabilitySlo,
  BOUNDS,
  config,
  MINUTE,
  minutes,
  rollup,
  route,
  timesliceSlo,
  utcMinute,
} from './builders.js';

const T0 = utcMinute('2025-08-01T00:00:00Z');

function engine(): SloEngine {
  return new SloEngine(
    config({
      routes: [route('a', 'c'), route('b', 'c')],
      slos: [
        availabilitySlo('c', ['a', 'b']),
        timesliceSlo('ts', ['a', 'b'], { kind: 'calendar-month', timeZone: 'UTC' }),
      ],
    }),
    { bucketBoundsSeconds: BOUNDS },
  );
}

function history(): MinuteRollup[] {
  // Two days: route a always 1% bad; route b healthy, then its counts for 15 minutes of the
  // last hour are re-sent failing hard (30 of 100), as a flush with updated totals would.
  const out = [...minutes(T0, 2 * 1440, 'a', { good: 99, bad: 1, distinct: 100, errors: 1 })];
  out.push(...minutes(T0, 2 * 1440, 'b', { good: 100, distinct: 100 }));
  out.push(...minutes(T0 + 2 * 1440 - 60, 15, 'b', { good: 70, bad: 30, distinct: 100, errors: 30 }));
  return out;
}

describe('ingest', () => {
  it('gives the same answer whatever order the store hands the minutes in', () => {
    const now = (T0 + 2 * 1440 - 1) * MINUTE;
    const forward = engine();
    const rows = history();
    // The 15 failing minutes of b come after b's healthy copy of them and replace it.
    forward.ingest(rows);
    const backward = engine();
    // Newest first, except that b's failing minutes still come last (they are the later send).
    const healthy = rows.slice(0, 4 * 1440).reverse();
    backward.ingest(healthy);
    backward.ingest(rows.slice(4 * 1440));
    const [f, ft] = forward.evaluate(now);
    const [b, bt] = backward.evaluate(now);
    // b's 15 minutes: (1 + 30) bad of 200 = 15.5% > 5% -> one 15-minute Downtime Period.
    assert.equal(ft?.timeslices?.downtimePeriodMinutes, 15);
    assert.deepEqual(bt?.timeslices, ft?.timeslices);
    assert.deepEqual(b?.windows, f?.windows);
    // 2 days x 1,440 x 1 bad on a, plus 15 x 30 on b = 2,880 + 450 = 3,330 bad.
    assert.equal(f?.bad, 3330);
    assert.equal(b?.bad, 3330);
  });

  it(`re-sending a minute older than the replace horizon (${RECENT_MINUTES} min) is ignored, not added`, () => {
    const e = engine();
    // T0 .. T0 + RECENT_MINUTES: the copy kept of T0 has been overwritten by the newest minute.
    e.ingest(minutes(T0, RECENT_MINUTES + 1, 'a', { good: 10, distinct: 10 }));
    e.ingest([rollup(T0, 'a', { good: 500, distinct: 500 })]);
    assert.equal(e.stats().staleResends, 1);
    // (RECENT_MINUTES + 1) x 10 requests; the late 500 are not added.
    assert.equal(e.evaluate((T0 + RECENT_MINUTES) * MINUTE)[0]?.requests, (RECENT_MINUTES + 1) * 10);
  });

  it('an old minute never sent before is still added', () => {
    const e = engine();
    e.ingest([rollup(T0 + 1000, 'a', { good: 10, distinct: 10 })]);
    e.ingest([rollup(T0, 'a', { bad: 4, distinct: 4 })]);
    assert.equal(e.evaluate((T0 + 1000) * MINUTE)[0]?.bad, 4);
  });

  it('malformed counts read as zero and never poison the sums', () => {
    const e = engine();
    e.ingest([rollup(T0, 'a', { good: 10, bad: 2, distinct: 12 })]);
    e.ingest([{ ...rollup(T0, 'b', { good: 5 }), bad: Number.NaN, total: Number.NaN }]);
    e.ingest([rollup(T0 + 1, 'b', { good: 5, bad: -3 })]);
    e.ingest([{ ...rollup(T0 + 2, 'a', {}), minute: Number.NaN }]);
    const [s] = e.evaluate((T0 + 2) * MINUTE);
    // Only a's 10 good + 2 bad and b's 5 + 5 good are real: 2 bad of 22.
    assert.equal(s?.bad, 2);
    assert.equal(s?.good, 20);
    assert.equal(e.stats().invalid, 1);
  });

  it('a jump forward of more than the ring forgets the old minutes instead of mixing them in', () => {
    const e = engine();
    e.ingest([rollup(T0, 'a', { bad: 50, distinct: 50, errors: 50 })]);
    const later = T0 + e.capacity + 100;
    e.ingest([rollup(later, 'a', { good: 50, distinct: 50 })]);
    // The slot T0 used is the same slot modulo capacity as `later - 100`: it must read empty.
    const [s] = e.evaluate(later * MINUTE);
    assert.equal(s?.bad, 0);
    assert.equal(s?.windows.find((w) => w.window === '3d')?.requests, 50);
  });
});

describe('p99 estimate from buckets', () => {
  it('interpolates inside the bucket the 99th percentile falls in', () => {
    // 100 requests: 98 in (0, 50 ms], 2 in (200, 500 ms]. Rank 99 is the first of the 2: 200 + 300 x 1/2 = 350 ms.
    const counts = new Array<number>(BOUNDS.length + 1).fill(0);
    counts[0] = 98;
    counts[3] = 2;
    const q = estimateQuantile(BOUNDS, counts, 0.99);
    assert.ok(Math.abs((q.valueMs ?? 0) - 350) < 1e-9);
    assert.equal(q.aboveLastBound, false);
  });

  it('says so when the 99th percentile is beyond the last bound', () => {
    const counts = new Array<number>(BOUNDS.length + 1).fill(0);
    counts[0] = 50;
    counts[BOUNDS.length] = 50;
    const q = estimateQuantile(BOUNDS, counts, 0.99);
    assert.equal(q.aboveLastBound, true);
    assert.equal(q.valueMs, 10_000);
    assert.equal(estimateQuantile(BOUNDS, [], 0.99).valueMs, undefined);
  });
});
