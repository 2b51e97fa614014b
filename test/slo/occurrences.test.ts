/**
 * docs/sla-definitions.md#availability-occurrences (Klarna/Kustom): availability "calculated by dividing the number of requests
 * processed correctly (responses having status code being 2xx, 3xx and 4xx) by the total
 * number of requests", and p99 latency objectives per endpoint.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SloEngine } from '../../src/slo/engine.js';
import type { SloStatus, WindowStatus } from '../../src/slo/status.js';
import {
  availabilitySlo,
  BOUNDS,
  buckets,
  config,
  latencySlo,
  MINUTE,
  minutes,
  rollup,
  route,
  utcMinute,
} from './builders.js';

const T0 = utcMinute('2025-05-05T12:00:00Z');

function availabilityEngine(): SloEngine {
  return new SloEngine(
    config({
      routes: [route('orders', 'payment-request')],
      slos: [availabilitySlo('payment-request', ['orders'])],
    }),
    { bucketBoundsSeconds: BOUNDS },
  );
}

function win(s: SloStatus | undefined, name: WindowStatus['window']): WindowStatus {
  const w = s?.windows.find((x) => x.window === name);
  assert.ok(w, `window ${name}`);
  return w;
}

describe('availability, occurrences', () => {
  it('"A% = SR / R * 100": 990 requests answered 2xx/3xx/4xx out of 1,000 is 99%', () => {
    const engine = availabilityEngine();
    engine.ingest([rollup(T0, 'orders', { good: 990, bad: 10 })]);
    const [s] = engine.evaluate(T0 * MINUTE + 1);
    // SR / R = 990 / 1,000 = 0.99, exactly the 99% objective: met, budget fully spent.
    assert.equal(s?.ratio, 0.99);
    assert.equal(s?.met, true);
    assert.equal(win(s, '5m').errorRatio, 0.01);
    assert.ok(Math.abs((s?.budgetRemaining ?? 1) - 0) < 1e-9);
  });

  it('4xx never burns availability: a minute of client errors (counted as SR) has error ratio 0', () => {
    const engine = availabilityEngine();
    engine.ingest([rollup(T0, 'orders', { good: 500 })]);
    const [s] = engine.evaluate(T0 * MINUTE + 1);
    assert.equal(win(s, '5m').errorRatio, 0);
    assert.equal(win(s, '5m').burnRate, 0);
  });

  it('"does not include cases if ... there is no traffic": a window with no requests has no ratio, not 0 and not 100%', () => {
    const engine = availabilityEngine();
    // Traffic 2 hours ago only: the 5m..1h windows are empty, 2h and longer are not.
    engine.ingest([rollup(T0 - 110, 'orders', { good: 90, bad: 10 })]);
    const [s] = engine.evaluate(T0 * MINUTE + 1);
    for (const name of ['5m', '30m', '1h'] as const) {
      assert.equal(win(s, name).errorRatio, null, name);
      assert.equal(win(s, name).burnRate, null, name);
    }
    assert.equal(win(s, '2h').errorRatio, 0.1);
    const empty = availabilityEngine().evaluate(T0 * MINUTE)[0];
    assert.equal(empty?.ratio, null);
    assert.equal(empty?.met, null);
    assert.equal(empty?.budgetRemaining, 1);
  });

  it('requests the client abandoned are excluded: neither good nor bad', () => {
    const engine = availabilityEngine();
    engine.ingest([rollup(T0, 'orders', { good: 90, bad: 10, excluded: 900 })]);
    const [s] = engine.evaluate(T0 * MINUTE + 1);
    // 10 / (90 + 10) = 10%, not 10 / 1,000.
    assert.equal(win(s, '5m').errorRatio, 0.1);
    assert.equal(s?.requests, 1000);
    assert.equal(s?.excluded, 900);
  });

  it('error budget: 1 - (bad/valid) / (1 - objective), negative once overspent', () => {
    const engine = availabilityEngine();
    // 3% errors against a 1% budget: 1 - 0.03 / 0.01 = -2.
    engine.ingest(minutes(T0, 10, 'orders', { good: 97, bad: 3 }));
    const [s] = engine.evaluate((T0 + 9) * MINUTE);
    assert.ok(Math.abs((s?.budgetRemaining ?? 0) - -2) < 1e-9);
    assert.equal(s?.met, false);
  });
});

describe('ingest replaces per (minute, route)', () => {
  it('the re-sent in-progress minute replaces its earlier counts instead of adding to them', () => {
    const engine = availabilityEngine();
    engine.ingest([rollup(T0, 'orders', { good: 10, bad: 0 })]);
    engine.ingest([rollup(T0, 'orders', { good: 50, bad: 1 })]);
    engine.ingest([rollup(T0, 'orders', { good: 98, bad: 2 })]);
    const [s] = engine.evaluate(T0 * MINUTE + 59_000);
    assert.equal(s?.requests, 100);
    assert.equal(s?.bad, 2);
    assert.deepEqual(
      { ingested: engine.stats().ingested, replaced: engine.stats().replaced },
      { ingested: 1, replaced: 2 },
    );
  });

  it('a caller mutating and re-sending the same rollup object is still counted once', () => {
    const engine = availabilityEngine();
    const live = { ...rollup(T0, 'orders', { good: 10 }) };
    engine.ingest([live]);
    Object.assign(live, { good: 20, total: 20, distinct: 20 });
    engine.ingest([live]);
    assert.equal(engine.evaluate(T0 * MINUTE + 1)[0]?.requests, 20);
  });

  it('rollups for routes the config does not know are counted apart, not guessed into an SLO', () => {
    const engine = availabilityEngine();
    engine.ingest([rollup(T0, 'nope', { bad: 5 })]);
    assert.equal(engine.stats().unknownRoutes, 1);
    // `unmatched` traffic is known (it is a route of every sidecar), even when no SLO covers it.
    engine.ingest([rollup(T0, 'unmatched', { bad: 5 })]);
    assert.equal(engine.stats().unknownRoutes, 1);
    assert.equal(engine.evaluate(T0 * MINUTE + 1)[0]?.requests, 0);
  });

  it('minutes older than the ring holds are refused', () => {
    const engine = availabilityEngine();
    engine.ingest([rollup(T0, 'orders', { good: 1 })]);
    engine.ingest([rollup(T0 - engine.capacity - 10, 'orders', { bad: 1 })]);
    assert.equal(engine.stats().tooOld, 1);
  });
});

describe('latency, occurrences ("p99 <= T" = at most 1% of requests slower than T)', () => {
  const routes = [route('hpp-create-session', 'payment-request', 200)];

  it("uses the recorder's `slow` count for the route's own objective (POST /hpp/v1/sessions 200ms)", () => {
    const engine = new SloEngine(
      config({ routes, slos: [latencySlo('hpp-latency', 'hpp-create-session', 200)] }),
      {
        bucketBoundsSeconds: BOUNDS,
      },
    );
    // 97 fast, 3 between 200 ms and 500 ms; 2 more requests got no response (502): not in the latency SLI.
    engine.ingest([
      rollup(T0, 'hpp-create-session', { good: 100, bad: 2, slow: 3, buckets: buckets(97, 0.5, 3) }),
    ]);
    const [s] = engine.evaluate(T0 * MINUTE + 1);
    // 3 slow of 100 measured = 3% > 1%: burn 3.
    assert.equal(win(s, '5m').requests, 100);
    assert.equal(win(s, '5m').errorRatio, 0.03);
    assert.ok(Math.abs((win(s, '5m').burnRate ?? 0) - 3) < 1e-9);
    assert.equal(s?.excluded, 2);
  });

  it('another threshold on the same route reads the buckets above that bound', () => {
    const engine = new SloEngine(
      config({
        routes,
        slos: [
          latencySlo('within-500ms', 'hpp-create-session', 500),
          latencySlo('within-100ms', 'hpp-create-session', 100),
        ],
      }),
      { bucketBoundsSeconds: BOUNDS },
    );
    // 90 in <=50ms, 7 in (0.1, 0.2], 3 in (0.2, 0.5]
    const b = buckets(90, 0.2, 7);
    b[BOUNDS.indexOf(0.5)] = 3;
    engine.ingest([rollup(T0, 'hpp-create-session', { good: 100, slow: 3, buckets: b })]);
    const [s500, s100] = engine.evaluate(T0 * MINUTE + 1);
    // Slower than 500 ms: none. Slower than 100 ms: 7 + 3 = 10 of 100.
    assert.equal(win(s500, '5m').errorRatio, 0);
    assert.equal(win(s100, '5m').errorRatio, 0.1);
  });
});
