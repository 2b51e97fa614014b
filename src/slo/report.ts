/**
 * The monthly SLA report: every SLO over one calendar month, from the store's rollups, a
 * replay's engine, or any engine that still holds that month. `report` and `replay` print it
 * (report-render.ts); the numbers come from the same series and rules as the live engine.
 *
 * Month boundaries: an SLO with a calendar-month period uses its own time zone; other SLOs
 * use the config's calendar-month zone when there is one, else UTC.
 */
import type { ResolvedConfig, SloDefinition } from '../config/types.js';
import type { MinuteRollup } from '../telemetry/rollup.js';
import { DAY_MS, MINUTE_MS } from '../time.js';
import { SloEngine } from './engine.js';
import { estimateQuantile } from './hour-buckets.js';
import type { MaintenanceVerdict } from './maintenance.js';
import { type MonthRef, monthRange, parseMonth, rangeMinutes, type TimeRange } from './period.js';
import { periodOutcome } from './slo-track.js';
import type { DowntimePeriod, PeriodOutcome } from './status.js';

export interface LatencyReport {
  /** The SLO's threshold; undefined when each route uses its own objective. */
  readonly thresholdMs: number | undefined;
  readonly p99Ms: number | undefined;
  /** `hdr`: exact, from the recorder's HDR histograms; `estimate`: interpolated from buckets. */
  readonly p99Source: 'hdr' | 'estimate' | 'none';
  /** The estimate fell in the +Inf bucket: p99 is above the last bound, which is shown. */
  readonly p99AboveLastBound: boolean;
  /** Share of measured requests slower than the threshold. */
  readonly overThresholdRatio: number | null;
}

export interface ServiceCredit {
  /** docs/sla-definitions.md#service-credit: "the lesser of (i) 10% of any refundable fees prepaid ... and (ii) $10,000". */
  readonly amount: number;
  readonly currency: string;
  readonly monthlyFees: number;
}

export interface TimesliceReport {
  readonly minutesInMonth: number;
  readonly downtimePeriods: readonly DowntimePeriod[];
  readonly downtimePeriodMinutes: number;
  /** Downtime minutes in runs shorter than a Downtime Period. */
  readonly intermittentDowntimeMinutes: number;
  readonly uptimeRatio: number;
  /** Present when the SLA was missed and `fees` are configured. */
  readonly serviceCredit: ServiceCredit | undefined;
}

export interface SloReport extends PeriodOutcome {
  readonly name: string;
  readonly sli: SloDefinition['sli'];
  readonly method: SloDefinition['method'];
  readonly objective: number;
  readonly timeZone: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly latency: LatencyReport | undefined;
  readonly timeslices: TimesliceReport | undefined;
}

export interface MonthlyReport {
  readonly month: string;
  readonly generatedAtMs: number;
  readonly slos: readonly SloReport[];
  readonly maintenance: {
    readonly policy: ResolvedConfig['maintenancePolicy'];
    /** Accepted windows overlapping the month: excluded from the SLIs. */
    readonly applied: readonly MaintenanceVerdict[];
    /** Windows overlapping the month that broke the policy: not excluded. */
    readonly rejected: readonly MaintenanceVerdict[];
  };
}

export interface MonthlyReportOptions {
  readonly generatedAtMs?: number;
}

/** docs/sla-definitions.md#service-credit caps the credit at $10,000. */
export const SERVICE_CREDIT_CAP = 10_000;

/** docs/sla-definitions.md#service-credit: 10% of the month's fees, at most 10,000. Divides by 10 (exact) rather than x 0.1. */
export function serviceCredit(monthlyFees: number): number {
  return Math.min(monthlyFees / 10, SERVICE_CREDIT_CAP);
}

function zoneOf(config: ResolvedConfig, slo: SloDefinition): string {
  if (slo.period.kind === 'calendar-month') return slo.period.timeZone;
  if (config.period.kind === 'calendar-month') return config.period.timeZone;
  return 'UTC';
}

function isEngine(x: unknown): x is SloEngine {
  return x instanceof SloEngine;
}

/**
 * Builds the report for `month` (`YYYY-MM`). With rollups, only those within a day of the
 * month are read (the margin lets a Downtime run crossing the boundary be measured whole).
 * `hdrP99` returns an SLO's exact p99 in milliseconds when the store has HDR data for the month.
 */
export function buildMonthlyReport(
  config: ResolvedConfig,
  source: Iterable<MinuteRollup> | SloEngine,
  month: string,
  bucketBoundsSeconds: readonly number[],
  hdrP99?: (slo: SloDefinition) => number | undefined,
  options: MonthlyReportOptions = {},
): MonthlyReport {
  const ref: MonthRef | undefined = parseMonth(month);
  if (!ref) throw new RangeError(`month must be YYYY-MM, got "${month}"`);
  const ranges = config.slos.map((s) => monthRange(ref, zoneOf(config, s)));
  const engine = isEngine(source) ? source : engineFor(config, source, ranges, bucketBoundsSeconds);
  const slos = engine.slos.map((def, i) => {
    const range = isEngine(source) ? monthRange(ref, zoneOf(config, def)) : ranges[i]!;
    return sloReport(config, engine, def, i, range, zoneOf(config, def), bucketBoundsSeconds, hdrP99);
  });
  const configRange = monthRange(
    ref,
    config.period.kind === 'calendar-month' ? config.period.timeZone : 'UTC',
  );
  const inMonth = engine.maintenance.filter(
    (v) => v.window.startMs < configRange.endMs && v.window.endMs > configRange.startMs,
  );
  return {
    month,
    generatedAtMs: options.generatedAtMs ?? Date.now(),
    slos,
    maintenance: {
      policy: config.maintenancePolicy,
      applied: inMonth.filter((v) => v.accepted),
      rejected: inMonth.filter((v) => !v.accepted),
    },
  };
}

function engineFor(
  config: ResolvedConfig,
  rollups: Iterable<MinuteRollup>,
  ranges: readonly TimeRange[],
  bucketBoundsSeconds: readonly number[],
): SloEngine {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const r of ranges) {
    start = Math.min(start, r.startMs - DAY_MS);
    end = Math.max(end, r.endMs + DAY_MS);
  }
  if (!Number.isFinite(start)) {
    start = 0;
    end = MINUTE_MS;
  }
  const fromMinute = Math.floor(start / MINUTE_MS);
  const toMinute = Math.ceil(end / MINUTE_MS);
  const engine = new SloEngine(config, {
    bucketBoundsSeconds,
    capacityMinutes: toMinute - fromMinute + 64,
    minuteGrain: true,
  });
  const batch: MinuteRollup[] = [];
  for (const r of rollups) {
    if (r.minute < fromMinute || r.minute >= toMinute) continue;
    batch.push(r);
    if (batch.length >= 4096) {
      engine.ingest(batch);
      batch.length = 0;
    }
  }
  engine.ingest(batch);
  return engine;
}

function sloReport(
  config: ResolvedConfig,
  engine: SloEngine,
  def: SloDefinition,
  index: number,
  range: TimeRange,
  timeZone: string,
  bounds: readonly number[],
  hdrP99: ((slo: SloDefinition) => number | undefined) | undefined,
): SloReport {
  const sum = engine.summarize(index, range.startMs, range.endMs)!;
  const minutes = rangeMinutes(range);
  const outcome = periodOutcome(sum, minutes, def);
  let timeslices: TimesliceReport | undefined;
  if (def.method === 'timeslices') {
    timeslices = {
      minutesInMonth: minutes,
      downtimePeriods: sum.downtimePeriods,
      downtimePeriodMinutes: sum.downtimePeriodMinutes,
      intermittentDowntimeMinutes: sum.downtimeMinutes - sum.downtimePeriodMinutes,
      uptimeRatio: outcome.ratio!,
      serviceCredit:
        outcome.met === false && config.fees
          ? {
              amount: serviceCredit(config.fees.monthly),
              currency: config.fees.currency,
              monthlyFees: config.fees.monthly,
            }
          : undefined,
    };
  }
  let latency: LatencyReport | undefined;
  if (def.sli === 'latency') {
    const exact = hdrP99?.(def);
    const est =
      exact === undefined
        ? estimateQuantile(bounds, engine.latencyBuckets(index, range.startMs, range.endMs) ?? [], 0.99)
        : undefined;
    latency = {
      thresholdMs: def.latency?.thresholdMs,
      p99Ms: exact ?? est?.valueMs,
      p99Source: exact !== undefined ? 'hdr' : est?.valueMs !== undefined ? 'estimate' : 'none',
      p99AboveLastBound: est?.aboveLastBound ?? false,
      overThresholdRatio: sum.valid > 0 ? sum.bad / sum.valid : null,
    };
  }
  return {
    name: def.name,
    sli: def.sli,
    method: def.method,
    objective: def.objective,
    timeZone,
    startMs: range.startMs,
    endMs: range.endMs,
    ...outcome,
    latency,
    timeslices,
  };
}
