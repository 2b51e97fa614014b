/**
 * telemetry/rollup.ts is the one definition of the per-minute counters and of how a request
 * counts. These tests hold its helpers to the list, so a counter added to ROLLUP_COUNTERS
 * and forgotten in one of them fails here rather than vanishing between two modules.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BAD, EXCLUDED, GOOD } from '../../src/telemetry/classify.js';
import {
  addRollups,
  COUNTERS,
  counterValues,
  countRequest,
  type MutableCounts,
  ROLLUP_COUNTERS,
  readCounters,
  rollupFromRow,
  writeCounters,
} from '../../src/telemetry/rollup.js';

test('every helper carries every counter of the list, in list order', () => {
  // Distinct primes per counter, so a swapped or dropped counter cannot go unnoticed.
  const primes = [2, 3, 5, 7, 11, 13, 17];
  assert.equal(COUNTERS, primes.length);
  const r = rollupFromRow(100, 'r', primes, 0, [1]);
  assert.deepEqual(
    ROLLUP_COUNTERS.map((k) => r[k]),
    primes,
  );
  assert.deepEqual(counterValues(r), primes);
  const row = new Float64Array(COUNTERS + 2);
  writeCounters(r, row, 2);
  assert.deepEqual(Array.from(row.subarray(2)), primes);
  const view = {} as MutableCounts;
  readCounters(row, 2, view);
  assert.deepEqual(
    ROLLUP_COUNTERS.map((k) => view[k]),
    primes,
  );
  const sum = addRollups(r, r);
  assert.deepEqual(counterValues(sum), [4, 6, 10, 14, 22, 26, 34]);
  assert.deepEqual(sum.buckets, [2]);
});

test('countRequest: a first copy counts everywhere, a repeat only as an occurrence', () => {
  const c = new Float64Array(COUNTERS);
  const at = (k: (typeof ROLLUP_COUNTERS)[number]): number => c[ROLLUP_COUNTERS.indexOf(k)]!;
  // A first copy answered 500 (bad, slow, a timeslice error), then its repeat answered 200.
  countRequest(c, 0, BAD, true, true, true);
  countRequest(c, 0, GOOD, false, false, false);
  // A client that went away: excluded, still its own distinct request.
  countRequest(c, 0, EXCLUDED, false, false, true);
  assert.deepEqual(
    ROLLUP_COUNTERS.map((k) => [k, at(k)]),
    [
      ['total', 3],
      ['good', 1],
      ['bad', 1],
      ['excluded', 1],
      ['slow', 1],
      ['errors', 1],
      ['distinct', 2],
    ],
  );
});
