/**
 * `sloprobe report --prometheus URL`: the monthly SLA report of the whole fleet, built by the
 * same engine and report code as `report` from the store (src/slo/report.ts), on rollups read
 * from Prometheus (prometheus-rollups.ts). Months are cut as report.ts cuts them, with a day
 * either side so that a Downtime run crossing the boundary is measured whole.
 */
import type { ResolvedConfig } from '../config/types.js';
import type { Matcher } from '../rules/selector.js';
import { monthRange, parseMonth } from '../slo/period.js';
import { buildMonthlyReport, type MonthlyReport } from '../slo/report.js';
import { configBucketBounds } from '../telemetry/buckets.js';
import { DAY_MS, MINUTE_MS } from '../time.js';
import { PrometheusApi } from './prometheus-api.js';
import { prometheusRollups } from './prometheus-rollups.js';

function zones(cfg: ResolvedConfig): Set<string> {
  const out = new Set<string>();
  const fallback = cfg.period.kind === 'calendar-month' ? cfg.period.timeZone : 'UTC';
  for (const s of cfg.slos) out.add(s.period.kind === 'calendar-month' ? s.period.timeZone : fallback);
  if (out.size === 0) out.add(fallback);
  return out;
}

export async function prometheusReport(
  cfg: ResolvedConfig,
  url: string,
  month: string,
  selector: readonly Matcher[],
  nowMs: number,
): Promise<MonthlyReport> {
  const ref = parseMonth(month);
  if (!ref) throw new RangeError(`month must be YYYY-MM, got "${month}"`);
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const z of zones(cfg)) {
    const r = monthRange(ref, z);
    start = Math.min(start, r.startMs - DAY_MS);
    end = Math.max(end, r.endMs + DAY_MS);
  }
  // Up to the minute mark after now: the current minute's requests so far count in it.
  end = Math.min(end, (Math.floor(nowMs / MINUTE_MS) + 1) * MINUTE_MS);
  const api = new PrometheusApi(url);
  const fromMinute = Math.floor(start / MINUTE_MS);
  const toMinute = Math.max(fromMinute + 1, Math.ceil(end / MINUTE_MS));
  const rollups = await prometheusRollups(api, cfg, selector, fromMinute, toMinute);
  return buildMonthlyReport(cfg, rollups, month, configBucketBounds(cfg), undefined, {
    generatedAtMs: nowMs,
  });
}
