/**
 * `/metrics`, `GET /v1/slos` and the transition log are three views of the same evaluation;
 * The design: "Exposed three ways, all consistent".
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import type { CompliancePeriod } from '../../src/config/types.js';
import { SloEngine } from '../../src/slo/engine.js';
import { slosJson } from '../../src/slo/slo-json.js';
import { renderSloMetrics } from '../../src/slo/slo-metrics.js';
import type { SloStatus } from '../../src/slo/status.js';
import { requireTool } from '../helpers/tools.js';
import {
  availabilitySlo,
  BOUNDS,
  buckets,
  config,
  latencySlo,
  MINUTE,
  minutes,
  route,
  timesliceSlo,
  utcMinute,
  window,
} from './builders.js';

const T0 = utcMinute('2025-07-15T10:00:00Z');
const MONTH: CompliancePeriod = { kind: 'calendar-month', timeZone: 'America/Los_Angeles' };

function evaluateSample(): { statuses: SloStatus[]; engine: SloEngine } {
  const cfg = config({
    routes: [
      route('orders', 'payment-request'),
      route('hpp', 'payment-request', 200),
      route('idle', 'settlements'),
    ],
    slos: [
      availabilitySlo('payment-request', ['orders', 'hpp']),
      latencySlo('hpp "quoted" \\ name', 'hpp', 200),
      availabilitySlo('settlements', ['idle']),
      timesliceSlo('transaction-services', ['orders'], MONTH),
    ],
    maintenancePolicy: 'klarna',
    maintenance: [window('late', '2025-07-20T01:00:00Z', '2025-07-20T02:00:00Z', '2025-07-19T01:00:00Z')],
  });
  const engine = new SloEngine(cfg, { bucketBoundsSeconds: BOUNDS });
  engine.ingest(minutes(T0, 30, 'orders', { good: 90, bad: 10, distinct: 100, errors: 10 }));
  engine.ingest(minutes(T0, 30, 'hpp', { good: 100, slow: 2, buckets: buckets(98, 0.5, 2) }));
  return { statuses: engine.evaluate((T0 + 29) * MINUTE), engine };
}

interface SloDoc {
  name: string;
  sli: string;
  method: string;
  objective: number;
  budget_remaining: number;
  windows: Record<string, { error_ratio: number | null; burn_rate: number | null }>;
  flags: Record<string, boolean>;
  uptime_ratio?: number;
  downtime_period_minutes?: number;
}

/** name{labels} -> value, from Prometheus text. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    const v = line.slice(i + 1);
    out.set(line.slice(0, i), v === '+Inf' ? Number.POSITIVE_INFINITY : Number(v));
  }
  return out;
}

describe('SLO metrics', () => {
  it('pass promtool check metrics', (t) => {
    const promtool = requireTool(t, 'promtool', 'apt-get install prometheus');
    if (!promtool) return;
    const text = renderSloMetrics(evaluateSample().statuses);
    const r = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}\n${text}`);
  });

  it('omit the error ratio and burn rate of a window without traffic, keep objective, budget and flags', () => {
    const m = samples(renderSloMetrics(evaluateSample().statuses));
    const idle = [...m.keys()].filter((k) => k.includes('slo="settlements"'));
    assert.ok(!idle.some((k) => k.startsWith('sloprobe_slo_error_ratio')));
    assert.ok(!idle.some((k) => k.startsWith('sloprobe_slo_burn_rate')));
    assert.equal(m.get('sloprobe_slo_objective_ratio{slo="settlements",sli="availability"}'), 0.99);
    assert.equal(m.get('sloprobe_slo_error_budget_remaining_ratio{slo="settlements",sli="availability"}'), 1);
    assert.equal(m.get('sloprobe_slo_alert_active{slo="settlements",sli="availability",severity="page"}'), 0);
  });

  it('escape label values', () => {
    const text = renderSloMetrics(evaluateSample().statuses);
    assert.ok(text.includes('slo="hpp \\"quoted\\" \\\\ name"'));
  });
});

describe('metrics and /v1/slos agree', () => {
  it('report the same ratios, burn rates, budgets, flags and uptime', () => {
    const { statuses, engine } = evaluateSample();
    const m = samples(renderSloMetrics(statuses));
    const doc = JSON.parse(JSON.stringify(slosJson(statuses, engine.maintenance))) as { slos: SloDoc[] };
    assert.equal(doc.slos.length, 4);
    for (const s of doc.slos) {
      const esc = String(s.name).replace(/\\/g, '\\\\').replace(/"/g, '\\"');
      const base = `slo="${esc}",sli="${s.sli}"`;
      assert.equal(m.get(`sloprobe_slo_objective_ratio{${base}}`), s.objective);
      assert.equal(m.get(`sloprobe_slo_error_budget_remaining_ratio{${base}}`), s.budget_remaining);
      for (const [w, v] of Object.entries(s.windows)) {
        assert.equal(
          m.get(`sloprobe_slo_error_ratio{${base},window="${w}"}`),
          v.error_ratio ?? undefined,
          `${s.name} ${w}`,
        );
        assert.equal(m.get(`sloprobe_slo_burn_rate{${base},window="${w}"}`), v.burn_rate ?? undefined);
      }
      for (const sev of ['page', 'ticket']) {
        assert.equal(m.get(`sloprobe_slo_alert_active{${base},severity="${sev}"}`), s.flags[sev] ? 1 : 0);
      }
      if (s.method === 'timeslices') {
        assert.equal(m.get(`sloprobe_slo_uptime_ratio{slo="${esc}"}`), s.uptime_ratio);
        assert.equal(
          m.get(`sloprobe_slo_downtime_period_seconds{slo="${esc}"}`),
          (s.downtime_period_minutes ?? -1) * 60,
        );
      }
    }
  });

  it("/v1/slos carries the period, the windows, and for timeslices the month's Downtime Periods", () => {
    const { statuses, engine } = evaluateSample();
    const doc = slosJson(statuses, engine.maintenance);
    const pr = doc.slos.find((s) => s.name === 'payment-request')!;
    // orders: 30 min x (90 good, 10 bad); hpp: 30 min x 100 good. 300 bad of 6,000 = 5%.
    assert.equal(pr.period, '30d');
    assert.equal(pr.ratio, 0.95);
    const windows = pr.windows as Record<string, { requests: number; error_ratio: number | null }>;
    assert.deepEqual(Object.keys(windows), ['5m', '30m', '1h', '2h', '6h', '1d', '3d', 'period']);
    assert.equal(windows['30m']?.requests, 6000);
    assert.equal(windows['30m']?.error_ratio, 0.05);
    const ts = doc.slos.find((s) => s.name === 'transaction-services')!;
    assert.equal(ts.period, 'calendar-month');
    assert.equal(ts.time_zone, 'America/Los_Angeles');
    // July 2025 in Los Angeles starts 2025-07-01 00:00 PDT = 07:00Z.
    assert.equal(ts.period_start, '2025-07-01T07:00:00Z');
    // 30 minutes at 10 / 100 = 10% > 5%: one 30-minute Downtime Period.
    assert.deepEqual(ts.downtime_periods, [
      { start: '2025-07-15T10:00:00Z', end: '2025-07-15T10:30:00Z', minutes: 30 },
    ]);
    assert.equal(ts.uptime_ratio, (31 * 1440 - 30) / (31 * 1440));
    assert.equal(doc.maintenance[0]?.accepted, false);
    assert.equal(doc.maintenance[0]?.rule, 'klarna.notice');
  });
});
