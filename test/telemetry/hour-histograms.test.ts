/**
 * The monthly report gives per latency SLO the p99 from HDR histograms (docs/sla-definitions.md#latency-p99): the recorder
 * hands the store one HDR histogram per route and hour, re-sent while the hour grows.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hdrPercentiles } from '../../src/telemetry/hdr-layout.js';
import { Recorder } from '../../src/telemetry/recorder.js';
import { obs, seedRoutes, T0 } from './fixtures.js';

const HOUR = 3_600_000;
const total = (counts: Uint32Array) => counts.reduce((a, b) => a + b, 0);

test('completed slices reach the hour histogram once; nothing is re-sent until the hour changes', () => {
  const r = new Recorder(seedRoutes(), { now: () => T0 });
  // 100 requests at 1..100 ms: p99 is 99 ms.
  for (let i = 1; i <= 100; i++) r.observe(obs({ startMs: T0, sliMs: i }));
  assert.deepEqual(r.drainHourHistograms(), [], 'the 10 s slice is still open');
  r.drainRollups(T0 + 20_000);
  const [h, ...rest] = r.drainHourHistograms();
  assert.equal(rest.length, 0);
  assert.equal(h!.hour, Math.floor(T0 / HOUR));
  assert.equal(h!.route, seedRoutes()[0]!.name);
  assert.equal(total(h!.counts), 100);
  const p = new Float64Array(1);
  assert.ok(hdrPercentiles(Float64Array.from(h!.counts), 100, [99], p));
  assert.ok(Math.abs(p[0]! / 1000 - 99) < 0.1, `p99 ${p[0]! / 1000} ms`);
  assert.deepEqual(r.drainHourHistograms(), [], 'unchanged hours are not re-sent');

  r.observe(obs({ startMs: T0 + 30_000, sliMs: 5 }));
  r.drainRollups(T0 + 50_000);
  const [again] = r.drainHourHistograms();
  assert.equal(total(again!.counts), 101, 'the growing hour is re-sent whole (the store replaces it)');
});

test('when the hour rolls, the finished hour is sent one last time next to the new one', () => {
  const start = Math.floor(T0 / HOUR) * HOUR + HOUR - 30_000; // 30 s before an hour ends
  const r = new Recorder(seedRoutes(), { now: () => start });
  r.observe(obs({ startMs: start, sliMs: 10 }));
  r.drainRollups(start + 15_000);
  assert.equal(r.drainHourHistograms().length, 1);
  r.observe(obs({ startMs: start + 20_000, sliMs: 10 })); // still the old hour
  r.observe(obs({ startMs: start + 40_000, sliMs: 20 })); // the new hour
  r.drainRollups(start + 70_000);
  const sent = r.drainHourHistograms().map((x) => [x.hour - Math.floor(start / HOUR), total(x.counts)]);
  assert.deepEqual(sent, [
    [0, 2],
    [1, 1],
  ]);
});
