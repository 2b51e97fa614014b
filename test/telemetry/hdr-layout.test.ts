import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as hdr from 'hdr-histogram-js';
import {
  clampMicros,
  HDR_COUNTS_LENGTH,
  HDR_HIGHEST_TRACKABLE,
  hdrHighestEquivalent,
  hdrIndex,
  hdrPercentiles,
  hdrValueFromIndex,
} from '../../src/telemetry/hdr-layout.js';

// The reference: the histogram hdr-histogram-js builds for "1 µs .. 10 min, 3 significant digits".
function reference(): hdr.JsHistogram {
  return hdr.build({
    bitBucketSize: 64,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HDR_HIGHEST_TRACKABLE,
    numberOfSignificantValueDigits: 3,
  }) as unknown as hdr.JsHistogram;
}

describe('HDR layout matches hdr-histogram-js', () => {
  const ref = reference();

  it('has the same counts-array length', () => {
    assert.equal(HDR_COUNTS_LENGTH, ref.countsArrayLength);
  });

  it('maps every index to the same lowest and highest equivalent values', () => {
    for (let i = 0; i < HDR_COUNTS_LENGTH; i++) {
      const v = ref.valueFromIndex(i);
      assert.equal(hdrValueFromIndex(i), v);
      assert.equal(hdrHighestEquivalent(i), ref.highestEquivalentValue(v));
    }
  });

  it('puts values at the same index, including bucket edges and the top of the range', () => {
    const values = [
      0,
      1,
      2,
      1023,
      1024,
      2047,
      2048,
      2049,
      4095,
      4096,
      150_000,
      1_000_000,
      2 ** 29,
      HDR_HIGHEST_TRACKABLE,
    ];
    for (let v = 1; v < HDR_HIGHEST_TRACKABLE; v = Math.ceil(v * 1.37) + 1) values.push(v, v - 1, v + 1);
    for (const v of values) assert.equal(hdrIndex(v), ref.countsArrayIndex(v), `value ${v}`);
  });

  it('gives the same p50/p90/p99/p99.9 as getValueAtPercentile', () => {
    const counts = new Float64Array(HDR_COUNTS_LENGTH);
    const lib = reference();
    let seed = 42;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 20_000; i++) {
      const us = Math.round(500 + rnd() * rnd() * 3_000_000);
      counts[hdrIndex(us)]!++;
      lib.recordValue(us);
    }
    const percentiles = [50, 90, 99, 99.9];
    const out = new Float64Array(4);
    assert.equal(hdrPercentiles(counts, 20_000, percentiles, out), true);
    percentiles.forEach((p, i) => {
      assert.equal(out[i], lib.getValueAtPercentile(p), `p${p}`);
    });
  });

  it('reports the 99th smallest of 100 samples as p99 ("p99 <= T" means at most 1% slower)', () => {
    const counts = new Float64Array(HDR_COUNTS_LENGTH);
    for (let ms = 1; ms <= 100; ms++) counts[hdrIndex(ms * 1000)]!++;
    const out = new Float64Array(1);
    hdrPercentiles(counts, 100, [99], out);
    // 3 significant digits: 99 ms within 0.1%.
    assert.ok(Math.abs(out[0]! - 99_000) <= 99, `${out[0]}`);
  });

  it('returns false for an empty histogram', () => {
    assert.equal(hdrPercentiles(new Float64Array(HDR_COUNTS_LENGTH), 0, [50], new Float64Array(1)), false);
  });
});

describe('clampMicros', () => {
  it('rounds nanoseconds to microseconds and clamps to 0 .. 10 minutes', () => {
    assert.equal(clampMicros(1_499), 1);
    assert.equal(clampMicros(150_000_000), 150_000);
    assert.equal(clampMicros(-5), 0);
    assert.equal(clampMicros(Number.NaN), 0);
    assert.equal(clampMicros(3_600e9), HDR_HIGHEST_TRACKABLE);
  });
});
