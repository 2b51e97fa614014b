/**
 * The SLO engine: per-minute rollups in, SLO statuses and flag transitions out. Pure
 * computation, off the request path: the recorder (live), the store (restart) and replay
 * (access logs) all feed it the same `MinuteRollup`s.
 *
 * Ingest REPLACES per (minute, route): re-sending a minute with updated totals (the live
 * recorder re-sends its in-progress minute every flush) swaps the old counts for the new
 * ones, so the same minute sent twice never counts twice. Exact replacement needs the counts
 * sent before; they are kept for at least the last RECENT_MINUTES minutes (a slot per minute
 * in a ring of that size). A (minute, route) whose earlier counts are gone is ignored and
 * counted in `stats().staleResends`; one never sent before is added whatever its age, as
 * long as the ring still holds its minute.
 *
 * Memory: per SLO three series (total, valid, bad) over a ring covering the longest period
 * (31 days and a DST hour for calendar months) and at least 3 days: minutes for the last 3
 * days and 15-minute cells before, 32 bits each, ~33 KB per series for a month whatever the
 * traffic (tiered-series.ts). Timeslice SLOs keep minutes (plus two 0/1 series), in 1-4
 * bytes per minute each (minute-series.ts).
 */
import type { ResolvedConfig, ResolvedRoute, SloDefinition } from '../config/types.js';
import { UNCLASSIFIED, UNMATCHED_ROUTE } from '../config/types.js';
import { type MinuteRollup, routeOfKey, syntheticRouteKey } from '../telemetry/rollup.js';
import { MINUTE_MS } from '../time.js';
import type { FlagLatch } from './burn.js';
import { HourBuckets } from './hour-buckets.js';
import {
  excludedMinuteRanges,
  type MaintenanceVerdict,
  minuteInRanges,
  validateMaintenance,
} from './maintenance.js';
import { BLOCK_MINUTES } from './minute-series.js';
import { maxPeriodMinutes } from './period.js';
import { RecentRollups } from './recent-rollups.js';
import { type Contribution, contribute, MODE_LATENCY, type RouteTerm, routeTerm } from './sli.js';
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

/** How far back a re-sent (minute, route) is replaced exactly. */
export const RECENT_MINUTES = 240;

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

export interface EngineStats {
  /** (minute, route) pairs added for the first time (routes no SLO covers are not counted). */
  readonly ingested: number;
  /** Re-sent pairs whose counts replaced the earlier ones. */
  readonly replaced: number;
  /** Rollups of a route the config does not have. */
  readonly unknownRoutes: number;
  /** Minutes older than the ring holds. */
  readonly tooOld: number;
  /** Re-sent pairs older than RECENT_MINUTES: ignored, the first counts stand. */
  readonly staleResends: number;
  /** Rollups with an invalid minute. */
  readonly invalid: number;
  /** Exceptions thrown by `onTransition`. */
  readonly transitionErrors: number;
}

type Counters = { -readonly [K in keyof EngineStats]: EngineStats[K] };

export class SloEngine {
  readonly config: ResolvedConfig;
  readonly capacity: number;
  readonly bucketBoundsSeconds: readonly number[];
  /** One verdict per configured maintenance window, in config order. */
  readonly maintenance: readonly MaintenanceVerdict[];
  private readonly tracks: SloTrack[] = [];
  private readonly routeIndex = new Map<string, number>();
  /** Configured routes no SLO covers: their rollups are ignored without being "unknown". */
  private readonly uncovered = new Set<string>();
  private readonly terms: RouteTerm[][] = [];
  private readonly maintRanges: Array<ReadonlyArray<readonly [number, number]>> = [];
  private readonly recent: RecentRollups[] = [];
  private readonly recentView: ReturnType<typeof RecentRollups.view>;
  private readonly seen: Uint32Array[] = [];
  private readonly sliceSlack: number;
  private readonly options: SloEngineOptions;
  private top = -1;
  private readonly counters: Counters = {
    ingested: 0,
    replaced: 0,
    unknownRoutes: 0,
    tooOld: 0,
    staleResends: 0,
    invalid: 0,
    transitionErrors: 0,
  };
  private readonly cur: Contribution = { bad: 0, valid: 0, total: 0 };
  private readonly old: Contribution = { bad: 0, valid: 0, total: 0 };
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
    this.sliceSlack = slice - 1;
    this.recentView = RecentRollups.view('', options.bucketBoundsSeconds.length + 1);
    const wanted = options.capacityMinutes ?? need + 2 * BLOCK_MINUTES + slice;
    this.capacity = Math.ceil(Math.max(wanted, BLOCK_MINUTES) / BLOCK_MINUTES) * BLOCK_MINUTES;

    const routes = new Map<string, ResolvedRoute>();
    for (const r of config.routes) routes.set(r.name, r);
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
      // Probe rows (`<route>~synthetic`, telemetry/rollup.ts) count only where the SLO asks.
      const keys = def.includeSynthetic
        ? def.routes.flatMap((name) => [name, syntheticRouteKey(name)])
        : def.routes;
      for (const key of keys) {
        const name = routeOfKey(key).route;
        const ri = this.routeSlot(key, name, routes.get(name));
        const terms = this.terms[ri]!;
        // A route listed twice in one SLO still counts once.
        if (terms.some((t) => t.slo === i)) continue;
        const term = routeTerm(i, def, routes.get(name), options.bucketBoundsSeconds);
        if (term) terms.push(term);
      }
    });
    for (const name of [...routes.keys(), UNMATCHED_ROUTE]) {
      if (!this.routeIndex.has(name)) this.uncovered.add(name);
      const synthetic = syntheticRouteKey(name);
      if (!this.routeIndex.has(synthetic)) this.uncovered.add(synthetic);
    }
    for (const f of options.raised ?? []) {
      const t = this.tracks.find((x) => x.def.name === f.slo);
      const latch = f.severity === 'page' ? t?.pageLatch : t?.ticketLatch;
      // Until the first evaluation sees the condition again, hold for the configured time or
      // the rule's short window; a flag of an SLO the config no longer has is dropped.
      latch?.restore(f.raisedAt, f.rule, config.alerting.holdMs ?? restoredHoldMs(f));
    }
  }

  /** The slot of rollup key `key` (a route name, or its probe key) of route `name`. */
  private routeSlot(key: string, name: string, route: ResolvedRoute | undefined): number {
    let ri = this.routeIndex.get(key);
    if (ri !== undefined) return ri;
    ri = this.terms.length;
    this.routeIndex.set(key, ri);
    this.terms.push([]);
    const category = route?.category ?? (name === UNMATCHED_ROUTE ? UNCLASSIFIED : '');
    this.maintRanges.push(excludedMinuteRanges(this.maintenance, name, category));
    this.recent.push(
      new RecentRollups(RECENT_MINUTES, this.options.bucketBoundsSeconds.length + 1, this.recentView),
    );
    this.seen.push(new Uint32Array(this.capacity / 32));
    return ri;
  }

  /** The SLOs, in config order (the order of `evaluate`'s result). */
  get slos(): readonly SloDefinition[] {
    return this.tracks.map((t) => t.def);
  }

  /** The minutes the ring holds. */
  get ring(): RingBounds {
    return this.top < 0 ? { lo: 0, hi: -1 } : { lo: this.top - this.capacity + 1, hi: this.top };
  }

  stats(): EngineStats {
    return { ...this.counters };
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
    for (const r of rollups) this.ingestOne(r);
    const ring = this.ring;
    for (const t of this.tracks) t.ts?.refresh(t.bad, t.valid, ring.lo, ring.hi);
  }

  private ingestOne(r: MinuteRollup): void {
    const ri = this.routeIndex.get(r.route);
    if (ri === undefined) {
      if (!this.uncovered.has(r.route)) this.counters.unknownRoutes++;
      return;
    }
    const m = r.minute;
    if (!Number.isSafeInteger(m) || m < 0) {
      this.counters.invalid++;
      return;
    }
    this.advance(m + this.sliceSlack);
    if (m < this.top - this.capacity + 1) {
      this.counters.tooOld++;
      return;
    }
    const recent = this.recent[ri]!;
    const prev = recent.get(m);
    const seen = this.seen[ri]!;
    const slot = m % this.capacity;
    const word = slot >>> 5;
    const bit = 1 << (slot & 31);
    if (prev === undefined && (seen[word]! & bit) !== 0) {
      this.counters.staleResends++;
      return;
    }
    const inMaintenance = minuteInRanges(this.maintRanges[ri]!, m);
    const cur = this.cur;
    const old = this.old;
    for (const term of this.terms[ri]!) {
      const t = this.tracks[term.slo]!;
      contribute(r, term, inMaintenance, cur);
      if (prev) contribute(prev, term, inMaintenance, old);
      else old.bad = old.valid = old.total = 0;
      t.total.add(m, cur.total - old.total);
      if (t.hours && term.mode === MODE_LATENCY && !inMaintenance) {
        if (prev) t.hours.add(m, prev.buckets, -1);
        t.hours.add(m, r.buckets, 1);
      }
      if (cur.bad === old.bad && cur.valid === old.valid) continue;
      t.bad.add(m, cur.bad - old.bad);
      t.valid.add(m, cur.valid - old.valid);
      t.ts?.touch(m);
    }
    seen[word]! |= bit;
    if (prev) this.counters.replaced++;
    else this.counters.ingested++;
    // The caller may reuse or mutate the object it sent: keep a copy of the counts.
    if (m > this.top - RECENT_MINUTES) recent.put(r);
  }

  /** Moves the ring's top to `to`, zeroing the slots of the minutes that fall out. */
  private advance(to: number): void {
    if (this.top < 0) {
      this.top = to;
      for (const t of this.tracks) t.evict(to);
      return;
    }
    if (to <= this.top) return;
    if (to - this.top >= this.capacity) {
      for (const t of this.tracks) {
        t.clear();
        t.evict(to);
      }
      for (const s of this.seen) s.fill(0);
      for (const r of this.recent) r.clear();
    } else {
      for (let m = this.top + 1; m <= to; m++) {
        for (const t of this.tracks) t.evict(m);
        const slot = m % this.capacity;
        const mask = ~(1 << (slot & 31));
        for (const s of this.seen) s[slot >>> 5]! &= mask;
      }
    }
    this.top = to;
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
      this.counters.transitionErrors++;
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
