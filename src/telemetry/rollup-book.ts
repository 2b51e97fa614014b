/**
 * Per-minute, per-route counts for the SLO engine and the store (`MinuteRollup`).
 *
 * A request belongs to the minute it arrived in (docs/sla-definitions.md#server-side-timestamps:
 * "Time is measured using the server-side timestamps of API Requests"; replay uses the
 * access log's `time`, the same instant). How it counts is rollup.ts `countRequest`; this
 * file only decides which minute and whether it is the first copy of its digest there. Requests are reported when they end, so a minute stays open for a grace period
 * after it ends; `drain` then returns it once. A request that arrives after its minute was
 * drained (longer than the grace) is booked in the oldest open minute: never lost, at most
 * a minute late. Each route keeps a ring of open-minute accumulators, reused every minute.
 */

import { MINUTE_MS } from '../time.js';
import { DigestSet, digestKey } from './digest-set.js';
import { C_TOTAL, COUNTERS, countRequest, type MinuteRollup, rollupFromRow } from './rollup.js';

/** Open minutes per route; the grace must stay well under (RING - 1) minutes. */
const RING = 4;

class MinuteAccumulator {
  minute = -1;
  /** One packed counter row (rollup.ts order). */
  readonly counters = new Float64Array(COUNTERS);
  readonly buckets: Float64Array;
  digests: DigestSet | null = null;

  constructor(bucketCount: number) {
    this.buckets = new Float64Array(bucketCount);
  }

  get total(): number {
    return this.counters[C_TOTAL]!;
  }

  reset(minute: number): void {
    this.minute = minute;
    this.counters.fill(0);
    this.buckets.fill(0);
    this.digests?.clear();
  }

  snapshot(route: string): MinuteRollup {
    return rollupFromRow(this.minute, route, this.counters, 0, Array.from(this.buckets));
  }
}

export class RollupBook {
  /** Oldest minute still open; every earlier minute has been closed. NaN until the first use. */
  private openFrom = Number.NaN;
  private readonly rings: MinuteAccumulator[][];
  private pending: MinuteRollup[] = [];
  private readonly maxPending: number;
  /** Closed rollups discarded because nobody drained them for about an hour. */
  droppedRollups = 0;

  constructor(
    private readonly routeNames: readonly string[],
    bucketCount: number,
    private readonly graceMs: number,
  ) {
    this.maxPending = Math.max(1000, routeNames.length * 60);
    this.rings = routeNames.map(() => {
      const ring: MinuteAccumulator[] = [];
      for (let i = 0; i < RING; i++) ring.push(new MinuteAccumulator(bucketCount));
      return ring;
    });
  }

  /**
   * Counts one request. `bucket` is its SLI latency bucket or -1; `slow` is "slower than the
   * route's objective"; `errorStatus` is "answered with a timeslice error status"; `digest`
   * is null when distinct-request counting is off (every request is then a first copy).
   */
  record(
    route: number,
    startMs: number,
    outcome: number,
    bucket: number,
    slow: boolean,
    errorStatus: boolean,
    digest: string | null,
  ): void {
    let minute = Math.floor(startMs / MINUTE_MS);
    if (Number.isNaN(this.openFrom)) this.openFrom = minute;
    if (minute < this.openFrom) minute = this.openFrom;
    else if (minute >= this.openFrom + RING) this.closeBefore(minute - RING + 1);
    const acc = this.rings[route]![minute % RING]!;
    if (acc.minute !== minute) acc.reset(minute);
    if (bucket >= 0) acc.buckets[bucket]!++;
    let firstCopy = true;
    if (digest !== null) {
      acc.digests ??= new DigestSet();
      firstCopy = acc.digests.add(digestKey(digest));
    }
    countRequest(acc.counters, 0, outcome, slow, errorStatus, firstCopy);
  }

  /**
   * Closes every minute that ended at least `graceMs` before `nowMs` and returns the rollups
   * of all closed minutes not returned before (routes without traffic are left out).
   */
  drain(nowMs: number): MinuteRollup[] {
    const firstOpen = Math.floor((nowMs - this.graceMs) / MINUTE_MS);
    if (Number.isNaN(this.openFrom)) this.openFrom = firstOpen;
    else if (firstOpen > this.openFrom) this.closeBefore(firstOpen);
    const out = this.pending;
    this.pending = [];
    return out;
  }

  /** Snapshots of the minutes still open (they may still change), oldest first. */
  peek(): MinuteRollup[] {
    const out: MinuteRollup[] = [];
    if (Number.isNaN(this.openFrom)) return out;
    for (let m = this.openFrom; m < this.openFrom + RING; m++) {
      for (let r = 0; r < this.rings.length; r++) {
        const acc = this.rings[r]![m % RING]!;
        if (acc.minute === m && acc.total > 0) out.push(acc.snapshot(this.routeNames[r]!));
      }
    }
    return out;
  }

  private closeBefore(newOpenFrom: number): void {
    // Only minutes openFrom .. openFrom + RING - 1 can hold counts.
    const end = Math.min(newOpenFrom, this.openFrom + RING);
    for (let m = this.openFrom; m < end; m++) {
      for (let r = 0; r < this.rings.length; r++) {
        const acc = this.rings[r]![m % RING]!;
        if (acc.minute !== m) continue;
        if (acc.total > 0) this.pending.push(acc.snapshot(this.routeNames[r]!));
        acc.reset(-1);
      }
    }
    this.openFrom = newOpenFrom;
    // Nobody draining (no SLO engine wired) must not grow memory without bound.
    const excess = this.pending.length - this.maxPending;
    if (excess > 0) {
      this.pending.splice(0, excess);
      this.droppedRollups += excess;
    }
  }
}
