/**
 * The SLO engine's write side: per-minute rollups into the SLOs' count series, and the ring
 * of minutes they cover (engine.ts holds the read side: evaluation, summaries).
 *
 * Ingest REPLACES per (minute, route): re-sending a minute with updated totals (the live
 * recorder re-sends its in-progress minute every flush) swaps the old counts for the new
 * ones, so the same minute sent twice never counts twice. Exact replacement needs the counts
 * sent before; they are kept for at least the last RECENT_MINUTES minutes (a slot per minute
 * in a ring of that size). A (minute, route) whose earlier counts are gone is ignored and
 * counted in `stats().staleResends`; one never sent before is added whatever its age, as
 * long as the ring still holds its minute.
 */
import type { ResolvedConfig, ResolvedRoute } from '../config/types.js';
import { UNCLASSIFIED, UNMATCHED_ROUTE } from '../config/types.js';
import { type MinuteRollup, routeOfKey, syntheticRouteKey } from '../telemetry/rollup.js';
import { excludedMinuteRanges, type MaintenanceVerdict, minuteInRanges } from './maintenance.js';
import { RecentRollups } from './recent-rollups.js';
import { type Contribution, contribute, MODE_LATENCY, type RouteTerm, routeTerm } from './sli.js';
import type { RingBounds, SloTrack } from './slo-track.js';

/** How far back a re-sent (minute, route) is replaced exactly. */
export const RECENT_MINUTES = 240;

export interface IngestStats {
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
}

type Counters = { -readonly [K in keyof IngestStats]: IngestStats[K] };

export class RollupIngest {
  private readonly tracks: readonly SloTrack[];
  private readonly capacity: number;
  private readonly maintenance: readonly MaintenanceVerdict[];
  private readonly bucketCount: number;
  private readonly routeIndex = new Map<string, number>();
  /** Configured routes no SLO covers: their rollups are ignored without being "unknown". */
  private readonly uncovered = new Set<string>();
  private readonly terms: RouteTerm[][] = [];
  private readonly maintRanges: Array<ReadonlyArray<readonly [number, number]>> = [];
  private readonly recent: RecentRollups[] = [];
  private readonly recentView: ReturnType<typeof RecentRollups.view>;
  private readonly seen: Uint32Array[] = [];
  private readonly sliceSlack: number;
  private top = -1;
  private readonly counters: Counters = {
    ingested: 0,
    replaced: 0,
    unknownRoutes: 0,
    tooOld: 0,
    staleResends: 0,
    invalid: 0,
  };
  private readonly cur: Contribution = { bad: 0, valid: 0, total: 0 };
  private readonly old: Contribution = { bad: 0, valid: 0, total: 0 };

  /**
   * `tracks`: one per SLO of `config`, in config order, over a ring of `capacity` minutes;
   * `sliceSlack`: minutes the ring's top runs ahead of the newest minute (timeslices).
   */
  constructor(
    config: ResolvedConfig,
    tracks: readonly SloTrack[],
    capacity: number,
    maintenance: readonly MaintenanceVerdict[],
    bucketBoundsSeconds: readonly number[],
    sliceSlack: number,
  ) {
    this.tracks = tracks;
    this.capacity = capacity;
    this.maintenance = maintenance;
    this.bucketCount = bucketBoundsSeconds.length + 1;
    this.sliceSlack = sliceSlack;
    this.recentView = RecentRollups.view('', this.bucketCount);
    const routes = new Map<string, ResolvedRoute>();
    for (const r of config.routes) routes.set(r.name, r);
    config.slos.forEach((def, i) => {
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
        const term = routeTerm(i, def, routes.get(name), bucketBoundsSeconds);
        if (term) terms.push(term);
      }
    });
    for (const name of [...routes.keys(), UNMATCHED_ROUTE]) {
      if (!this.routeIndex.has(name)) this.uncovered.add(name);
      const synthetic = syntheticRouteKey(name);
      if (!this.routeIndex.has(synthetic)) this.uncovered.add(synthetic);
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
    this.recent.push(new RecentRollups(RECENT_MINUTES, this.bucketCount, this.recentView));
    this.seen.push(new Uint32Array(this.capacity / 32));
    return ri;
  }

  /** The counts so far (live: `SloEngine.stats` copies them). */
  get counts(): IngestStats {
    return this.counters;
  }

  /** The minutes the ring holds. */
  get ring(): RingBounds {
    return this.top < 0 ? { lo: 0, hi: -1 } : { lo: this.top - this.capacity + 1, hi: this.top };
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
}
