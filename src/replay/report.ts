/**
 * The monthly report from either source, the same way: `replay` (rollups of access logs)
 * and `report` (rollups in the store) both call buildMonthlyReport (report.ts) with their
 * rollups and the exact p99 of their HDR histograms, so the two print the same numbers for
 * the same traffic.
 */
import type { ResolvedConfig, SloDefinition } from '../config/types.js';
import { formatMonth, type MonthRef, monthOf, monthRange, type TimeRange } from '../slo/period.js';
import { buildMonthlyReport, type MonthlyReport } from '../slo/report.js';
import type { Store } from '../store/store.js';
import { hdrP99Ms } from '../telemetry/hdr-layout.js';
import type { MinuteRollup } from '../telemetry/rollup.js';
import { DAY_MS, MINUTE_MS } from '../time.js';
import type { ReplayResult } from './replay.js';

/** Months (`YYYY-MM` in `timeZone`) that overlap [startMs, endMs). */
export function monthsOverlapping(startMs: number, endMs: number, timeZone: string): string[] {
  const out: string[] = [];
  if (!(endMs > startMs)) return out;
  let ref: MonthRef = monthOf(startMs, timeZone);
  for (;;) {
    const r = monthRange(ref, timeZone);
    if (r.startMs >= endMs) break;
    out.push(formatMonth(ref));
    ref = ref.month === 12 ? { year: ref.year + 1, month: 1 } : { year: ref.year, month: ref.month + 1 };
  }
  return out;
}

/** The zone an SLO's month is cut in (as report.ts does). */
function sloZone(cfg: ResolvedConfig, slo: SloDefinition): string {
  if (slo.period.kind === 'calendar-month') return slo.period.timeZone;
  return cfg.period.kind === 'calendar-month' ? cfg.period.timeZone : 'UTC';
}

/** Minutes to read for `month`: every SLO's month, with a day either side (report.ts's margin). */
function readSpan(cfg: ResolvedConfig, month: MonthRef): { from: number; to: number } {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  const zones = new Set(cfg.slos.map((s) => sloZone(cfg, s)));
  if (zones.size === 0) zones.add(cfg.period.kind === 'calendar-month' ? cfg.period.timeZone : 'UTC');
  for (const z of zones) {
    const r = monthRange(month, z);
    start = Math.min(start, r.startMs - DAY_MS);
    end = Math.max(end, r.endMs + DAY_MS);
  }
  return { from: Math.floor(start / MINUTE_MS), to: Math.ceil(end / MINUTE_MS) };
}

function parseMonthRef(month: string): MonthRef {
  const [y, m] = month.split('-');
  return { year: Number(y), month: Number(m) };
}

function* rowsOf(source: ReplayResult['rollups'], from: number, to: number): Generator<MinuteRollup> {
  // One day at a time: the report's engine only keeps counts, never the objects.
  for (let m = from; m < to; m += 1440) yield* source.readRollups(m, Math.min(to, m + 1440));
}

/** The report of each month, from a replay. */
export function replayReports(
  cfg: ResolvedConfig,
  result: ReplayResult,
  months: readonly string[],
  generatedAtMs: number,
): MonthlyReport[] {
  return months.map((month) => {
    const ref = parseMonthRef(month);
    const span = readSpan(cfg, ref);
    // Replay keeps one HDR per route and month of the report zone (book.ts).
    const hdr = result.rollups.readLatencyHistograms(monthRange(ref, result.timeZone).startMs);
    return buildMonthlyReport(
      cfg,
      rowsOf(result.rollups, span.from, span.to),
      month,
      result.bucketBoundsSeconds,
      (slo) => hdrP99Ms(hdr, slo.routes),
      { generatedAtMs },
    );
  });
}

/** The report of `month` from the store. */
export function storeReport(
  cfg: ResolvedConfig,
  store: Store,
  month: string,
  bucketBoundsSeconds: readonly number[],
  generatedAtMs: number,
): MonthlyReport {
  const ref = parseMonthRef(month);
  const span = readSpan(cfg, ref);
  const hdrByZone = new Map<string, Map<string, Float64Array>>();
  const hdrFor = (slo: SloDefinition): number | undefined => {
    const zone = sloZone(cfg, slo);
    let hdr = hdrByZone.get(zone);
    if (!hdr) {
      const r: TimeRange = monthRange(ref, zone);
      hdr = store.readLatencyHistograms(Math.floor(r.startMs / MINUTE_MS), Math.ceil(r.endMs / MINUTE_MS));
      hdrByZone.set(zone, hdr);
    }
    return hdrP99Ms(hdr, slo.routes);
  };
  return buildMonthlyReport(cfg, store.readRollups(span.from, span.to), month, bucketBoundsSeconds, hdrFor, {
    generatedAtMs,
  });
}

export { hdrP99Ms };
