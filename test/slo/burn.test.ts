/**
 * Multiwindow multi-burn-rate flags (SRE workbook, as Sloth generates them for 30 days):
 * page when (1h and 5m > 14.4) or (6h and 30m > 6); ticket when (1d and 2h > 3) or (3d and
 * 6h > 1); factors = budget consumed x period / long window.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertFactors, burnFactor, burnRate, evaluateFlags, type WindowReading } from '../../src/slo/burn.js';
import { SloEngine } from '../../src/slo/engine.js';
import type { FlagTransition } from '../../src/slo/status.js';
import {
  availabilitySlo,
  BOUNDS,
  config,
  DAY,
  MINUTE,
  minutes,
  rollup,
  route,
  utcMinute,
} from './builders.js';

function near(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);
}

describe('burn-rate factors', () => {
  it("are the workbook's 14.4 / 6 / 3 / 1 for a 30-day period", () => {
    // 2% x 720 h / 1 h = 14.4; 5% x 720 h / 6 h = 6; 10% x 720 h / 24 h = 3; 10% x 720 h / 72 h = 1
    const f = alertFactors(30 * 24 * 60);
    assert.equal(f['page-quick'], 14.4);
    assert.equal(f['page-slow'], 6);
    assert.equal(f['ticket-quick'], 3);
    assert.equal(f['ticket-slow'], 1);
  });

  it('scale with the period: 28 days, 7 days and a 31-day calendar month', () => {
    // 28 d = 672 h: 2% x 672 / 1 = 13.44; 5% x 672 / 6 = 5.6; 10% x 672 / 24 = 2.8; 10% x 672 / 72 = 0.9333
    const f28 = alertFactors(28 * 1440);
    near(f28['page-quick'], 13.44, '28d page-quick');
    near(f28['page-slow'], 5.6, '28d page-slow');
    near(f28['ticket-quick'], 2.8, '28d ticket-quick');
    near(f28['ticket-slow'], 67.2 / 72, '28d ticket-slow');
    // 7 d = 168 h: 3.36, 1.4, 0.7, 0.2333
    const f7 = alertFactors(7 * 1440);
    near(f7['page-quick'], 3.36, '7d page-quick');
    near(f7['page-slow'], 1.4, '7d page-slow');
    near(f7['ticket-quick'], 0.7, '7d ticket-quick');
    near(f7['ticket-slow'], 16.8 / 72, '7d ticket-slow');
    // 31 d = 744 h: 14.88, 6.2, 3.1, 1.0333
    const f31 = alertFactors(31 * 1440);
    near(f31['page-quick'], 14.88, '31d page-quick');
    near(f31['page-slow'], 6.2, '31d page-slow');
    near(f31['ticket-quick'], 3.1, '31d ticket-quick');
    near(f31['ticket-slow'], 74.4 / 72, '31d ticket-slow');
    near(burnFactor(2, 43_200, 60), 14.4, 'burnFactor');
  });

  it('burn rate = error ratio / (1 - objective); none without a ratio', () => {
    near(burnRate(0.2, 0.99) ?? 0, 20, '20% errors against a 1% budget');
    assert.equal(burnRate(null, 0.99), null);
  });
});

describe('flags on the engine', () => {
  const T0 = utcMinute('2025-06-01T00:00:00Z');

  function engineWith(onTransition: (t: FlagTransition) => void, minRequests = 10): SloEngine {
    return new SloEngine(
      config({
        routes: [route('orders', 'payment-request')],
        slos: [availabilitySlo('payment-request', ['orders'])],
        minRequests,
      }),
      { bucketBoundsSeconds: BOUNDS, onTransition },
    );
  }

  it('a 20x burn raises page once the 1h window passes 14.4 with evidence, recovery clears it after the hold, each transition once', () => {
    const transitions: FlagTransition[] = [];
    const engine = engineWith((t) => transitions.push(t));
    // Three healthy days (100 requests a minute) so that the ticket windows are diluted:
    // ticket needs 1d and 3d burns above 3 and 1, far away within the next hour.
    engine.ingest(minutes(T0 - 3 * 1440, 3 * 1440, 'orders', { good: 100 }));
    const tick = (m: number) => {
      // Evaluated twice per minute: a flag that stays up must not be announced again.
      engine.evaluate(m * MINUTE + 20_000);
      return engine.evaluate(m * MINUTE + 50_000);
    };
    // 20% errors = 20x a 1% budget. After k bad minutes the 1h window holds 20k bad of 6,000:
    // burn = (20k / 6,000) / 0.01 = k / 3, above 14.4 from k = 44 (14.67). The evidence guard
    // (docs/sla-definitions.md#flag-evidence) also wants the Wilson lower bound of 20k / 6,000
    // above 14.4 x 1% = 0.144. At k = 45: p = 900/6000 = 0.15, centre = 0.15 + 3.8416 / 12,000
    // = 0.1503201, spread^2 = 0.15 x 0.85 / 6000 + 3.8416 / (4 x 6000^2) = 0.0000212767,
    // spread = 1.96 x 0.00461266 = 0.0090408, bound = 0.1412793 / 1.00064027 = 0.14119: not
    // yet. At k = 46: p = 0.1533333, centre 0.1536535, spread^2 = 0.0000216637, spread = 1.96 x
    // 0.00465443 = 0.0091227, bound = 0.1445308 / 1.00064027 = 0.14444 > 0.144: page.
    for (let k = 1; k <= 45; k++) {
      engine.ingest([rollup(T0 + k - 1, 'orders', { good: 80, bad: 20 })]);
      const [s] = tick(T0 + k - 1);
      assert.equal(s?.flags.page, false, `k=${k}`);
    }
    engine.ingest([rollup(T0 + 45, 'orders', { good: 80, bad: 20 })]);
    const [raised] = tick(T0 + 45);
    assert.equal(raised?.flags.page, true);
    assert.deepEqual(raised?.firing, ['page-quick']);
    assert.equal(transitions.length, 1);
    assert.equal(transitions[0]?.state, 'raised');
    assert.equal(transitions[0]?.severity, 'page');
    assert.equal(transitions[0]?.slo, 'payment-request');
    assert.equal(transitions[0]?.rule, 'page-quick');
    near(transitions[0]?.burnRates['5m'] ?? 0, 20, '5m burn in the transition');
    // Recovery: healthy minutes. The 5m window after j healthy minutes holds 20 (5 - j) bad of
    // 500: burn 4 (5 - j); j = 1 -> 16 (still above), j = 2 -> 12 (below 14.4): the condition
    // is false from the evaluation at minute T0 + 47, 20 s. The hold (default: the short window
    // of page-quick, 5 minutes) ends at T0 + 52, 20 s: the flag stays up until that evaluation.
    for (let m = T0 + 46; m <= T0 + 51; m++) {
      engine.ingest([rollup(m, 'orders', { good: 100 })]);
      assert.equal(tick(m)[0]?.flags.page, true, `minute ${m - T0}`);
    }
    engine.ingest([rollup(T0 + 52, 'orders', { good: 100 })]);
    assert.equal(
      engine.evaluate((T0 + 52) * MINUTE + 19_999)[0]?.flags.page,
      true,
      'a millisecond before the hold ends',
    );
    const [cleared] = tick(T0 + 52);
    assert.equal(cleared?.flags.page, false);
    for (let m = T0 + 53; m < T0 + 60; m++) {
      engine.ingest([rollup(m, 'orders', { good: 100 })]);
      tick(m);
    }
    assert.deepEqual(
      transitions.map((t) => `${t.severity}:${t.state}`),
      ['page:raised', 'page:cleared'],
    );
    assert.equal(transitions[1]?.raisedAt, (T0 + 45) * MINUTE + 20_000);
    assert.ok(Number.isFinite(transitions[1]?.at));
  });

  it('ticket: 6h and 3d both burning above 1 raise a ticket, not a page', () => {
    const engine = engineWith(() => {});
    // A 3-day-old service at 2% errors (burn 2) everywhere: 1d/2h (2 < 3) no, 3d/6h (2 > 1) yes; page no.
    engine.ingest(minutes(T0 - 3 * 1440, 3 * 1440, 'orders', { good: 98, bad: 2 }));
    const [s] = engine.evaluate(T0 * MINUTE - 1);
    assert.equal(s?.flags.ticket, true);
    assert.deepEqual(s?.firing, ['ticket-slow']);
    assert.equal(s?.flags.page, false);
  });

  it('"a single failure at night does not page": windows under min_requests never raise a flag', () => {
    const seen: FlagTransition[] = [];
    const quiet = engineWith((t) => seen.push(t), 10);
    quiet.ingest([rollup(T0, 'orders', { bad: 1 })]);
    const [s] = quiet.evaluate(T0 * MINUTE + 1);
    // 1 of 1 failed: burn 100 in every window, but 1 request < 10.
    near(s?.windows[0]?.burnRate ?? 0, 100, 'burn');
    assert.equal(s?.flags.page, false);
    assert.equal(s?.flags.ticket, false);
    assert.equal(seen.length, 0);
    // The same failure with min_requests 1 pages.
    const eager = engineWith(() => {}, 1);
    eager.ingest([rollup(T0, 'orders', { bad: 1 })]);
    assert.equal(eager.evaluate(T0 * MINUTE + 1)[0]?.flags.page, true);
  });

  it('both windows of a pair need enough requests: a busy hour with a quiet 5 minutes does not page', () => {
    // 1h: 6,000 requests burning 20x; 5m: only 5 requests (< 10), also burning 20x.
    const readings = (shortRequests: number): WindowReading[] => [
      { window: '1h', requests: 6000, burnRate: 20 },
      { window: '5m', requests: shortRequests, burnRate: 20 },
      { window: '6h', requests: 36000, burnRate: 0 },
      { window: '30m', requests: 3000, burnRate: 0 },
    ];
    const f = alertFactors(30 * 1440);
    assert.equal(evaluateFlags(readings(5), f, 10).page, false);
    assert.equal(evaluateFlags(readings(10), f, 10).page, true);
  });

  it('a burn exactly at the factor does not flag ("> 14.4")', () => {
    const f = alertFactors(30 * 1440);
    const at = (burn: number): WindowReading[] => [
      { window: '1h', requests: 100, burnRate: burn },
      { window: '5m', requests: 100, burnRate: burn },
    ];
    assert.equal(evaluateFlags(at(14.4), f, 10).page, false);
    assert.equal(evaluateFlags(at(14.5), f, 10).page, true);
  });

  it('an exception in onTransition is counted, and evaluation goes on', () => {
    const engine = engineWith(() => {
      throw new Error('logger down');
    }, 1);
    engine.ingest([rollup(T0, 'orders', { bad: 5 })]);
    const [s] = engine.evaluate(T0 * MINUTE + 1);
    assert.equal(s?.flags.page, true);
    assert.equal(engine.stats().transitionErrors >= 1, true);
  });

  it('a rolling period shorter than 3 days still evaluates every window', () => {
    const engine = new SloEngine(
      config({
        routes: [route('orders', 'p')],
        slos: [availabilitySlo('p', ['orders'], { period: { kind: 'rolling', ms: 1 * DAY } })],
      }),
      { bucketBoundsSeconds: BOUNDS },
    );
    assert.ok(engine.capacity >= 3 * 1440);
    engine.ingest([rollup(T0 - 2 * 1440, 'orders', { bad: 10 })]);
    const [s] = engine.evaluate(T0 * MINUTE);
    assert.equal(s?.windows.find((w) => w.window === '3d')?.errorRatio, 1);
    assert.equal(s?.windows.find((w) => w.window === 'period')?.errorRatio, null);
  });
});
