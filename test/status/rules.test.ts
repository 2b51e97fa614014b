/**
 * The two rules the status views add on top of the engine: a day's figure as the SLA defines
 * it (daily.ts) and a category's state (state.ts). Expected values are worked out by hand
 * from the rules' words; the inputs are hand-built configs and rollups (test/slo/builders).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SloStatus } from '../../src/slo/status.js';
import { dailyFigures, daysIn } from '../../src/status/daily.js';
import type { DowntimeView } from '../../src/status/sources.js';
import { categoryStates, overall } from '../../src/status/state.js';
import type { MinuteRollup } from '../../src/telemetry/rollup.js';
import {
  availabilitySlo,
  BOUNDS,
  config,
  DAY,
  latencySlo,
  rollup,
  route,
  timesliceSlo,
} from '../slo/builders.js';

const D0 = Date.UTC(2025, 5, 1); // 2025-06-01, a UTC day
const min = (day: number, h: number, m: number) => (D0 + day * DAY) / 60_000 + h * 60 + m;

test('timeslice days: Downtime Period minutes of the day, a run across midnight split, a short run not counted', () => {
  const cfg = config({
    routes: [route('pay', 'payments')],
    slos: [timesliceSlo('uptime', ['pay'], { kind: 'calendar-month', timeZone: 'UTC' })],
  });
  const rows: MinuteRollup[] = [];
  // Day 0: 12 minutes 10:00-10:11 with 1 error of 10 distinct (10% > 5%): a Downtime Period.
  for (let m = 0; m < 12; m++)
    rows.push(rollup(min(0, 10, m), 'pay', { good: 9, bad: 1, errors: 1, distinct: 10 }));
  // Day 1: 9 such minutes: fewer than 10 consecutive, not a Downtime Period.
  for (let m = 0; m < 9; m++)
    rows.push(rollup(min(1, 10, m), 'pay', { good: 9, bad: 1, errors: 1, distinct: 10 }));
  // Days 2-3: 23:55 to 00:06 next day, 12 minutes: one Downtime Period, 5 minutes on day 2, 7 on day 3.
  for (let m = 0; m < 12; m++)
    rows.push(rollup(min(2, 23, 55 + m), 'pay', { good: 9, bad: 1, errors: 1, distinct: 10 }));
  // Day 4: no traffic at all.
  const days = daysIn({ startMs: D0, endMs: D0 + 5 * DAY }, 'UTC');
  const [figs] = dailyFigures(cfg, BOUNDS, (f, t) => rows.filter((r) => r.minute >= f && r.minute < t), days);
  // Uptime = (1440 - Downtime Period minutes) / 1440.
  assert.deepEqual(
    figs!.map((f) => [f.downtimePeriodMinutes, f.ratio]),
    [
      [12, (1440 - 12) / 1440],
      [0, 1],
      [5, (1440 - 5) / 1440],
      [7, (1440 - 7) / 1440],
      [0, null], // no traffic: no data, never 100%
    ],
  );
  assert.deepEqual(
    figs!.map((f) => f.valid),
    [120, 90, 50, 70, 0],
  );
});

test('occurrence days: good / all counted requests, abandoned ones excluded, no traffic is null', () => {
  const cfg = config({ routes: [route('pay', 'payments')], slos: [availabilitySlo('payments', ['pay'])] });
  const rows = [
    rollup(min(0, 1, 0), 'pay', { good: 990, bad: 10, excluded: 7 }),
    rollup(min(0, 2, 0), 'pay', { good: 500, bad: 0 }),
    rollup(min(1, 0, 0), 'pay', { excluded: 3 }),
  ];
  const days = daysIn({ startMs: D0, endMs: D0 + 2 * DAY }, 'UTC');
  const [figs] = dailyFigures(cfg, BOUNDS, (f, t) => rows.filter((r) => r.minute >= f && r.minute < t), days);
  // Day 0: 1,490 good of 1,500 = 99.333%; the 7 abandoned count nowhere. Day 1: only
  // abandoned requests: no data.
  assert.equal(figs![0]!.ratio, 1490 / 1500);
  assert.equal(figs![0]!.requests, 1507);
  assert.equal(figs![1]!.ratio, null);
  assert.equal(figs![1]!.requests, 3);
});

function status(name: string, sli: 'availability' | 'latency', page: boolean, ticket: boolean): SloStatus {
  return { name, sli, flags: { page, ticket } } as unknown as SloStatus;
}

function downtime(over: Partial<DowntimeView>): DowntimeView {
  return {
    id: 'd1',
    entity: 'payment.downtime',
    method: 'card',
    begin: 0,
    end: null,
    status: 'started',
    scheduled: false,
    severity: 'high',
    instrument: {},
    created_at: 0,
    updated_at: 0,
    categories: ['payments'],
    title: 't',
    updates: [],
    policy: undefined,
    ...over,
  };
}

test('category state: the worst of downtimes and flags, in Statuspage words', () => {
  const base = config({
    routes: [route('pay', 'payments', 500), route('read', 'reads')],
    slos: [
      availabilitySlo('payments', ['pay']),
      latencySlo('pay-latency', 'pay', 500),
      availabilitySlo('reads', ['read']),
    ],
  });
  const cfg = {
    ...base,
    categories: new Map([
      ['payments', { name: 'payments', description: undefined, class: 'c', availability: 0.99 }],
      ['reads', { name: 'reads', description: undefined, class: 'c', availability: 0.99 }],
    ]),
  };
  const quiet = [
    status('payments', 'availability', false, false),
    status('pay-latency', 'latency', false, false),
    status('reads', 'availability', false, false),
  ];
  const states = (statuses: SloStatus[], downtimes: DowntimeView[]) =>
    categoryStates(cfg, statuses, downtimes).map((s) => s.status);

  assert.deepEqual(states(quiet, []), ['operational', 'operational']);
  // A latency page alone: slow, not failing.
  assert.deepEqual(states([quiet[0]!, status('pay-latency', 'latency', true, false), quiet[2]!], []), [
    'degraded_performance',
    'operational',
  ]);
  // A ticket (budget burning over days) changes no state, availability or latency; a page: major.
  assert.deepEqual(states([status('payments', 'availability', false, true), quiet[1]!, quiet[2]!], []), [
    'operational',
    'operational',
  ]);
  assert.deepEqual(states([quiet[0]!, status('pay-latency', 'latency', false, true), quiet[2]!], []), [
    'operational',
    'operational',
  ]);
  assert.deepEqual(states([status('payments', 'availability', true, true), quiet[1]!, quiet[2]!], []), [
    'major_outage',
    'operational',
  ]);
  // Downtimes by severity; only started ones count; empty categories mean all.
  assert.deepEqual(states(quiet, [downtime({ severity: 'medium' })]), ['partial_outage', 'operational']);
  assert.deepEqual(states(quiet, [downtime({ severity: 'low', categories: [] })]), [
    'degraded_performance',
    'degraded_performance',
  ]);
  assert.deepEqual(states(quiet, [downtime({ status: 'resolved' }), downtime({ status: 'scheduled' })]), [
    'operational',
    'operational',
  ]);
  // Maintenance in progress, unless something worse is going on.
  assert.deepEqual(states(quiet, [downtime({ scheduled: true, categories: [] })]), [
    'under_maintenance',
    'under_maintenance',
  ]);
  assert.deepEqual(
    states(
      [quiet[0]!, status('pay-latency', 'latency', true, false), quiet[2]!],
      [downtime({ scheduled: true, categories: [] })],
    ),
    ['degraded_performance', 'under_maintenance'],
  );
  // The page indicator: maintenance alone leaves it at none.
  const ind = (s: string[]) =>
    overall(s.map((status) => ({ category: '', class: '', status, causes: [] }) as never)).indicator;
  assert.equal(ind(['operational', 'under_maintenance']), 'none');
  assert.equal(ind(['degraded_performance', 'operational']), 'minor');
  assert.equal(ind(['partial_outage', 'degraded_performance']), 'major');
  assert.equal(ind(['major_outage', 'partial_outage']), 'critical');
});
