/**
 * How `report --prometheus` turns raw counter samples at minute marks into per-minute counts
 * (src/fleet/prometheus-rollups.ts): differences, a drop read as a restart from 0, a series
 * born mid-range counted from 0, the range's first value as the baseline.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Differ } from '../../src/fleet/prometheus-rollups.js';

const MARK = 60; // seconds per minute mark
const at = (minute: number, v: number) => [minute * MARK, String(v)] as const;

function deltas(
  differ: Differ,
  metric: Record<string, string>,
  values: ReturnType<typeof at>[],
): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  differ.each({ metric, values }, (minute, d) => out.push([minute, d]));
  return out;
}

test('baseline, increments, a restart and a series born mid-range', () => {
  const d = new Differ(100);
  // 10 at the first mark happened before the range: not counted. 10 -> 15: 5 in minute 100.
  // 15 -> 15: nothing. 15 -> 3: the replica restarted, 3 new requests in minute 102.
  // 3 -> 7: 4 in minute 103.
  assert.deepEqual(
    deltas(d, { instance: 'a' }, [at(100, 10), at(101, 15), at(102, 15), at(103, 3), at(104, 7)]),
    [
      [100, 5],
      [102, 3],
      [103, 4],
    ],
  );
  // A series first seen at mark 102 with 4: it began at 0, so 4 requests in minute 101.
  assert.deepEqual(deltas(d, { instance: 'b' }, [at(102, 4), at(103, 6)]), [
    [101, 4],
    [102, 2],
  ]);
});

test('chunks carry the last value of each series: nothing counted twice, nothing lost', () => {
  const d = new Differ(0);
  assert.deepEqual(deltas(d, { instance: 'a' }, [at(0, 0), at(1, 2)]), [[0, 2]]);
  // The next chunk starts at the previous chunk's last mark (same value again), then moves.
  assert.deepEqual(deltas(d, { instance: 'a' }, [at(1, 2), at(2, 9)]), [[1, 7]]);
  // Gaps (a scrape outage longer than the lookback) keep the last value.
  assert.deepEqual(deltas(d, { instance: 'a' }, [at(9, 12)]), [[8, 3]]);
});
