import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SloEngine } from '../../src/slo/engine.js';
import {
  excludedMinuteRanges,
  insideNightlySlot,
  type MaintenanceVerdict,
  minuteInRanges,
  validateMaintenance,
} from '../../src/slo/maintenance.js';
import { availabilitySlo, BOUNDS, config, MINUTE, minutes, route, utcMinute, window } from './builders.js';

function verdictOf(vs: MaintenanceVerdict[], id: string): MaintenanceVerdict {
  const v = vs.find((x) => x.window.id === id);
  assert.ok(v, `no verdict for ${id}`);
  return v;
}

describe('Klarna policy (docs/sla-definitions.md#maintenance-klarna)', () => {
  it('"Communication of maintenance downtime: 7 days in advance": 6 days ahead is rejected, 7 days is accepted', () => {
    const vs = validateMaintenance('klarna', [
      window('six-days', '2025-03-10T01:00:00Z', '2025-03-10T03:00:00Z', '2025-03-04T01:00:00Z'),
      window('seven-days', '2025-03-20T01:00:00Z', '2025-03-20T03:00:00Z', '2025-03-13T01:00:00Z'),
    ]);
    const six = verdictOf(vs, 'six-days');
    assert.equal(six.accepted, false);
    assert.equal(six.rule, 'klarna.notice');
    assert.match(six.reason ?? '', /7 days in advance/);
    assert.match(six.reason ?? '', /6d/);
    assert.equal(verdictOf(vs, 'seven-days').accepted, true);
  });

  it('"5 times per year": the 6th occasion in a calendar year is rejected, counted in start order, and a new year starts over', () => {
    // Given out of order on purpose: the cap counts in calendar order of the windows' starts.
    const months = ['06', '02', '04', '01', '05', '03'];
    const ws = months.map((mm) =>
      window(`w-${mm}`, `2025-${mm}-10T01:00:00Z`, `2025-${mm}-10T02:00:00Z`, `2025-${mm}-01T00:00:00Z`),
    );
    ws.push(window('w-2026', '2026-01-10T01:00:00Z', '2026-01-10T02:00:00Z', '2026-01-01T00:00:00Z'));
    const vs = validateMaintenance('klarna', ws);
    for (const mm of ['01', '02', '03', '04', '05'])
      assert.equal(verdictOf(vs, `w-${mm}`).accepted, true, mm);
    const sixth = verdictOf(vs, 'w-06');
    assert.equal(sixth.accepted, false);
    assert.equal(sixth.rule, 'klarna.occasions');
    assert.match(sixth.reason ?? '', /5 times per year/);
    assert.equal(verdictOf(vs, 'w-2026').accepted, true);
    // Verdicts come back in the order the windows were given.
    assert.deepEqual(
      vs.map((v) => v.window.id),
      ws.map((w) => w.id),
    );
  });

  it('"15 hours per year": a window that would make 16 hours is rejected and uses none of the allowance', () => {
    // 8 h accepted (8 used); 8 h more would make 16 > 15: rejected; 7 h brings it to exactly 15: accepted.
    const vs = validateMaintenance('klarna', [
      window('a-8h', '2025-02-01T00:00:00Z', '2025-02-01T08:00:00Z', '2025-01-01T00:00:00Z'),
      window('b-8h', '2025-03-01T00:00:00Z', '2025-03-01T08:00:00Z', '2025-01-01T00:00:00Z'),
      window('c-7h', '2025-04-01T00:00:00Z', '2025-04-01T07:00:00Z', '2025-01-01T00:00:00Z'),
    ]);
    assert.equal(verdictOf(vs, 'a-8h').accepted, true);
    const b = verdictOf(vs, 'b-8h');
    assert.equal(b.accepted, false);
    assert.equal(b.rule, 'klarna.hours');
    assert.match(b.reason ?? '', /15 hours per year/);
    assert.match(b.reason ?? '', /16h/);
    assert.equal(verdictOf(vs, 'c-7h').accepted, true);
  });

  it('a window rejected for short notice does not use up an occasion', () => {
    const ws = [window('late', '2025-01-05T00:00:00Z', '2025-01-05T01:00:00Z', '2025-01-04T00:00:00Z')];
    for (let i = 1; i <= 5; i++) {
      ws.push(
        window(
          `ok-${i}`,
          `2025-0${i + 1}-10T00:00:00Z`,
          `2025-0${i + 1}-10T01:00:00Z`,
          '2025-01-01T00:00:00Z',
        ),
      );
    }
    const vs = validateMaintenance('klarna', ws);
    assert.equal(verdictOf(vs, 'late').rule, 'klarna.notice');
    for (let i = 1; i <= 5; i++) assert.equal(verdictOf(vs, `ok-${i}`).accepted, true);
  });
});

describe('PayWithMyBank policy (docs/sla-definitions.md#maintenance-paywithmybank)', () => {
  const dayAhead = (iso: string) => new Date(Date.parse(iso) - 24 * 3_600_000).toISOString();

  it('"notify Merchant at least eight (8) hours in advance": 7 h notice is rejected, 8 h accepted', () => {
    // 2025-06-10 13:00 PDT = 20:00Z
    const vs = validateMaintenance('paywithmybank', [
      window('seven', '2025-06-10T20:00:00Z', '2025-06-10T21:00:00Z', '2025-06-10T13:00:00Z'),
      window('eight', '2025-06-11T20:00:00Z', '2025-06-11T21:00:00Z', '2025-06-11T12:00:00Z'),
    ]);
    assert.equal(verdictOf(vs, 'seven').rule, 'paywithmybank.notice');
    assert.match(verdictOf(vs, 'seven').reason ?? '', /eight \(8\) hours in advance/);
    assert.equal(verdictOf(vs, 'eight').accepted, true);
  });

  it('"(a) last no longer than four (4) hours": a 5-hour window at 13:00 PT is rejected, 4 hours is accepted', () => {
    const vs = validateMaintenance('paywithmybank', [
      // 13:00-18:00 PDT = 20:00Z-01:00Z
      window('five-at-13', '2025-06-10T20:00:00Z', '2025-06-11T01:00:00Z', dayAhead('2025-06-10T20:00:00Z')),
      window('four-at-13', '2025-06-12T20:00:00Z', '2025-06-13T00:00:00Z', dayAhead('2025-06-12T20:00:00Z')),
    ]);
    const five = verdictOf(vs, 'five-at-13');
    assert.equal(five.rule, 'paywithmybank.duration');
    assert.match(five.reason ?? '', /four \(4\) hours/);
    assert.match(five.reason ?? '', /12:00 a\.m\. to 4:00 a\.m\. Pacific Time/);
    assert.equal(verdictOf(vs, 'four-at-13').accepted, true);
  });

  it('"(b) be scheduled nightly from 12:00 a.m. to 4:00 a.m. Pacific Time": the 5-hour 00:00-04:00 night when clocks go back is accepted', () => {
    // 2025-11-02: clocks go back at 02:00 PDT -> 01:00 PST, so 00:00 PDT (07:00Z) to 04:00 PST
    // (12:00Z) lasts 5 hours of real time. It exceeds (a) but is exactly the nightly slot (b).
    const fallBack = window(
      'fall-back',
      '2025-11-02T07:00:00Z',
      '2025-11-02T12:00:00Z',
      '2025-11-01T00:00:00Z',
    );
    // 2025-06-10 23:00 PDT to 2025-06-11 04:00 PDT (06:00Z-11:00Z): 5 hours, starts before midnight.
    const lateStart = window(
      '23-to-04',
      '2025-06-11T06:00:00Z',
      '2025-06-11T11:00:00Z',
      '2025-06-01T00:00:00Z',
    );
    // 2025-06-11 00:00-04:30 PDT (07:00Z-11:30Z): 4.5 hours, runs past 4 a.m.
    const lateEnd = window(
      '00-to-0430',
      '2025-06-11T07:00:00Z',
      '2025-06-11T11:30:00Z',
      '2025-06-01T00:00:00Z',
    );
    const vs = validateMaintenance('paywithmybank', [fallBack, lateStart, lateEnd]);
    assert.equal(verdictOf(vs, 'fall-back').accepted, true);
    assert.equal(verdictOf(vs, '23-to-04').rule, 'paywithmybank.duration');
    assert.equal(verdictOf(vs, '00-to-0430').rule, 'paywithmybank.duration');
  });

  it('the nightly slot follows Pacific daylight saving time', () => {
    // Summer: 00:00-04:00 PDT = 07:00Z-11:00Z
    assert.equal(
      insideNightlySlot(Date.parse('2025-06-11T07:00:00Z'), Date.parse('2025-06-11T11:00:00Z')),
      true,
    );
    // Winter: 00:00-04:00 PST = 08:00Z-12:00Z; 07:00Z is 23:00 PST the day before.
    assert.equal(
      insideNightlySlot(Date.parse('2025-01-15T08:00:00Z'), Date.parse('2025-01-15T12:00:00Z')),
      true,
    );
    assert.equal(
      insideNightlySlot(Date.parse('2025-01-15T07:00:00Z'), Date.parse('2025-01-15T11:00:00Z')),
      false,
    );
    // Spring forward 2025-03-09: 00:00 PST (08:00Z) to 04:00 PDT (11:00Z) is a 3-hour night.
    assert.equal(
      insideNightlySlot(Date.parse('2025-03-09T08:00:00Z'), Date.parse('2025-03-09T11:00:00Z')),
      true,
    );
    assert.equal(
      insideNightlySlot(Date.parse('2025-03-09T08:00:00Z'), Date.parse('2025-03-09T12:00:00Z')),
      false,
    );
  });
});

describe('policy none and malformed windows', () => {
  it('accepts any window under `none` but never one that ends before it starts', () => {
    const vs = validateMaintenance('none', [
      window('long', '2025-01-01T00:00:00Z', '2025-01-03T00:00:00Z', '2025-01-01T00:00:00Z'),
      window('backwards', '2025-01-02T00:00:00Z', '2025-01-01T00:00:00Z', '2024-12-01T00:00:00Z'),
    ]);
    assert.equal(verdictOf(vs, 'long').accepted, true);
    assert.equal(verdictOf(vs, 'backwards').rule, 'window.empty');
  });
});

describe('which minutes a window excludes', () => {
  it('excludes a partly covered minute whole, and only for the routes or categories it names', () => {
    const v = validateMaintenance('none', [
      window('w', '2025-05-01T10:00:30Z', '2025-05-01T10:30:30Z', '2025-04-01T00:00:00Z', {
        categories: ['settlements'],
      }),
    ]);
    const ranges = excludedMinuteRanges(v, 'settlement-list', 'settlements');
    // 10:00:30 -> minute 10:00 (floor); 10:30:30 -> up to minute 10:30 included (ceil to 10:31).
    assert.deepEqual(ranges, [[utcMinute('2025-05-01T10:00:00Z'), utcMinute('2025-05-01T10:31:00Z')]]);
    assert.equal(minuteInRanges(ranges, utcMinute('2025-05-01T09:59:00Z')), false);
    assert.equal(minuteInRanges(ranges, utcMinute('2025-05-01T10:00:00Z')), true);
    assert.equal(minuteInRanges(ranges, utcMinute('2025-05-01T10:30:00Z')), true);
    assert.equal(minuteInRanges(ranges, utcMinute('2025-05-01T10:31:00Z')), false);
    assert.deepEqual(excludedMinuteRanges(v, 'orders', 'payment-request'), []);
  });

  it('"Unavailability due to Maintenance Downtime" is excluded only when the window respects the policy', () => {
    // Route `orders`, 100 requests a minute. 10:00-11:00 the upstream is down for maintenance
    // (all 100 bad); 11:00-12:00 it is healthy. Window announced 6 days vs 7 days ahead.
    const run = (announced: string) => {
      const cfg = config({
        routes: [route('orders', 'payment-request')],
        slos: [availabilitySlo('payment-request', ['orders'])],
        maintenancePolicy: 'klarna',
        maintenance: [window('upgrade', '2025-03-10T10:00:00Z', '2025-03-10T11:00:00Z', announced)],
      });
      const engine = new SloEngine(cfg, { bucketBoundsSeconds: BOUNDS });
      const start = utcMinute('2025-03-10T10:00:00Z');
      engine.ingest(minutes(start, 60, 'orders', { bad: 100 }));
      engine.ingest(minutes(start + 60, 60, 'orders', { good: 100 }));
      const [s] = engine.evaluate(Date.parse('2025-03-10T12:00:00Z') - 1);
      assert.ok(s);
      return { s, engine };
    };
    // 6 days: not excluded. 6,000 bad of 12,000 -> SLI 50%.
    const late = run('2025-03-04T10:00:00Z');
    assert.equal(late.s.ratio, 0.5);
    assert.equal(late.s.excluded, 0);
    assert.equal(late.engine.maintenance[0]?.rule, 'klarna.notice');
    // 7 days: the 60 maintenance minutes drop out. 6,000 good of 6,000 -> 100%, the 6,000 others excluded.
    const onTime = run('2025-03-03T10:00:00Z');
    assert.equal(onTime.s.ratio, 1);
    assert.equal(onTime.s.excluded, 6000);
    assert.equal(onTime.s.requests, 12000);
  });

  it("a window over some routes of a category SLO drops only those routes' minutes", () => {
    const cfg = config({
      routes: [route('capture', 'payments'), route('refund', 'payments')],
      slos: [availabilitySlo('payments', ['capture', 'refund'])],
      maintenance: [
        window('refund-db', '2025-03-10T10:00:00Z', '2025-03-10T10:10:00Z', '2025-03-01T00:00:00Z', {
          routes: ['refund'],
        }),
      ],
    });
    const engine = new SloEngine(cfg, { bucketBoundsSeconds: BOUNDS });
    const start = utcMinute('2025-03-10T10:00:00Z');
    // capture: 10 minutes x (90 good, 10 bad); refund: 10 minutes x 50 bad, all inside the window.
    engine.ingest(minutes(start, 10, 'capture', { good: 90, bad: 10 }));
    engine.ingest(minutes(start, 10, 'refund', { bad: 50 }));
    const [s] = engine.evaluate((start + 10) * MINUTE - 1);
    // Only capture counts: 900 good of 1,000 -> 90%; refund's 500 are excluded.
    assert.equal(s?.good, 900);
    assert.equal(s?.bad, 100);
    assert.equal(s?.excluded, 500);
  });
});
