/**
 * Probe rows (`<route>~synthetic`, telemetry/rollup.ts) in the engine: counted only by SLOs
 * with include_synthetic, never "unknown"; re-sent like any row; and `withSynthetic`, the
 * hook that folds them into their route for downtime detection.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SloEngine } from '../../src/slo/engine.js';
import { syntheticRouteKey, withoutSynthetic, withSynthetic } from '../../src/telemetry/rollup.js';
import { availabilitySlo, BOUNDS, config, MINUTE, rollup, route, utcMinute } from './builders.js';

const T0 = utcMinute('2025-08-01T12:00:00Z');
const PROBE = syntheticRouteKey('quiet');

function engine(): SloEngine {
  return new SloEngine(
    config({
      routes: [route('quiet', 'c')],
      slos: [
        availabilitySlo('sla', ['quiet']),
        availabilitySlo('with-probes', ['quiet'], { includeSynthetic: true }),
      ],
    }),
    { bucketBoundsSeconds: BOUNDS },
  );
}

describe('synthetic rollups', () => {
  it('count only in SLOs with include_synthetic', () => {
    const e = engine();
    // Minute T0: the merchant sent 10 requests, 1 bad; the probe 2, both bad.
    e.ingest([rollup(T0, 'quiet', { good: 9, bad: 1 }), rollup(T0, PROBE, { bad: 2 })]);
    const [sla, withProbes] = e.evaluate((T0 + 1) * MINUTE);
    // sla: 10 requests, 9 good: 9 / 10 = 0.9.
    assert.equal(sla!.requests, 10);
    assert.equal(sla!.ratio, 0.9);
    // with-probes: 10 + 2 = 12 requests, 9 good: 9 / 12 = 0.75.
    assert.equal(withProbes!.requests, 12);
    assert.equal(withProbes!.ratio, 0.75);
    assert.equal(e.stats().unknownRoutes, 0);
  });

  it('a re-sent probe row replaces its earlier counts, not the route own', () => {
    const e = engine();
    e.ingest([rollup(T0, 'quiet', { good: 10 }), rollup(T0, PROBE, { good: 1 })]);
    e.ingest([rollup(T0, PROBE, { good: 2 })]);
    const [sla, withProbes] = e.evaluate((T0 + 1) * MINUTE);
    assert.equal(sla!.requests, 10);
    // 10 own + 2 probe (the 1 was replaced by 2) = 12.
    assert.equal(withProbes!.requests, 12);
  });

  it('withSynthetic folds probe rows into their route per minute; withoutSynthetic drops them', () => {
    const rows = [
      rollup(T0, 'quiet', { good: 3, bad: 1 }),
      rollup(T0, PROBE, { bad: 2, errors: 2 }),
      rollup(T0 + 1, PROBE, { good: 1 }),
    ];
    const merged = withSynthetic(rows);
    assert.equal(merged.length, 2);
    const first = merged.find((r) => r.minute === T0)!;
    // T0: total 4 + 2 = 6, good 3, bad 1 + 2 = 3, errors 0 + 2 = 2, distinct 4 + 2 = 6.
    assert.deepEqual(
      [first.route, first.total, first.good, first.bad, first.errors, first.distinct],
      ['quiet', 6, 3, 3, 2, 6],
    );
    // T0 + 1: only the probe, now under the route's own name.
    const second = merged.find((r) => r.minute === T0 + 1)!;
    assert.deepEqual([second.route, second.total, second.good], ['quiet', 1, 1]);
    assert.deepEqual(
      withoutSynthetic(rows).map((r) => r.route),
      ['quiet'],
    );
  });
});
