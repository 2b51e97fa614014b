import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BucketLayout,
  DEFAULT_LATENCY_BOUNDS_SECONDS,
  latencyBucketBounds,
} from '../../src/telemetry/buckets.js';
import { route, seedRoutes } from './fixtures.js';

describe('latency bucket bounds', () => {
  it('include every latency objective of docs/sla-definitions.md#latency-objectives exactly, sorted and without duplicates', () => {
    const bounds = latencyBucketBounds(seedRoutes());
    // docs/sla-definitions.md#latency-objectives: 5000ms, 200ms, 800ms, 1000ms, 6000ms, 4000ms, 1000ms.
    for (const objective of [0.2, 0.8, 1, 4, 5, 6])
      assert.ok(bounds.includes(objective), `${objective} missing`);
    for (const d of DEFAULT_LATENCY_BOUNDS_SECONDS) assert.ok(bounds.includes(d));
    assert.deepEqual(
      bounds,
      [...bounds].sort((a, b) => a - b),
    );
    assert.equal(new Set(bounds).size, bounds.length);
    assert.equal(
      bounds.filter((b) => b === 1).length,
      1,
      '1000ms objective and the default 1 s are one bound',
    );
  });

  it('print as the objective reads: 200ms gives le="0.2", 5000ms gives le="5"', () => {
    const layout = new BucketLayout(
      latencyBucketBounds([
        route(0, 'a', { p99Ms: 200 }),
        route(1, 'b', { p99Ms: 5000 }),
        route(2, 'c', { p99Ms: 300 }),
      ]),
    );
    assert.ok(layout.le.includes('0.2'));
    assert.ok(layout.le.includes('5'));
    assert.ok(layout.le.includes('0.3'));
    assert.equal(layout.le.at(-1), '+Inf');
    assert.equal(layout.size, layout.boundsSeconds.length + 1);
  });

  it('merge an objective that equals a default bound within a nanosecond', () => {
    const bounds = latencyBucketBounds([route(0, 'a', { p99Ms: 250 })], [0.1, 0.25, 0.5]);
    assert.deepEqual(bounds, [0.1, 0.25, 0.5]);
  });

  it('reject a bound that is not a positive number of seconds', () => {
    assert.throws(() => latencyBucketBounds([], [0.1, 0]), { code: 'SLOPROBE_ERR_CONFIG' });
    assert.throws(() => latencyBucketBounds([], [Number.NaN]), { code: 'SLOPROBE_ERR_CONFIG' });
  });
});

describe('BucketLayout.index (Prometheus "le": less than or equal)', () => {
  const layout = new BucketLayout([0.1, 0.2, 1]);

  it('puts a sample exactly at a bound into that bound', () => {
    assert.equal(layout.index(200_000_000), 1);
    assert.equal(layout.index(100_000_000), 0);
  });

  it('puts a sample just above a bound into the next one, and above all into +Inf', () => {
    assert.equal(layout.index(200_000_001), 2);
    assert.equal(layout.index(1_000_000_001), 3);
    assert.equal(layout.index(0), 0);
  });

  it('agrees with a linear scan for many samples', () => {
    const b = [0.005, 0.01, 0.2, 0.25, 0.8, 1, 4, 5, 6, 60];
    const l = new BucketLayout(b);
    for (let ns = 0; ns < 70e9; ns += 7_777_777) {
      const expected = b.findIndex((s) => ns <= s * 1e9);
      assert.equal(l.index(ns), expected === -1 ? b.length : expected);
    }
  });
});
