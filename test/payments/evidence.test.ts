/**
 * The tracker's reading of a method's minutes (docs/sla-definitions.md#downtime-minute,
 * #downtime-severity): a minute is Downtime when errors / requests is greater than 5%, runs
 * of them count, a minute without traffic breaks a run, and severity follows the error ratio.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeriesEvidence } from '../../src/downtime/evidence.js';
import type { MethodMinute } from '../../src/payments/method-recorder.js';

const RULES = { threshold: 0.05, highErrorRatio: 0.5 };

function minute(m: number, total: number, errors: number, extra: Partial<MethodMinute> = {}): MethodMinute {
  return {
    minute: m,
    route: 'method:card',
    total,
    good: total - errors,
    bad: errors,
    excluded: 0,
    slow: 0,
    errors,
    distinct: total,
    unreachable: 0,
    buckets: [],
    ...extra,
  };
}

test('"greater than five percent": 5 errors in 100 is not Downtime, 6 in 100 is', () => {
  const e = new SeriesEvidence(RULES);
  e.add(minute(100, 100, 5)); // 5 / 100 = 5%, not above 5%
  assert.equal(e.run, 0);
  e.add(minute(101, 100, 6)); // 6%
  e.add(minute(102, 100, 50)); // 50%
  assert.equal(e.run, 2);
  assert.equal(e.firstBadMinute(), 101);
  assert.equal(e.lastBadEndMs, 103 * 60_000);
});

test('a minute without traffic breaks the run; a repeated or older minute is ignored', () => {
  const e = new SeriesEvidence(RULES);
  e.add(minute(10, 20, 20));
  e.add(minute(11, 20, 20));
  e.add(minute(11, 20, 0)); // repeated: ignored
  assert.equal(e.run, 2);
  e.add(minute(13, 20, 20)); // minute 12 had no traffic
  assert.equal(e.run, 1);
  assert.equal(e.firstBadMinute(), 13);
});

test('severity: high at >= 50% errors or the upstream unreachable, medium for an elevated rate, low for latency only', () => {
  // 10 bad of 20 over the last minutes = 50% >= 50%: high.
  const high = new SeriesEvidence(RULES);
  high.add(minute(1, 20, 10));
  assert.equal(high.severity(false), 'high');
  // 4 bad of 20 = 20%: Downtime minutes (> 5%) but below 50%: medium.
  const medium = new SeriesEvidence(RULES);
  medium.add(minute(1, 20, 4));
  assert.equal(medium.severity(false), 'medium');
  // 2 of 20 refused by the upstream (10% > 5%): unreachable, high even though 10% < 50%.
  const down = new SeriesEvidence(RULES);
  down.add(minute(1, 20, 2, { unreachable: 2 }));
  assert.equal(down.severity(false), 'high');
  // No errors, 3 of 20 slower than the objective (15% > 5%): latency-only, low.
  const slow = new SeriesEvidence(RULES);
  slow.add(minute(1, 20, 0, { slow: 3 }));
  assert.equal(slow.severity(false), 'low');
  assert.equal(slow.slowRun, 1);
  // Nothing wrong, no page: no severity; a page alone: medium; a 5m ratio of 60%: high.
  const calm = new SeriesEvidence(RULES);
  calm.add(minute(1, 20, 0));
  assert.equal(calm.severity(false), undefined);
  assert.equal(calm.severity(true), 'medium');
  assert.equal(calm.severity(true, 0.6), 'high');
});
