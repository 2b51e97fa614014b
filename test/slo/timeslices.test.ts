/**
 * docs/sla-definitions.md#timeslice-error-rate (PayWithMyBank SLA), rule by rule, through the engine. One route `tx` carries the
 * "Transaction Services"; 100 distinct requests a minute unless said otherwise.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CompliancePeriod } from '../../src/config/types.js';
import { SloEngine } from '../../src/slo/engine.js';
import type { SloStatus } from '../../src/slo/status.js';
import type { MinuteRollup } from '../../src/telemetry/rollup.js';
import { BOUNDS, config, MINUTE, minutes, PWMB_RULES, route, timesliceSlo, utcMinute } from './builders.js';

const UTC_MONTH: CompliancePeriod = { kind: 'calendar-month', timeZone: 'UTC' };

function engineFor(period: CompliancePeriod = UTC_MONTH, rules = PWMB_RULES): SloEngine {
  return new SloEngine(
    config({
      routes: [route('tx', 'transaction')],
      slos: [timesliceSlo('transaction-services', ['tx'], period, { timeslices: rules })],
    }),
    { bucketBoundsSeconds: BOUNDS },
  );
}

function statusAt(engine: SloEngine, rollups: MinuteRollup[], nowMinute: number): SloStatus {
  engine.ingest(rollups);
  const [s] = engine.evaluate(nowMinute * MINUTE + 30_000);
  assert.ok(s?.timeslices);
  return s;
}

const T0 = utcMinute('2025-04-10T08:00:00Z');

describe('Downtime and Downtime Periods (docs/sla-definitions.md#downtime-period)', () => {
  it('"ten (10) or more consecutive minutes": a 9-minute run of 6% errors is not a Downtime Period, a 10-minute run is', () => {
    const nine = statusAt(engineFor(), minutes(T0, 9, 'tx', { distinct: 100, errors: 6 }), T0 + 20);
    assert.equal(nine.timeslices?.downtimePeriodMinutes, 0);
    assert.deepEqual(nine.timeslices?.downtimePeriods, []);
    // "Intermittent Downtime for a period of less than ten (10) minutes will not be counted", but it is reported.
    assert.equal(nine.timeslices?.intermittentDowntimeMinutes, 9);
    assert.equal(nine.timeslices?.uptimeRatio, 1);

    const ten = statusAt(engineFor(), minutes(T0, 10, 'tx', { distinct: 100, errors: 6 }), T0 + 20);
    assert.equal(ten.timeslices?.downtimePeriodMinutes, 10);
    assert.equal(ten.timeslices?.intermittentDowntimeMinutes, 0);
    assert.deepEqual(ten.timeslices?.downtimePeriods, [
      { startMs: T0 * MINUTE, endMs: (T0 + 10) * MINUTE, minutes: 10 },
    ]);
    // April has 30 x 1,440 = 43,200 minutes: uptime = (43,200 - 10) / 43,200.
    assert.equal(ten.timeslices?.uptimeRatio, 43_190 / 43_200);
  });

  it('"greater than five percent (5%)": exactly 5% is not Downtime, 5 of 99 is', () => {
    const exactly = statusAt(engineFor(), minutes(T0, 15, 'tx', { distinct: 100, errors: 5 }), T0 + 20);
    assert.equal(exactly.timeslices?.intermittentDowntimeMinutes, 0);
    assert.equal(exactly.timeslices?.downtimePeriodMinutes, 0);
    // 5 / 99 = 5.05% > 5%
    const above = statusAt(engineFor(), minutes(T0, 15, 'tx', { distinct: 99, errors: 5 }), T0 + 20);
    assert.equal(above.timeslices?.downtimePeriodMinutes, 15);
  });

  it('"repeated identical API requests will not count": the rate is over distinct requests', () => {
    // 1,000 requests but only 100 distinct, 6 of them answered 500: 6 / 100 = 6% (not 6 / 1,000).
    const s = statusAt(
      engineFor(),
      minutes(T0, 10, 'tx', { total: 1000, good: 994, bad: 6, distinct: 100, errors: 6 }),
      T0 + 20,
    );
    assert.equal(s.timeslices?.downtimePeriodMinutes, 10);
    assert.equal(s.requests, 10_000);
  });

  it('a minute without requests is not Downtime and breaks the run', () => {
    // 5 bad minutes, one minute with no traffic at all, 5 bad minutes: two runs of 5, no Downtime Period.
    const rollups = [
      ...minutes(T0, 5, 'tx', { distinct: 100, errors: 50 }),
      ...minutes(T0 + 6, 5, 'tx', { distinct: 100, errors: 50 }),
    ];
    const s = statusAt(engineFor(), rollups, T0 + 20);
    assert.equal(s.timeslices?.downtimePeriodMinutes, 0);
    assert.equal(s.timeslices?.intermittentDowntimeMinutes, 10);
  });

  it('filling the gap later joins the two runs into one 11-minute Downtime Period', () => {
    const engine = engineFor();
    statusAt(
      engine,
      [
        ...minutes(T0, 5, 'tx', { distinct: 100, errors: 50 }),
        ...minutes(T0 + 6, 5, 'tx', { distinct: 100, errors: 50 }),
      ],
      T0 + 20,
    );
    const s = statusAt(engine, minutes(T0 + 5, 1, 'tx', { distinct: 100, errors: 50 }), T0 + 20);
    assert.equal(s.timeslices?.downtimePeriodMinutes, 11);
    // And re-sending the middle minute healthy splits them again (ingest replaces a minute).
    const split = statusAt(engine, minutes(T0 + 5, 1, 'tx', { distinct: 100, errors: 0 }), T0 + 20);
    assert.equal(split.timeslices?.downtimePeriodMinutes, 0);
    assert.equal(split.timeslices?.intermittentDowntimeMinutes, 10);
  });

  it('several routes of one SLO are one rate: errors summed over distinct requests summed', () => {
    const engine = new SloEngine(
      config({
        routes: [route('a', 'transaction'), route('b', 'transaction')],
        slos: [timesliceSlo('transaction-services', ['a', 'b'], UTC_MONTH)],
      }),
      { bucketBoundsSeconds: BOUNDS },
    );
    // a: 10 of 100 fail (10%); b: 0 of 900. Together 10 / 1,000 = 1%: not Downtime.
    const s = statusAt(
      engine,
      [...minutes(T0, 12, 'a', { distinct: 100, errors: 10 }), ...minutes(T0, 12, 'b', { distinct: 900 })],
      T0 + 20,
    );
    assert.equal(s.timeslices?.intermittentDowntimeMinutes, 0);
    assert.equal(s.timeslices?.downtimePeriodMinutes, 0);
  });

  it('longer slices: with 2-minute slices a Downtime Period needs 10 slices, i.e. 20 minutes', () => {
    const rules = { ...PWMB_RULES, sliceMs: 2 * MINUTE };
    const start = T0 - (T0 % 2); // slices start on even epoch minutes
    const short = statusAt(
      engineFor(UTC_MONTH, rules),
      minutes(start, 18, 'tx', { distinct: 100, errors: 6 }),
      start + 30,
    );
    assert.equal(short.timeslices?.downtimePeriodMinutes, 0);
    const long = statusAt(
      engineFor(UTC_MONTH, rules),
      minutes(start, 20, 'tx', { distinct: 100, errors: 6 }),
      start + 30,
    );
    assert.equal(long.timeslices?.downtimePeriodMinutes, 20);
  });
});

describe('Monthly Uptime Percentage (docs/sla-definitions.md#monthly-uptime): 99.5% "during a given calendar month"', () => {
  function uptimeAfter(downMinutes: number, startIso: string, period: CompliancePeriod): SloStatus {
    const start = utcMinute(startIso);
    return statusAt(
      engineFor(period),
      minutes(start, downMinutes, 'tx', { distinct: 100, errors: 10 }),
      start + downMinutes,
    );
  }

  it('the same 220 minutes of Downtime miss the SLA in a 30-day month and meet it in a 31-day month', () => {
    // April: (43,200 - 220) / 43,200 = 99.4907% < 99.5%
    const april = uptimeAfter(220, '2025-04-10T00:00:00Z', UTC_MONTH);
    assert.equal(april.ratio, (43_200 - 220) / 43_200);
    assert.equal(april.met, false);
    // March: (44,640 - 220) / 44,640 = 99.5072% >= 99.5%
    const march = uptimeAfter(220, '2025-03-10T00:00:00Z', UTC_MONTH);
    assert.equal(march.ratio, (44_640 - 220) / 44_640);
    assert.equal(march.met, true);
  });

  it('in a DST month the lost hour counts: 223 minutes meet 99.5% in March UTC but miss it in March Los Angeles', () => {
    // UTC: (44,640 - 223) / 44,640 = 99.50045%; Los Angeles: (44,580 - 223) / 44,580 = 99.49978%.
    const utc = uptimeAfter(223, '2025-03-20T00:00:00Z', UTC_MONTH);
    assert.equal(utc.met, true);
    const la = uptimeAfter(223, '2025-03-20T00:00:00Z', {
      kind: 'calendar-month',
      timeZone: 'America/Los_Angeles',
    });
    assert.equal(la.timeslices?.minutesInPeriod, 44_580);
    assert.equal(la.met, false);
  });

  it('exactly 0.5% of the month in Downtime Periods still meets 99.5%', () => {
    // 43,200 x 0.005 = 216 minutes: (43,200 - 216) / 43,200 = 99.5% exactly.
    assert.equal(uptimeAfter(216, '2025-04-10T00:00:00Z', UTC_MONTH).met, true);
    assert.equal(uptimeAfter(217, '2025-04-10T00:00:00Z', UTC_MONTH).met, false);
  });

  it('budget in minutes: 1 - Downtime Period minutes / ((1 - 99.5%) x minutes in month)', () => {
    // April: budget = 0.005 x 43,200 = 216 minutes; 54 used -> 1 - 54/216 = 0.75 remaining.
    const s = uptimeAfter(54, '2025-04-10T00:00:00Z', UTC_MONTH);
    assert.ok(Math.abs(s.budgetRemaining - 0.75) < 1e-9, String(s.budgetRemaining));
  });

  it('a run crossing the month boundary is one Downtime Period; each month counts its own minutes', () => {
    // 6 Downtime minutes at the end of March and 6 at the start of April: one 12-minute run.
    const start = utcMinute('2025-03-31T23:54:00Z');
    const engine = engineFor();
    const s = statusAt(engine, minutes(start, 12, 'tx', { distinct: 100, errors: 10 }), start + 20);
    // Evaluated in April: 6 minutes inside April; the period's extent is the whole run.
    assert.equal(s.timeslices?.downtimePeriodMinutes, 6);
    assert.deepEqual(s.timeslices?.downtimePeriods, [
      { startMs: start * MINUTE, endMs: (start + 12) * MINUTE, minutes: 6 },
    ]);
    const march = engine.summarize(0, Date.parse('2025-03-01T00:00:00Z'), Date.parse('2025-04-01T00:00:00Z'));
    assert.equal(march?.downtimePeriodMinutes, 6);
  });
});

describe('timeslice burn', () => {
  it("burn is the share of the window's minutes in Downtime Periods: a full outage pages once it is a Downtime Period", () => {
    const engine = engineFor();
    // 3 healthy hours, then every request fails.
    engine.ingest(minutes(T0 - 180, 180, 'tx', { distinct: 100 }));
    const nine = statusAt(engine, minutes(T0, 9, 'tx', { distinct: 100, errors: 100 }), T0 + 8);
    // 9 minutes of Downtime are not (yet) a Downtime Period: nothing burns.
    assert.equal(nine.windows.find((w) => w.window === '5m')?.errorRatio, 0);
    assert.equal(nine.flags.page, false);
    const ten = statusAt(engine, minutes(T0 + 9, 1, 'tx', { distinct: 100, errors: 100 }), T0 + 9);
    // 5m: 5/5 minutes -> ratio 1, burn 1 / 0.005 = 200. 1h: 10/60 -> burn (1/6) / 0.005 = 33.3 > 14.4.
    const w5 = ten.windows.find((w) => w.window === '5m');
    const w1h = ten.windows.find((w) => w.window === '1h');
    assert.equal(w5?.errorRatio, 1);
    assert.ok(Math.abs((w5?.burnRate ?? 0) - 200) < 1e-9);
    assert.ok(Math.abs((w1h?.burnRate ?? 0) - 100 / 3) < 1e-9);
    assert.equal(ten.flags.page, true);
  });
});
