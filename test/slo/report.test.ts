/**
 * The monthly SLA report, checked against hand calculations of one April (30 days, 43,200
 * minutes) for a PayWithMyBank-style merchant.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CompliancePeriod, ResolvedConfig } from '../../src/config/types.js';
import { SloEngine } from '../../src/slo/engine.js';
import { buildMonthlyReport, type SloReport, serviceCredit } from '../../src/slo/report.js';
import { renderReportText, reportJson } from '../../src/slo/report-render.js';
import type { MinuteRollup } from '../../src/telemetry/rollup.js';
import {
  availabilitySlo,
  BOUNDS,
  buckets,
  config,
  latencySlo,
  minutes,
  route,
  timesliceSlo,
  utcMinute,
  window,
} from './builders.js';

const UTC_MONTH: CompliancePeriod = { kind: 'calendar-month', timeZone: 'UTC' };
const GENERATED = Date.parse('2025-05-01T00:05:00Z');

function aprilConfig(monthlyFees?: number): ResolvedConfig {
  return config({
    period: UTC_MONTH,
    routes: [route('tx', 'transaction'), route('hpp', 'payment-request', 200)],
    slos: [
      timesliceSlo('transaction-services', ['tx'], UTC_MONTH),
      availabilitySlo('transaction-availability', ['tx'], { period: UTC_MONTH }),
      latencySlo('hpp-latency', 'hpp', 200, { period: UTC_MONTH }),
    ],
    maintenancePolicy: 'paywithmybank',
    maintenance: [
      // 2025-04-20 00:00-02:00 PDT, announced the day before: accepted.
      window('night-upgrade', '2025-04-20T07:00:00Z', '2025-04-20T09:00:00Z', '2025-04-19T00:00:00Z'),
      // Announced 7 hours ahead: "at least eight (8) hours in advance" broken, not excluded.
      window('rushed', '2025-04-25T20:00:00Z', '2025-04-25T21:00:00Z', '2025-04-25T13:00:00Z'),
      window('may', '2025-05-10T07:00:00Z', '2025-05-10T08:00:00Z', '2025-05-01T00:00:00Z'),
    ],
    fees: monthlyFees === undefined ? undefined : { monthly: monthlyFees, currency: 'USD' },
  });
}

function aprilRollups(): MinuteRollup[] {
  const fail = { bad: 100, distinct: 100, errors: 100 };
  return [
    // 220 minutes at 10 / 100 = 10% errors.
    ...minutes(utcMinute('2025-04-10T00:00:00Z'), 220, 'tx', {
      good: 90,
      bad: 10,
      distinct: 100,
      errors: 10,
    }),
    ...minutes(utcMinute('2025-04-12T00:00:00Z'), 1000, 'tx', { good: 100, distinct: 100 }),
    // Total failure inside the accepted window: excluded ("Periods of Scheduled Downtime are excluded").
    ...minutes(utcMinute('2025-04-20T07:00:00Z'), 30, 'tx', fail),
    // Total failure inside the rejected window: counts.
    ...minutes(utcMinute('2025-04-25T20:00:00Z'), 30, 'tx', fail),
    // May is not April.
    ...minutes(utcMinute('2025-05-02T00:00:00Z'), 30, 'tx', fail),
    // hpp: 100 minutes x 1,000 requests, 980 under 50 ms and 20 in (200 ms, 500 ms].
    ...minutes(utcMinute('2025-04-03T00:00:00Z'), 100, 'hpp', {
      good: 1000,
      slow: 20,
      buckets: buckets(980, 0.5, 20),
    }),
  ];
}

function slo(r: { slos: readonly SloReport[] }, name: string): SloReport {
  const s = r.slos.find((x) => x.name === name);
  assert.ok(s, name);
  return s;
}

describe('monthly report', () => {
  const report = buildMonthlyReport(aprilConfig(50_000), aprilRollups(), '2025-04', BOUNDS, undefined, {
    generatedAtMs: GENERATED,
  });

  it('timeslices: Downtime Periods, uptime and the service credit (docs/sla-definitions.md#service-credit)', () => {
    const ts = slo(report, 'transaction-services');
    // Downtime Periods: the 220-minute run and the 30 minutes in the rejected window; the 30
    // minutes inside the accepted window are Scheduled Downtime. Uptime = (43,200 - 250) / 43,200.
    assert.deepEqual(
      ts.timeslices?.downtimePeriods.map((p) => [new Date(p.startMs).toISOString(), p.minutes]),
      [
        ['2025-04-10T00:00:00.000Z', 220],
        ['2025-04-25T20:00:00.000Z', 30],
      ],
    );
    assert.equal(ts.timeslices?.downtimePeriodMinutes, 250);
    assert.equal(ts.timeslices?.minutesInMonth, 43_200);
    assert.equal(ts.ratio, 42_950 / 43_200);
    assert.equal(ts.met, false);
    // "the lesser of (i) 10% of any refundable fees prepaid ... and (ii) $10,000": 10% of 50,000 = 5,000.
    assert.equal(ts.timeslices?.serviceCredit?.amount, 5_000);
    assert.equal(ts.timeslices?.serviceCredit?.currency, 'USD');
  });

  it('occurrences: requests, good, bad, excluded and SLI over the month only', () => {
    const av = slo(report, 'transaction-availability');
    // valid = 220x100 + 1,000x100 + 30x100 (rejected window) = 125,000; bad = 2,200 + 3,000 = 5,200;
    // excluded = 30 x 100 in the accepted window; May's minutes are not counted.
    assert.equal(av.requests, 128_000);
    assert.equal(av.bad, 5_200);
    assert.equal(av.good, 119_800);
    assert.equal(av.excluded, 3_000);
    assert.equal(av.ratio, 119_800 / 125_000);
    assert.equal(av.met, false);
    // budget: 1 - (5,200 / 125,000) / 0.01 = 1 - 4.16 = -3.16
    assert.ok(Math.abs(av.budgetRemaining - -3.16) < 1e-9);
  });

  it('latency: p99 estimated from buckets, and said to be an estimate; share over the threshold', () => {
    const l = slo(report, 'hpp-latency');
    // 100,000 requests; rank 0.99 x 100,000 = 99,000 falls 1,000 into the 2,000 of (0.2 s, 0.5 s]:
    // 0.2 + 0.3 x 1,000 / 2,000 = 0.35 s.
    assert.equal(l.latency?.p99Source, 'estimate');
    assert.ok(Math.abs((l.latency?.p99Ms ?? 0) - 350) < 1e-6);
    // 2,000 of 100,000 slower than 200 ms = 2% > 1%: missed.
    assert.equal(l.latency?.overThresholdRatio, 0.02);
    assert.equal(l.met, false);
    const text = renderReportText(report);
    assert.match(text, /~350ms \(estimate from buckets\)/);
  });

  it('uses the exact HDR p99 when the store has it', () => {
    const exact = buildMonthlyReport(aprilConfig(), aprilRollups(), '2025-04', BOUNDS, (s) =>
      s.name === 'hpp-latency' ? 312 : undefined,
    );
    const l = slo(exact, 'hpp-latency');
    assert.equal(l.latency?.p99Source, 'hdr');
    assert.equal(l.latency?.p99Ms, 312);
    // 312 ms = 312,000 µs lies in [2^18, 2^19): HDR slots there are 2^(18-10) = 256 µs
    // wide, 312,000 / 256 = 1218.75, so the slot is 1218 x 256 = 311,808 .. 1219 x 256 - 1
    // = 312,063 µs. The report prints that range, not a falsely exact figure.
    const text = renderReportText(exact);
    assert.match(text, /311\.808-312\.063ms \(HDR\)/);
    assert.doesNotMatch(text, /exact/);
    assert.match(text, /result counts requests slower than the threshold/);
  });

  it('prints a true p99 of 200.000 ms and one of 200.001 ms alike, as the range HDR cannot split', () => {
    // 200,000 and 200,001 µs are both in [2^17, 2^18), slots of 128 µs: 200,000 / 128 =
    // 1562.5, slot 1562 x 128 = 199,936 .. 1563 x 128 - 1 = 200,063 µs.
    for (const p99 of [200, 200.001]) {
      const r = buildMonthlyReport(aprilConfig(), aprilRollups(), '2025-04', BOUNDS, (s) =>
        s.name === 'hpp-latency' ? p99 : undefined,
      );
      assert.match(renderReportText(r), /199\.936-200\.063ms \(HDR\)/);
    }
  });

  it('maintenance: applied and rejected windows of the month, with the rule broken', () => {
    assert.deepEqual(
      report.maintenance.applied.map((v) => v.window.id),
      ['night-upgrade'],
    );
    assert.deepEqual(
      report.maintenance.rejected.map((v) => [v.window.id, v.rule]),
      [['rushed', 'paywithmybank.notice']],
    );
  });

  it('JSON has the documented keys', () => {
    const doc = JSON.parse(JSON.stringify(reportJson(report))) as Record<string, unknown> & {
      slos: Array<Record<string, unknown>>;
      maintenance: { applied: unknown[]; rejected: Array<Record<string, unknown>> };
    };
    assert.deepEqual(Object.keys(doc), ['month', 'generated_at', 'slos', 'maintenance']);
    assert.equal(doc.month, '2025-04');
    assert.equal(doc.generated_at, '2025-05-01T00:05:00Z');
    for (const s of doc.slos) {
      for (const k of [
        'name',
        'sli',
        'method',
        'objective',
        'requests',
        'good',
        'bad',
        'excluded',
        'ratio',
        'met',
      ]) {
        assert.ok(k in s, `${String(s.name)} lacks ${k}`);
      }
    }
    const ts = doc.slos.find((s) => s.name === 'transaction-services')!;
    assert.deepEqual(ts.downtime_periods, [
      { start: '2025-04-10T00:00:00Z', end: '2025-04-10T03:40:00Z', minutes: 220 },
      { start: '2025-04-25T20:00:00Z', end: '2025-04-25T20:30:00Z', minutes: 30 },
    ]);
    assert.equal(ts.uptime_ratio, 42_950 / 43_200);
    assert.deepEqual(ts.service_credit, { amount: 5000, currency: 'USD', monthly_fees: 50000 });
    assert.equal(doc.maintenance.rejected[0]?.rule, 'paywithmybank.notice');
  });

  it('text is an aligned table a person can read', () => {
    const text = renderReportText(report);
    const lines = text.split('\n');
    const header = lines.find((l) => l.startsWith('SLO ') && l.includes('objective'))!;
    const end = header.indexOf('objective') + 'objective'.length;
    const rows = lines.slice(lines.indexOf(header) + 2, lines.indexOf(header) + 5);
    for (const row of rows) assert.equal(row[end - 1], '%', row);
    assert.match(text, /Service credit: 5,000 USD/);
    assert.match(text, /2025-04-10 00:00Z - 2025-04-10 03:40Z {2}220 min/);
    assert.match(text, /REJECTED {2}rushed .*paywithmybank\.notice/s);
    assert.match(text, /MISSED/);
  });

  it('a replay engine gives the same report as the rollups', () => {
    const engine = new SloEngine(aprilConfig(50_000), { bucketBoundsSeconds: BOUNDS });
    engine.ingest(aprilRollups());
    const fromEngine = buildMonthlyReport(aprilConfig(50_000), engine, '2025-04', BOUNDS, undefined, {
      generatedAtMs: GENERATED,
    });
    assert.deepEqual(reportJson(fromEngine), reportJson(report));
  });
});

describe('service credit (docs/sla-definitions.md#service-credit)', () => {
  it("is the lesser of 10% of the month's fees and 10,000", () => {
    assert.equal(serviceCredit(50_000), 5_000); // 10% of 50,000 = 5,000 < 10,000
    assert.equal(serviceCredit(250_000), 10_000); // 10% of 250,000 = 25,000 > 10,000
    const big = buildMonthlyReport(aprilConfig(250_000), aprilRollups(), '2025-04', BOUNDS);
    assert.equal(slo(big, 'transaction-services').timeslices?.serviceCredit?.amount, 10_000);
  });

  it('is not owed when the month met 99.5%, nor without fees configured', () => {
    const quiet = buildMonthlyReport(aprilConfig(50_000), [], '2025-04', BOUNDS);
    const ts = slo(quiet, 'transaction-services');
    assert.equal(ts.ratio, 1);
    assert.equal(ts.met, true);
    assert.equal(ts.timeslices?.serviceCredit, undefined);
    const noFees = buildMonthlyReport(aprilConfig(), aprilRollups(), '2025-04', BOUNDS);
    assert.equal(slo(noFees, 'transaction-services').timeslices?.serviceCredit, undefined);
  });

  it('an empty month reports no traffic rather than 100% for occurrences', () => {
    const quiet = buildMonthlyReport(aprilConfig(), [], '2025-04', BOUNDS);
    assert.equal(slo(quiet, 'transaction-availability').ratio, null);
    assert.equal(slo(quiet, 'transaction-availability').met, null);
    assert.match(renderReportText(quiet), /no traffic/);
  });
});

describe('month boundaries in reports', () => {
  it('a Downtime run across midnight of March 31 counts 6 minutes in each month', () => {
    const cfg = config({
      period: UTC_MONTH,
      routes: [route('tx', 't')],
      slos: [timesliceSlo('ts', ['tx'], UTC_MONTH)],
    });
    const run = minutes(utcMinute('2025-03-31T23:54:00Z'), 12, 'tx', { distinct: 100, errors: 10 });
    const march = slo(buildMonthlyReport(cfg, run, '2025-03', BOUNDS), 'ts');
    const april = slo(buildMonthlyReport(cfg, run, '2025-04', BOUNDS), 'ts');
    assert.equal(march.timeslices?.downtimePeriodMinutes, 6);
    assert.equal(april.timeslices?.downtimePeriodMinutes, 6);
    // The period is reported whole: 23:54 to 00:06.
    assert.equal(april.timeslices?.downtimePeriods[0]?.startMs, Date.parse('2025-03-31T23:54:00Z'));
    assert.equal(april.timeslices?.downtimePeriods[0]?.endMs, Date.parse('2025-04-01T00:06:00Z'));
  });

  it('rejects a month that is not YYYY-MM', () => {
    const cfg = config({ routes: [], slos: [] });
    assert.throws(() => buildMonthlyReport(cfg, [], 'April', BOUNDS), RangeError);
  });
});
