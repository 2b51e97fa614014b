import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as hdr from 'hdr-histogram-js';
import { mulberry32 } from '../../src/demo/random.js';
import { addHdrCounts, encodeHdrCounts, newHdrCounts } from '../../src/store/histograms.js';
import { clampMicros, hdrIndex, hdrPercentiles } from '../../src/telemetry/hdr-layout.js';

test('hours stored apart and merged give the p99 that one hdr-histogram-js histogram of every sample gives', () => {
  // The report's "exact p99 (HDR)" over a month is read from merged hourly cells; it must
  // be the library's answer for the same samples, not an approximation of it.
  const rng = mulberry32(99);
  const reference = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 32,
    useWebAssembly: false,
  });
  const merged = newHdrCounts();
  let samples = 0;
  for (let hour = 0; hour < 24; hour++) {
    const cells = newHdrCounts();
    for (let i = 0; i < 2000; i++) {
      // Mostly 20-200 ms, a slow tail up to 8 s.
      const ms = rng() < 0.98 ? 20 + rng() * 180 : 200 + rng() * 7800;
      const us = clampMicros(ms * 1e6);
      cells[hdrIndex(us)]! += 1;
      reference.recordValue(us);
    }
    samples += addHdrCounts(encodeHdrCounts(cells), merged);
  }
  assert.equal(samples, 48_000);
  const out = new Float64Array(3);
  assert.ok(hdrPercentiles(merged, samples, [50, 99, 99.9], out));
  assert.deepEqual(
    [...out],
    [50, 99, 99.9].map((p) => reference.getValueAtPercentile(p)),
  );
});

test('cells that do not decode or point outside the array add nothing', () => {
  const target = newHdrCounts();
  assert.equal(addHdrCounts('{"not":"cells"}', target), 0);
  const far = new Float64Array(target.length + 10);
  far[target.length + 5] = 1;
  assert.equal(addHdrCounts(encodeHdrCounts(far), target), 0);
  assert.equal(
    target.reduce((s, v) => s + v, 0),
    0,
  );
});
