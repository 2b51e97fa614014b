/**
 * Everything the status views show at one instant, gathered once per request from the live
 * SLO runtime (statuses, its engine's range sums), the store (daily history, hourly HDR
 * latency) and the downtime sources. The views (page.ts, statuspage-api.ts, feeds.ts) only
 * format it, so they agree with each other and with `/v1/slos`.
 */
import type { ResolvedConfig } from '../config/types.js';
import { errorBudget } from '../slo/burn.js';
import type { SloEngine } from '../slo/engine.js';
import { estimateQuantile } from '../slo/hour-buckets.js';
import type { TimeRange } from '../slo/period.js';
import type { SloStatus } from '../slo/status.js';
import { hdrP99Ms } from '../telemetry/hdr-layout.js';
import { HOUR_MS, MINUTE_MS } from '../time.js';
import { type DailyHistory, type DayFigure, lastDays, type RollupReader } from './daily.js';
import type { MethodDays, MethodView } from './method-daily.js';
import type { DowntimeView, StatusSources } from './sources.js';
import { type CategoryState, categoryStates } from './state.js';
import type { SeriesPoint } from './svg.js';

export interface RouteLatency {
  readonly route: string;
  readonly objectiveMs: number;
  /** p99 per hour, oldest first; null for an hour without requests. */
  readonly points: readonly SeriesPoint[];
  /** True when a point came from the SLI buckets rather than the exact HDR histogram. */
  readonly estimated: boolean;
}

export interface StatusModel {
  readonly nowMs: number;
  readonly config: ResolvedConfig;
  readonly timeZone: string;
  readonly statuses: readonly SloStatus[];
  readonly states: readonly CategoryState[];
  /** Downtimes overlapping the days shown, and upcoming ones, by begin. */
  readonly downtimes: readonly DowntimeView[];
  readonly days: readonly TimeRange[];
  /** `[slo][day]`; empty rows when the history is not available. */
  readonly daily: readonly (readonly DayFigure[])[];
  /** Budget consumed over each SLO's period so far (1 = all of it), per SLO. */
  readonly budgets: readonly (readonly SeriesPoint[])[];
  readonly latency: readonly RouteLatency[];
  /** Per payment-method series: what it is and its daily figures (empty without methods). */
  readonly methods: readonly MethodBars[];
}

export interface MethodBars extends MethodView {
  readonly daily: readonly DayFigure[];
}

/** How far ahead upcoming maintenance is listed. */
const UPCOMING_MS = 365 * 86_400_000;
const LATENCY_HOURS = 24;

export interface ModelInputs {
  readonly config: ResolvedConfig;
  readonly engine: SloEngine;
  readonly statuses: readonly SloStatus[];
  readonly sources: StatusSources;
  readonly history: DailyHistory;
  readonly readRollups: RollupReader;
  /** The payment-method series' daily history and where their minutes are read. */
  readonly methods?: { readonly days: MethodDays; readonly read: RollupReader } | undefined;
  /** Exact HDR counts per route over [fromMinute, toMinute), when the store has them. */
  readonly readHdr: ((fromMinute: number, toMinute: number) => ReadonlyMap<string, Float64Array>) | undefined;
  readonly timeZone: string;
  readonly days: number;
  readonly nowMs: number;
}

/**
 * Consumed budget at each day boundary of the period and at now, from the engine's range
 * sums: occurrences spend `bad / (budget x valid so far)` (so the last point is exactly
 * 1 - budget_remaining of /v1/slos), timeslices spend Downtime Period minutes out of
 * `budget x minutes in the period` (docs/sla-definitions.md#monthly-uptime).
 */
export function budgetPoints(engine: SloEngine, index: number, s: SloStatus, dayStarts: readonly number[]) {
  const budget = errorBudget(s.objective);
  const start = s.periodStartMs;
  const now = s.evaluatedAtMs;
  const marks = [start, ...dayStarts.filter((t) => t > start && t < now), now];
  const total = engine.summarize(index, start, now)!;
  const points: SeriesPoint[] = [];
  for (const t of marks) {
    if (s.method === 'timeslices') {
      const minutes = s.timeslices?.minutesInPeriod ?? 1;
      const used = t === start ? 0 : engine.summarize(index, start, t)!.downtimePeriodMinutes;
      points.push({ t, v: budget > 0 ? used / (budget * minutes) : used > 0 ? null : 0 });
      continue;
    }
    if (total.valid === 0) {
      points.push({ t, v: null });
      continue;
    }
    const bad = t === start ? 0 : engine.summarize(index, start, t)!.bad;
    points.push({ t, v: budget > 0 ? bad / (budget * total.valid) : bad > 0 ? null : 0 });
  }
  return points;
}

function routeLatency(inputs: ModelInputs): RouteLatency[] {
  const { config, engine, nowMs } = inputs;
  const lastHour = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  const hours: number[] = [];
  for (let h = LATENCY_HOURS - 1; h >= 0; h--) hours.push(lastHour - h * HOUR_MS);
  const hdr = inputs.readHdr
    ? hours.map((h) => inputs.readHdr!(h / MINUTE_MS, (h + HOUR_MS) / MINUTE_MS))
    : undefined;
  const out: RouteLatency[] = [];
  for (const route of config.routes) {
    if (!route.latency) continue;
    const index = config.slos.findIndex(
      (s) => s.sli === 'latency' && s.scope.kind === 'route' && s.scope.name === route.name,
    );
    if (index < 0) continue;
    let estimated = false;
    const points = hours.map((h, k): SeriesPoint => {
      const exact = hdr ? hdrP99Ms(hdr[k]! as Map<string, Float64Array>, [route.name]) : undefined;
      if (exact !== undefined) return { t: h, v: exact };
      const buckets = engine.latencyBuckets(index, h, h + HOUR_MS) ?? [];
      const est = estimateQuantile(engine.bucketBoundsSeconds, buckets, 0.99);
      if (est.valueMs === undefined) return { t: h, v: null };
      estimated = true;
      return { t: h, v: est.valueMs };
    });
    out.push({ route: route.name, objectiveMs: route.latency.thresholdMs, points, estimated });
  }
  return out;
}

async function methodBars(
  methods: NonNullable<ModelInputs['methods']>,
  nowMs: number,
): Promise<MethodBars[]> {
  const figures = await methods.days.figures(methods.read, nowMs);
  return methods.days.views.map((v, i) => ({ ...v, daily: figures[i] ?? [] }));
}

/**
 * The model at `inputs.nowMs`. `full` adds what only the page draws (daily history, budget
 * and latency series); the JSON and the feeds need states and downtimes only.
 */
export async function buildModel(inputs: ModelInputs, full = true): Promise<StatusModel> {
  const { config, nowMs } = inputs;
  const days = lastDays(nowMs, inputs.days, inputs.timeZone);
  const fromSec = Math.floor(days[0]!.startMs / 1000);
  const downtimes = inputs.sources.downtimes(fromSec, Math.ceil((nowMs + UPCOMING_MS) / 1000));
  const dayStarts = days.map((d) => d.startMs);
  return {
    nowMs,
    config,
    timeZone: inputs.timeZone,
    statuses: inputs.statuses,
    states: categoryStates(config, inputs.statuses, downtimes),
    downtimes,
    days,
    daily: full ? await inputs.history.figures(inputs.readRollups, nowMs) : [],
    budgets: full ? inputs.statuses.map((s, i) => budgetPoints(inputs.engine, i, s, dayStarts)) : [],
    latency: full ? routeLatency(inputs) : [],
    methods: full && inputs.methods ? await methodBars(inputs.methods, nowMs) : [],
  };
}
