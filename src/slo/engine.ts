/**
 * The SLO engine: per-minute rollups in, SLO statuses and flag transitions out. Pure
 * computation, off the request path: the recorder (live), the store (restart) and replay
 * (access logs) all feed it the same `MinuteRollup`s.
 *
 * Ingest (ingest.ts) REPLACES per (minute, route): the same minute sent twice never counts
 * twice.
 *
 * Memory: per SLO three series (total, valid, bad) over a ring covering the longest period
 * (31 days and a DST hour for calendar months) and at least 3 days: minutes for the last 3
 * days and 15-minute cells before, 32 bits each, ~33 KB per series for a month whatever the
 * traffic (tiered-series.ts). Timeslice SLOs keep minutes (plus two 0/1 series), in 1-4
 * bytes per minute each (minute-series.ts).
 */
import type { ResolvedConfig, SloDefinition } from '../config/types.js';
import type { MinuteRollup } from '../telemetry/rollup.js';
import { MINUTE_MS } from '../time.js';
import type { FlagLatch } from './burn.js';
import { HourBuckets } from './hour-buckets.js';
import { type IngestStats, RollupIngest } from './ingest.js';
import { type MaintenanceVerdict, validateMaintenance } from './maintenance.js';
import { BLOCK_MINUTES } from './minute-series.js';
import { maxPeriodMinutes } from './period.js';
import { runAll } from './sliced.js';
import { type RangeSummary, type RingBounds, SloTrack } from './slo-track.js';
import type { FlagTransition, RaisedFlag, SloStatus } from './status.js';
import { SEED_TIMESLICE_RULES, TimesliceTrack } from './timeslices.js';
import {
  ALERT_RULES,
  FIXED_WINDOWS,
  LONGEST_FIXED_WINDOW_MINUTES,
  type Severity,
  WINDOW_NAMES,
  type WindowName,
} from './windows.js';

/** The short window of the flag's rule (of the severity's quick rule when unknown), in ms. */
function restoredHoldMs(f: RaisedFlag): number {
  const rule = ALERT_RULES.find((r) => r.id === f.rule) ?? ALERT_RULES.find((r) => r.severity === f.severity);
  return (FIXED_WINDOWS.find((w) => w.name === rule?.shortWindow)?.minutes ?? 5) * MINUTE_MS;
}

export interface SloEngineOptions {
  /** SLI latency bucket bounds in seconds (ascending; the last bucket, +Inf, is implied). */
  readonly bucketBoundsSeconds: readonly number[];
  /** Clock for `evaluate()` without an argument. */
  readonly now?: () => number;
  /** Called once per flag change ('raised' or 'cleared'); must not throw (errors are counted). */
  readonly onTransition?: (t: FlagTransition) => void;
  /** Flags up before a restart: they stay up (no second raise) and clear through their hold time. */
  readonly raised?: readonly RaisedFlag[];
  /** Ring length in minutes; default: the longest period or 3 days, plus slack. */
  readonly capacityMinutes?: number;
  /**
   * Keep every minute of the ring (reports: any range they are asked for sums exactly).
   * Default: minutes for the last 3 days, 15-minute cells before (tiered-series.ts).
   */
  readonly minuteGrain?: boolean;
}

export interface EngineStats extends IngestStats {
  /** Exceptions thrown by `onTransition`. */
  readonly transitionErrors: number;
}

export class SloEngine {
  readonly config: ResolvedConfig;
  readonly capacity: number;
  readonly bucketBoundsSeconds: readonly number[];
  /** One verdict per configured maintenance window, in config order. */
  readonly maintenance: readonly MaintenanceVerdict[];
  private readonly tracks: SloTrack[] = [];
  private readonly rollups: RollupIngest;
  private readonly options: SloEngineOptions;
  private transitionErrors = 0;
  private last: SloStatus[] | undefined;

  constructor(config: ResolvedConfig, options: SloEngineOptions) {
    this.config = config;
    this.options = options;
    this.bucketBoundsSeconds = options.bucketBoundsSeconds;
    let slice = 1;
    let need = LONGEST_FIXED_WINDOW_MINUTES;
    for (const slo of config.slos) {
      need = Math.max(need, maxPeriodMinutes(slo.period));
      if (slo.timeslices) slice = Math.max(slice, Math.round(slo.timeslices.sliceMs / MINUTE_MS));
    }
    const wanted = options.capacityMinutes ?? need + 2 * BLOCK_MINUTES + slice;
    this.capacity = Math.ceil(Math.max(wanted, BLOCK_MINUTES) / BLOCK_MINUTES) * BLOCK_MINUTES;

    this.maintenance = validateMaintenance(config.maintenancePolicy, config.maintenance);
    const hoursCap = Math.ceil(this.capacity / 60) + 2;
    config.slos.forEach((def, i) => {
      const ts =
        def.method === 'timeslices'
          ? new TimesliceTrack(def.timeslices ?? SEED_TIMESLICE_RULES, this.capacity)
          : undefined;
      const hours =
        def.sli === 'latency' ? new HourBuckets(hoursCap, options.bucketBoundsSeconds.length + 1) : undefined;
      this.tracks.push(new SloTrack(i, def, this.capacity, ts, hours, options.minuteGrain === true));
    });
    this.rollups = new RollupIngest(
      config,
      this.tracks,
      this.capacity,
      this.maintenance,
      options.bucketBoundsSeconds,
      slice - 1,
    );
    for (const f of options.raised ?? []) {
      const t = this.tracks.find((x) => x.def.name === f.slo);
      const latch = f.severity === 'page' ? t?.pageLatch : t?.ticketLatch;
      // Until the first evaluation sees the condition again, hold for the configured time or
      // the rule's short window; a flag of an SLO the config no longer has is dropped.
      latch?.restore(f.raisedAt, f.rule, config.alerting.holdMs ?? restoredHoldMs(f));
    }
  }

  /** The SLOs, in config order (the order of `evaluate`'s result). */
  get slos(): readonly SloDefinition[] {
    return this.tracks.map((t) => t.def);
  }

  /** The minutes the ring holds. */
  get ring(): RingBounds {
    return this.rollups.ring;
  }

  stats(): EngineStats {
    return { ...this.rollups.counts, transitionErrors: this.transitionErrors };
  }

  /** Bytes held by the SLOs' count series (what the ring costs; the other buffers are per route). */
  get seriesBytes(): number {
    let n = 0;
    for (const t of this.tracks) n += t.bytes;
    return n;
  }

  /** The statuses of the latest `evaluate`, if any. */
  get lastStatuses(): readonly SloStatus[] | undefined {
    return this.last;
  }

  ingest(rollups: readonly MinuteRollup[]): void {
    this.rollups.ingest(rollups);
  }

  /** Evaluates every SLO at `nowMs` (default: the `now` option, else the wall clock). */
  evaluate(nowMs?: number): SloStatus[] {
    const at = nowMs ?? this.options.now?.() ?? Date.now();
    return runAll(this.evaluateSteps(at));
  }

  /**
   * The status of SLO `index` (config order) at `at`, its flag changes announced: one step of
   * `evaluate` (see `evaluateSteps`).
   */
  evaluateOne(at: number, index: number): SloStatus {
    const t = this.tracks[index]!;
    const s = t.status(at, this.ring, this.config.alerting.minRequests, this.config.alerting.holdMs);
    for (const c of t.changes) this.emit(s, c.severity, c.state, c.latch, at);
    return s;
  }

  /**
   * `evaluate` one SLO per step (yields between them), for callers that spread an evaluation
   * over several event-loop turns (sliced.ts); returns the statuses, recorded as the latest.
   */
  *evaluateSteps(at: number): Generator<void, SloStatus[], void> {
    const out: SloStatus[] = [];
    for (let i = 0; i < this.tracks.length; i++) {
      out.push(this.evaluateOne(at, i));
      yield;
    }
    this.last = out;
    return out;
  }

  private emit(
    s: SloStatus,
    severity: Severity,
    state: 'raised' | 'cleared',
    latch: FlagLatch,
    at: number,
  ): void {
    const cb = this.options.onTransition;
    if (!cb) return;
    const burnRates = {} as Record<WindowName, number | null>;
    for (const w of s.windows) burnRates[w.window] = w.burnRate;
    for (const name of WINDOW_NAMES) if (!(name in burnRates)) burnRates[name] = null;
    const firing = s.firing.filter((id) => id.startsWith(severity));
    try {
      cb({
        slo: s.name,
        sli: s.sli,
        severity,
        state,
        at,
        burnRates,
        firing,
        raisedAt: latch.raisedAt,
        rule: latch.rule,
        threshold: latch.rule ? s.factors[latch.rule] : null,
      });
    } catch {
      this.transitionErrors++;
    }
  }

  private track(slo: string | number): SloTrack | undefined {
    return typeof slo === 'number' ? this.tracks[slo] : this.tracks.find((t) => t.def.name === slo);
  }

  /** Totals of one SLO over `[startMs, endMs)` (minutes the ring no longer holds read as empty). */
  summarize(slo: string | number, startMs: number, endMs: number): RangeSummary | undefined {
    const t = this.track(slo);
    if (!t) return undefined;
    return t.summarize(Math.floor(startMs / MINUTE_MS), Math.ceil(endMs / MINUTE_MS) - 1, this.ring, true);
  }

  /** Latency bucket totals of a latency SLO over `[startMs, endMs)`, at hourly grain. */
  latencyBuckets(slo: string | number, startMs: number, endMs: number): number[] | undefined {
    const t = this.track(slo);
    if (!t?.hours) return undefined;
    return t.hours.sum(Math.floor(startMs / MINUTE_MS), Math.ceil(endMs / MINUTE_MS) - 1);
  }
}
