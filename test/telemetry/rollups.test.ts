import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { Recorder } from '../../src/telemetry/recorder.js';
import { obs, seedRoutes, T0 } from './fixtures.js';

const MIN = 60_000;
const GRACE = 10_000;
const minuteOf = (ms: number): number => Math.floor(ms / MIN);
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('minute rollups', () => {
  it('close a minute once its grace has passed, exactly once, with exact counts', () => {
    const r = new Recorder(seedRoutes(), { rollupGraceMs: GRACE });
    for (let i = 0; i < 7; i++) r.observe(obs({ status: 200, startMs: T0 + i * 1000 }));
    for (let i = 0; i < 3; i++) r.observe(obs({ status: 503, startMs: T0 + 30_000 + i }));
    assert.deepEqual(r.drainRollups(T0 + MIN + GRACE - 1), []);
    const done = r.drainRollups(T0 + MIN + GRACE);
    assert.equal(done.length, 1);
    const m = done[0]!;
    assert.equal(m.minute, minuteOf(T0));
    assert.equal(m.route, 'hpp-create-session');
    assert.equal(m.total, 10);
    assert.equal(m.good, 7);
    assert.equal(m.bad, 3);
    assert.equal(m.excluded, 0);
    assert.equal(m.distinct, 10, 'without digests every request is distinct');
    assert.equal(m.buckets.length, r.layout.size);
    assert.equal(
      m.buckets.reduce((a, b) => a + b, 0),
      10,
    );
    assert.deepEqual(r.drainRollups(T0 + 2 * MIN + GRACE), [], 'returned only once; no traffic, no rollup');
  });

  it('count "slow" as slower than the objective: at 200 ms, 150 ms and 200 ms are not, 250 ms is', () => {
    const r = new Recorder(seedRoutes());
    for (const sliMs of [150, 200, 250]) r.observe(obs({ sliMs }));
    const [m] = r.drainRollups(T0 + 10 * MIN);
    assert.equal(m!.slow, 1);
  });

  it('count a 30 s upstream timeout as slow: latency is "measured on all requests"', () => {
    const r = new Recorder(seedRoutes());
    r.observe(obs({ status: 504, errorReason: 'timeout_headers', sliMs: null, durationMs: 30_000 }));
    const [m] = r.drainRollups(T0 + 10 * MIN);
    assert.equal(m!.bad, 1);
    assert.equal(m!.slow, 1);
  });

  it('count no slow requests on a route without a latency objective', () => {
    const routes = seedRoutes();
    const r = new Recorder(routes);
    r.observe(obs({ routeIndex: routes.length - 1, sliMs: 60_000 }));
    const [m] = r.drainRollups(T0 + 10 * MIN);
    assert.equal(m!.route, 'unmatched');
    assert.equal(m!.slow, 0);
  });

  it('keep abandoned requests apart: in total and excluded, not in good, bad or latency buckets', () => {
    const r = new Recorder(seedRoutes());
    r.observe(obs({ status: 200 }));
    r.observe(obs({ status: 0, clientAborted: true, sliMs: null }));
    const [m] = r.drainRollups(T0 + 10 * MIN);
    assert.equal(m!.total, 2);
    assert.equal(m!.excluded, 1);
    assert.equal(m!.good + m!.bad, 1);
    assert.equal(
      m!.buckets.reduce((a, b) => a + b, 0),
      1,
    );
  });

  it('book a request into the minute it arrived in ("server-side timestamps of API Requests")', () => {
    const r = new Recorder(seedRoutes());
    // Arrived at 10:00:59.9, took two seconds: it belongs to 10:00.
    r.observe(obs({ startMs: T0 + 59_900, sliMs: 2000 }));
    r.observe(obs({ startMs: T0 + MIN + 1 }));
    const rollups = r.drainRollups(T0 + 2 * MIN + GRACE);
    assert.deepEqual(
      rollups.map((m) => [m.minute, m.total]),
      [
        [minuteOf(T0), 1],
        [minuteOf(T0) + 1, 1],
      ],
    );
  });

  it('never lose a request that ends after its minute was closed: it joins the oldest open minute', () => {
    const r = new Recorder(seedRoutes());
    r.observe(obs({ startMs: T0 }));
    const first = r.drainRollups(T0 + MIN + GRACE);
    assert.equal(first.length, 1);
    r.observe(obs({ startMs: T0 + 5000, sliMs: 70_000 }));
    const later = r.drainRollups(T0 + 2 * MIN + GRACE);
    assert.deepEqual(
      later.map((m) => [m.minute, m.total]),
      [[minuteOf(T0) + 1, 1]],
    );
  });

  it('close old minutes when traffic runs ahead of draining, and still return each once', () => {
    const r = new Recorder(seedRoutes());
    for (let m = 0; m < 10; m++) r.observe(obs({ startMs: T0 + m * MIN }));
    const all = r.drainRollups(T0 + 11 * MIN);
    assert.deepEqual(
      all.map((m) => m.minute - minuteOf(T0)),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
  });

  it('show the minute in progress through peekCurrent without closing it', () => {
    const r = new Recorder(seedRoutes());
    r.drainRollups(T0);
    r.observe(obs({ startMs: T0 + 1000 }));
    r.observe(obs({ startMs: T0 + 2000, status: 500 }));
    const peek = r.peekCurrent();
    assert.equal(peek.length, 1);
    assert.equal(peek[0]!.total, 2);
    r.observe(obs({ startMs: T0 + 3000 }));
    assert.equal(r.peekCurrent()[0]!.total, 3);
    assert.equal(r.drainRollups(T0 + MIN + GRACE)[0]!.total, 3);
    assert.deepEqual(r.peekCurrent(), []);
  });
});

// docs/sla-definitions.md#timeslice-error-rate: "API Error Rate: total number of API Requests made to the Transaction Services
// from Merchant's systems resulting in a response with HTTP Status 500 during a given period,
// divided by total number of distinct API Requests made to the Transaction Services from
// Merchant's systems during that period. API Requests without distinct parameters, e.g.
// repeated identical API requests, will not count towards the API Error Rate."
describe('timeslice counts (docs/sla-definitions.md#timeslice-error-rate)', () => {
  it('count "a response with HTTP Status 500" as an error, and not 502 or 503 by default', () => {
    const r = new Recorder(seedRoutes());
    for (const status of [500, 500, 502, 503, 200]) r.observe(obs({ status }));
    const [m] = r.drainRollups(T0 + 10 * MIN);
    assert.equal(m!.errors, 2);
    assert.equal(m!.distinct, 5);
  });

  it('count the configured statuses when timesliceErrorStatuses is set', () => {
    const r = new Recorder(seedRoutes(), { timesliceErrorStatuses: [500, 502] });
    for (const status of [500, 502, 503]) r.observe(obs({ status }));
    const [m] = r.drainRollups(T0 + 10 * MIN);
    assert.equal(m!.errors, 2);
  });

  it('count "repeated identical API requests" once, in errors and in distinct requests', () => {
    const r = new Recorder(seedRoutes());
    const retried = sha('POST /v1/payments {"amount":10}');
    for (let i = 0; i < 4; i++) r.observe(obs({ status: 500, digest: retried }));
    r.observe(obs({ status: 200, digest: sha('POST /v1/payments {"amount":11}') }));
    r.observe(obs({ status: 500, digest: sha('POST /v1/payments {"amount":12}') }));
    const [m] = r.drainRollups(T0 + 10 * MIN);
    assert.equal(m!.total, 6);
    assert.equal(m!.distinct, 3);
    assert.equal(m!.errors, 2);
  });

  it('start de-duplication afresh every minute', () => {
    const r = new Recorder(seedRoutes());
    const d = sha('same');
    r.observe(obs({ status: 500, digest: d, startMs: T0 }));
    r.observe(obs({ status: 500, digest: d, startMs: T0 + MIN }));
    const rollups = r.drainRollups(T0 + 10 * MIN);
    assert.deepEqual(
      rollups.map((m) => [m.distinct, m.errors]),
      [
        [1, 1],
        [1, 1],
      ],
    );
  });

  it('give a repeated identical request the status of its first copy: 20 distinct 200s + 2 repeats answered 500 are 0%, not 10%', () => {
    // docs/sla-definitions.md#repeated-requests: "API Requests without distinct parameters,
    // e.g. repeated identical API requests, will not count towards the API Error Rate".
    // 20 distinct requests, all first answered 200; request 0 is re-sent twice and the
    // repeats get 500. Error rate = errors / distinct = 0 / 20 = 0% (before: 1 / 20 = 5%
    // counted the distinct request as an error, and the report showed 10%).
    const r = new Recorder(seedRoutes());
    const body = (i: number): string => sha(`POST /v1/payments {"amount":${i}}`);
    for (let i = 0; i < 20; i++) r.observe(obs({ status: 200, digest: body(i), startMs: T0 + i }));
    for (let k = 0; k < 2; k++) r.observe(obs({ status: 500, digest: body(0), startMs: T0 + 100 + k }));
    const [m] = r.drainRollups(T0 + 10 * MIN);
    assert.equal(m!.distinct, 20);
    assert.equal(m!.errors, 0, 'the repeats do not count towards the API Error Rate');
    // Availability counts occurrences: 22 requests, the two 500s are bad ones.
    assert.equal(m!.total, 22);
    assert.equal(m!.bad, 2);
  });

  it('keep the first copy an error when it was answered 500 and its repeat 200', () => {
    // One distinct request, first answered 500: 1 error of 1 distinct request; the 200
    // repeat does not take it back.
    const r = new Recorder(seedRoutes());
    const d = sha('POST /v1/payments {"amount":1}');
    r.observe(obs({ status: 500, digest: d, startMs: T0 }));
    r.observe(obs({ status: 200, digest: d, startMs: T0 + 1 }));
    const [m] = r.drainRollups(T0 + 10 * MIN);
    assert.deepEqual([m!.distinct, m!.errors], [1, 1]);
  });
});
