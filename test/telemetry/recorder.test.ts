import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as hdr from 'hdr-histogram-js';
import { requestKey } from '../../src/telemetry/labels.js';
import { Recorder } from '../../src/telemetry/recorder.js';
import { obs, seedRoutes, T0 } from './fixtures.js';

const GOOD = 0;
const BAD = 1;
const EXCLUDED = 2;
const POST = 3;

describe('Recorder counters', () => {
  it('counts 7 good and 3 bad requests exactly, per method, code and outcome', () => {
    const r = new Recorder(seedRoutes());
    for (let i = 0; i < 7; i++) r.observe(obs({ status: 200 }));
    for (let i = 0; i < 2; i++) r.observe(obs({ status: 503 }));
    r.observe(obs({ status: 502, errorReason: 'refused', sliMs: null, durationMs: 2 }));
    const req = r.contexts[0]!.requests;
    assert.equal(req.get(requestKey(POST, 200, GOOD)), 7);
    assert.equal(req.get(requestKey(POST, 503, BAD)), 2);
    assert.equal(req.get(requestKey(POST, 502, BAD)), 1);
    assert.equal(req.size, 3);
    assert.equal(r.contexts[0]!.upstreamErrors[0], 1, 'one refused');
    assert.equal(r.contexts[0]!.sliCount, 10);
  });

  it('keeps a request the client abandoned apart: counted as excluded, in no latency histogram', () => {
    const r = new Recorder(seedRoutes());
    r.observe(obs({ status: 0, clientAborted: true, sliMs: null, durationMs: 3000 }));
    const ctx = r.contexts[0]!;
    assert.equal(ctx.requests.get(requestKey(POST, 0, EXCLUDED)), 1);
    assert.equal(ctx.sliCount, 0);
    assert.equal(ctx.durationCount, 1, 'the total duration is still an operational fact');
  });

  it('puts unmatched traffic on the single unmatched route', () => {
    const routes = seedRoutes();
    const r = new Recorder(routes);
    r.observe(obs({ routeIndex: routes.length - 1, path: '/random/1' }));
    r.observe(obs({ routeIndex: routes.length - 1, path: '/random/2' }));
    assert.equal(r.contexts[routes.length - 1]!.route.name, 'unmatched');
    assert.equal(r.contexts[routes.length - 1]!.sliCount, 2);
  });

  it('counts a 200 ms objective bucket exactly: 150 ms is at or under le="0.2", 250 ms is not', () => {
    const r = new Recorder(seedRoutes());
    r.observe(obs({ sliMs: 150 }));
    r.observe(obs({ sliMs: 250 }));
    const le02 = r.layout.le.indexOf('0.2');
    const buckets = r.contexts[0]!.sliBuckets;
    let cumulative = 0;
    for (let i = 0; i <= le02; i++) cumulative += buckets[i]!;
    assert.equal(cumulative, 1);
  });

  it('never throws from observe: a failure is reported once and counted', () => {
    const errors: unknown[] = [];
    const r = new Recorder(seedRoutes(), { onError: (e) => errors.push(e) });
    assert.doesNotThrow(() => r.observe(obs({ routeIndex: 99 })));
    assert.doesNotThrow(() => r.observe(obs({ routeIndex: -1 })));
    assert.doesNotThrow(() => r.observe(null as never));
    assert.equal(r.recordingErrors, 3);
    assert.equal(errors.length, 1);
    r.observe(obs());
    assert.equal(r.contexts[0]!.sliCount, 1, 'recording goes on after failures');
  });

  it('never throws when the error reporter itself throws', () => {
    const r = new Recorder(seedRoutes(), {
      onError: () => {
        throw new Error('reporter broken');
      },
    });
    assert.doesNotThrow(() => r.observe(obs({ routeIndex: 99 })));
    assert.equal(r.recordingErrors, 1);
  });
});

describe('Recorder latency windows (HDR)', () => {
  it('gives the same p50/p90/p99/p99.9 as hdr-histogram-js for the same samples', () => {
    const r = new Recorder(seedRoutes());
    const lib = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 600_000_000,
      numberOfSignificantValueDigits: 3,
    });
    for (let ms = 1; ms <= 1000; ms++) {
      r.observe(obs({ sliMs: ms, startMs: T0 + 1000, durationMs: ms }));
      lib.recordValue(ms * 1000);
    }
    const q = r.quantiles(0, 'all', T0 + 60_000);
    assert.equal(q.count, 1000);
    assert.equal(q.p50Ms, lib.getValueAtPercentile(50) / 1000);
    assert.equal(q.p90Ms, lib.getValueAtPercentile(90) / 1000);
    assert.equal(q.p99Ms, lib.getValueAtPercentile(99) / 1000);
    assert.equal(q.p999Ms, lib.getValueAtPercentile(99.9) / 1000);
    // "p99 <= T" is "at most 1% of requests slower than T": the 990th of 1000 is 990 ms.
    assert.ok(Math.abs(q.p99Ms - 990) <= 1, `${q.p99Ms}`);
  });

  it('keeps exact results when latencies widen the range over time, up to the 10 minute cap', () => {
    const r = new Recorder(seedRoutes());
    const lib = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 600_000_000,
      numberOfSignificantValueDigits: 3,
    });
    const samplesMs = [0.001, 0.5, 3, 40, 900, 12_000, 45_000, 599_000, 20 * 60_000];
    samplesMs.forEach((ms, i) => {
      // Each in its own slice, fastest first, so every array has to grow.
      r.observe(obs({ sliMs: ms, durationMs: 1, startMs: T0 + i * 10_000 }));
      lib.recordValue(Math.min(Math.round(ms * 1000), 600_000_000));
    });
    const q = r.quantiles(0, 'all', T0 + samplesMs.length * 10_000);
    assert.equal(q.count, samplesMs.length);
    assert.equal(q.p50Ms, lib.getValueAtPercentile(50) / 1000);
    assert.equal(q.p90Ms, lib.getValueAtPercentile(90) / 1000);
    assert.equal(q.maxMs, lib.getValueAtPercentile(100) / 1000);
    const five = r.quantiles(0, '5m', T0 + samplesMs.length * 10_000);
    assert.equal(five.count, samplesMs.length);
    assert.equal(five.p50Ms, q.p50Ms);
  });

  it('reads completed 10 s slices: 1m is the last minute, 5m the last five, all since start', () => {
    const r = new Recorder(seedRoutes());
    r.observe(obs({ sliMs: 100, startMs: T0 + 2000, durationMs: 100 }));
    assert.equal(r.quantiles(0, '1m', T0 + 5000).count, 0, 'the slice being written is not read');
    assert.equal(r.quantiles(0, '1m', T0 + 10_000).count, 1);
    assert.equal(r.quantiles(0, '5m', T0 + 10_000).count, 1);
    assert.equal(r.quantiles(0, '1m', T0 + 69_999).count, 1);
    assert.equal(r.quantiles(0, '1m', T0 + 70_000).count, 0, 'older than a minute');
    assert.equal(r.quantiles(0, '5m', T0 + 70_000).count, 1);
    assert.equal(r.quantiles(0, '5m', T0 + 6 * 60_000).count, 0, 'older than the 5m window');
    assert.equal(r.quantiles(0, 'all', T0 + 3_600_000).count, 1);
  });

  it('slides: samples from different minutes leave the windows one by one', () => {
    const r = new Recorder(seedRoutes());
    for (let m = 0; m < 8; m++)
      r.observe(obs({ sliMs: 10 * (m + 1), startMs: T0 + m * 60_000 + 1000, durationMs: 1 }));
    const now = T0 + 8 * 60_000;
    const five = r.quantiles(0, '5m', now);
    assert.equal(five.count, 5, 'minutes 3..7');
    assert.ok(Math.abs(five.maxMs - 80) < 0.1);
    assert.equal(r.quantiles(0, 'all', now).count, 8);
    assert.equal(r.quantiles(0, '1m', now).count, 1);
  });

  it('books a sample that completes out of order into the slice being written', () => {
    const r = new Recorder(seedRoutes());
    r.observe(obs({ startMs: T0 + 30_000, durationMs: 5 }));
    r.observe(obs({ startMs: T0, durationMs: 5 }));
    assert.equal(r.quantiles(0, 'all', T0 + 40_000).count, 2);
  });

  it('can be switched off; quantiles then report no samples', () => {
    const r = new Recorder(seedRoutes(), { latencyWindows: false });
    r.observe(obs());
    assert.equal(r.quantiles(0, 'all', T0 + 60_000).count, 0);
    assert.equal(r.windowQuantiles(0, 'all', T0 + 60_000), null);
  });
});

describe('Recorder upstream errors', () => {
  it('counts upstream failures that made a request bad, by reason', () => {
    const r = new Recorder(seedRoutes());
    r.observe(obs({ status: 502, errorReason: 'reset', sliMs: null }));
    r.observe(obs({ status: 200, errorReason: 'timeout_body' }));
    assert.equal(r.contexts[0]!.upstreamErrors[1], 1, 'reset');
    assert.equal(r.contexts[0]!.upstreamErrors[5], 1, 'timeout_body');
  });

  it('does not count an upstream request cancelled because the client went away', () => {
    const r = new Recorder(seedRoutes());
    r.observe(obs({ status: 0, errorReason: 'other', clientAborted: true, sliMs: null }));
    r.observe(obs({ status: 200, errorReason: 'reset', clientAborted: true }));
    assert.deepEqual(Array.from(r.contexts[0]!.upstreamErrors), [0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
});
