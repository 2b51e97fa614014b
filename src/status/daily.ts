/**
 * Each SLO's figure per day, as the SLA defines it: the occurrences ratio
 * (docs/sla-definitions.md#availability-occurrences) or the timeslice uptime of the day
 * (docs/sla-definitions.md#timeslice-error-rate, #downtime-period). The counting is the
 * engine's: rollups go into an SloEngine, each day is `summarize` + `periodOutcome`, the same
 * calls the monthly report makes for a month. A day without traffic has no figure (null),
 * never 100% (docs/sla-definitions.md#no-traffic).
 *
 * Days are local days in the report zone. A Downtime run crossing midnight is measured whole:
 * the engine is fed a margin either side of the days asked for.
 */
import type { ResolvedConfig } from '../config/types.js';
import { SloEngine } from '../slo/engine.js';
import { estimateQuantile } from '../slo/hour-buckets.js';
import { rangeMinutes, type TimeRange, zonedParts, zonedTimeToEpoch } from '../slo/period.js';
import { periodOutcome } from '../slo/slo-track.js';
import type { MinuteRollup } from '../telemetry/rollup.js';
import { DAY_MS, MINUTE_MS } from '../time.js';

export interface DayFigure {
  readonly startMs: number;
  readonly endMs: number;
  /** Every request of the day, excluded ones included. */
  readonly requests: number;
  readonly valid: number;
  readonly bad: number;
  /** Timeslices: minutes of the day inside Downtime Periods. */
  readonly downtimePeriodMinutes: number;
  /** The SLA figure of the day; null when no request counted ("no data"). */
  readonly ratio: number | null;
  /** Latency SLOs: p99 of the day estimated from the SLI buckets (hourly grain), ms. */
  readonly p99Ms: number | undefined;
}

/** Reads minute rollups in [fromMinute, toMinute): a Store, or a replay's rollups. */
export type RollupReader = (fromMinute: number, toMinute: number) => Iterable<MinuteRollup>;

/** The local day containing `ms` in `timeZone`, midnight to midnight. */
export function dayOf(ms: number, timeZone: string): TimeRange {
  const p = zonedParts(ms, timeZone);
  const startMs = zonedTimeToEpoch(p.year, p.month, p.day, 0, 0, timeZone);
  const next = new Date(Date.UTC(p.year, p.month - 1, p.day + 1));
  const endMs = zonedTimeToEpoch(
    next.getUTCFullYear(),
    next.getUTCMonth() + 1,
    next.getUTCDate(),
    0,
    0,
    timeZone,
  );
  return { startMs, endMs };
}

/** The `count` local days ending with the one containing `nowMs`, oldest first. */
export function lastDays(nowMs: number, count: number, timeZone: string): TimeRange[] {
  const out: TimeRange[] = [];
  let day = dayOf(nowMs, timeZone);
  for (let i = 0; i < count; i++) {
    out.unshift(day);
    day = dayOf(day.startMs - 1, timeZone);
  }
  return out;
}

/** Days in [startMs, endMs), the first and last clipped to the range. */
export function daysIn(range: TimeRange, timeZone: string): TimeRange[] {
  const out: TimeRange[] = [];
  let t = range.startMs;
  while (t < range.endMs) {
    const d = dayOf(t, timeZone);
    const end = Math.min(d.endMs, range.endMs);
    out.push({ startMs: t, endMs: end });
    t = end;
  }
  return out;
}

/** The rollup margin either side: covers any Downtime run the config's rules can form. */
function marginMinutes(config: ResolvedConfig): number {
  let m = 60;
  for (const s of config.slos) {
    const t = s.timeslices;
    if (t) m = Math.max(m, Math.ceil((t.sliceMs / MINUTE_MS) * t.minConsecutive) + 1);
  }
  return m;
}

/** Days per engine: bounds the memory of one pass (a few MB for dozens of SLOs). */
const CHUNK_DAYS = 10;

/**
 * Figures of every SLO (config order) for each day in `days` (contiguous, oldest first).
 * Result: `[slo][day]`.
 */
export function dailyFigures(
  config: ResolvedConfig,
  bucketBoundsSeconds: readonly number[],
  read: RollupReader,
  days: readonly TimeRange[],
): DayFigure[][] {
  const out: DayFigure[][] = config.slos.map(() => []);
  const margin = marginMinutes(config);
  for (let c = 0; c < days.length; c += CHUNK_DAYS) {
    const chunk = days.slice(c, c + CHUNK_DAYS);
    const from = Math.floor(chunk[0]!.startMs / MINUTE_MS) - margin;
    const to = Math.ceil(chunk[chunk.length - 1]!.endMs / MINUTE_MS) + margin;
    const engine = new SloEngine(config, { bucketBoundsSeconds, capacityMinutes: to - from + 64 });
    const batch: MinuteRollup[] = [];
    for (const r of read(from, to)) {
      batch.push(r);
      if (batch.length >= 4096) {
        engine.ingest(batch);
        batch.length = 0;
      }
    }
    engine.ingest(batch);
    config.slos.forEach((def, i) => {
      for (const d of chunk) {
        const sum = engine.summarize(i, d.startMs, d.endMs)!;
        const o = periodOutcome(sum, rangeMinutes(d), def);
        out[i]!.push({
          startMs: d.startMs,
          endMs: d.endMs,
          requests: sum.requests,
          valid: sum.valid,
          bad: sum.bad,
          downtimePeriodMinutes: sum.downtimePeriodMinutes,
          ratio: sum.valid > 0 ? o.ratio : null,
          p99Ms:
            def.sli === 'latency'
              ? estimateQuantile(
                  bucketBoundsSeconds,
                  engine.latencyBuckets(i, d.startMs, d.endMs) ?? [],
                  0.99,
                ).valueMs
              : undefined,
        });
      }
    });
  }
  return out;
}

/**
 * The last `count` days of every SLO, for a page that asks every minute: a day that ended
 * more than a day ago no longer changes (late minutes are at most the recorder's flush
 * behind), so it is computed once and kept; the recent ones are computed again once they
 * are FRESH_MS old. Measured on the Klarna config (36 SLOs): ~2.5 s for the first 90 days,
 * ~110 ms for the recent three, so a recompute per viewer per refresh would stall the
 * event loop the proxy shares.
 */
export class DailyHistory {
  private readonly cache = new Map<number, { at: number; figures: DayFigure[] }>();

  constructor(
    private readonly config: ResolvedConfig,
    private readonly bounds: readonly number[],
    private readonly timeZone: string,
    private readonly count = 90,
  ) {}

  /**
   * Computes what is missing a few days at a time, yielding to the event loop in between:
   * the admin listener shares it with the proxy, which must not wait seconds for a page.
   */
  async figures(read: RollupReader, nowMs: number): Promise<DayFigure[][]> {
    const days = lastDays(nowMs, this.count, this.timeZone);
    const usable = (d: TimeRange) => {
      const hit = this.cache.get(d.startMs);
      if (!hit) return false;
      return d.endMs + DAY_MS <= hit.at || nowMs - hit.at < FRESH_MS;
    };
    const first = days.findIndex((d) => !usable(d));
    if (first >= 0) {
      // From the first day to compute on, as one contiguous span (the engine needs the
      // minutes either side of each day).
      for (let c = first; c < days.length; c += YIELD_DAYS) {
        if (c > first) await new Promise<void>((resolve) => setImmediate(resolve));
        const span = days.slice(c, c + YIELD_DAYS);
        const figs = dailyFigures(this.config, this.bounds, read, span);
        for (let k = 0; k < span.length; k++)
          this.cache.set(span[k]!.startMs, { at: nowMs, figures: figs.map((f) => f[k]!) });
      }
    }
    for (const k of this.cache.keys()) if (k < days[0]!.startMs) this.cache.delete(k);
    const out: DayFigure[][] = this.config.slos.map(() => []);
    for (const d of days) {
      const perSlo = this.cache.get(d.startMs)!.figures;
      for (let i = 0; i < perSlo.length; i++) out[i]!.push(perSlo[i]!);
    }
    return out;
  }
}

/** Days computed between two yields: ~80 ms of work for 36 SLOs. */
const YIELD_DAYS = 3;

/** How long the figures of a day still changing are reused. */
export const FRESH_MS = 30_000;
