/**
 * Replay's per-minute, per-route counting: the same counts the live recorder books
 * (telemetry/rollup-book.ts), built for logs instead of a live stream.
 *
 * - Minutes stay open while the log is within OPEN_MINUTES of them, so lines that are a
 *   little out of order (a log line is written when a request ends) land in their own
 *   minute with their digest de-duplicated. A line older than that, or from a later file
 *   covering the same minutes (another replica), is added to its minute without
 *   de-duplication (docs/sla-definitions.md#repeated-requests): repeats are only recognised
 *   within one file.
 * - Closed minutes are kept packed (one Uint32Array row per active minute and route, in
 *   chunks) and merged by (minute, route) when read if the input was not in order, so a
 *   month of logs costs about 4 x (10 + 2 x non-zero buckets) bytes per active
 *   route-minute instead of a MinuteRollup object each; past a budget they are spilled to
 *   temporary files by segment of time (spill.ts), so memory does not grow with the span.
 * - SLI latency also goes into one HDR counts array per route and report range, for the
 *   report's exact p99 (hdr-ranges.ts, which compacts the ranges left behind).
 */

import type { TimeRange } from '../slo/period.js';
import { DigestSet } from '../telemetry/digest-set.js';
import { clampMicros, HDR_COUNTS_LENGTH, hdrIndex } from '../telemetry/hdr-layout.js';
import { C_TOTAL, COUNTERS, countRequest } from '../telemetry/rollup.js';
import { MINUTE_MS } from '../time.js';
import { HdrRanges } from './hdr-ranges.js';
import type { MethodMinutes } from './method-minutes.js';
import { ReplayRollups } from './rollups.js';
import { SpillDirectory, SpilledRows } from './spill.js';

/** Minutes kept open behind the newest line of the current file. */
export const OPEN_MINUTES = 16;

class OpenMinute {
  minute = -1;
  /** Float64Array like the live book's: countRequest's hot calls see one array type. */
  readonly counters: Float64Array;
  readonly buckets: Uint32Array;
  readonly touched: Int32Array;
  touchedCount = 0;
  readonly digests: (DigestSet | null)[];
  constructor(routes: number, bucketCount: number) {
    this.counters = new Float64Array(routes * COUNTERS);
    this.buckets = new Uint32Array(routes * bucketCount);
    this.touched = new Int32Array(routes);
    this.digests = new Array<DigestSet | null>(routes).fill(null);
  }
}

/** How replay splits time into reports (calendar months, or the --from/--to range). */
export type RangeOf = (ms: number) => TimeRange;

export class ReplayBook {
  readonly routeNames: readonly string[];
  readonly bucketCount: number;
  private readonly rows: SpilledRows;
  /** One late line's row, before it is packed. */
  private readonly lateCounters = new Float64Array(COUNTERS);
  private readonly lateBuckets: Uint32Array;
  private readonly open: OpenMinute[];
  private openFrom = -1;
  private readonly rangeOf: RangeOf;
  private rangeStart = Number.POSITIVE_INFINITY;
  private rangeEnd = Number.NEGATIVE_INFINITY;
  private hdr: (Float64Array | null)[] = [];
  /** Per-route HDR counts of each report range. */
  private readonly hdrByRange: HdrRanges;
  /** Payment-method minutes (`--into-store`), or undefined. */
  private readonly methods: MethodMinutes | undefined;

  constructor(routeNames: readonly string[], bucketCount: number, rangeOf: RangeOf, methods?: MethodMinutes) {
    this.routeNames = routeNames;
    this.methods = methods === undefined || methods.empty ? undefined : methods;
    this.bucketCount = bucketCount;
    const spillTo = new SpillDirectory();
    this.rows = new SpilledRows(bucketCount, spillTo);
    if (this.methods) this.methods.dir = spillTo;
    this.lateBuckets = new Uint32Array(bucketCount);
    this.rangeOf = rangeOf;
    this.hdrByRange = new HdrRanges(routeNames.length, spillTo);
    this.open = [];
    for (let i = 0; i < OPEN_MINUTES; i++) this.open.push(new OpenMinute(routeNames.length, bucketCount));
  }

  /**
   * Books one request. `bucket` is its SLI latency bucket or -1, `latencyNs` its SLI latency
   * (-1 for none), `digest` a digestKey or 0 when the line has no digest (counted distinct),
   * `failed` whether the line names a failure the sidecar answered itself (its `error`).
   */
  record(
    route: number,
    timeMs: number,
    outcome: number,
    bucket: number,
    latencyNs: number,
    slow: boolean,
    errorStatus: boolean,
    digest: number,
    failed: boolean,
  ): void {
    const minute = Math.floor(timeMs / MINUTE_MS);
    if (latencyNs >= 0) this.recordLatency(route, timeMs, latencyNs);
    const methods = this.methods;
    if (methods !== undefined) {
      const s = methods.seriesOf[route]!;
      if (s >= 0) methods.count(s, minute, outcome, slow, errorStatus || failed);
    }
    if (this.openFrom < 0) this.openFrom = minute;
    if (minute < this.openFrom) {
      this.lateRow(route, minute, outcome, bucket, slow, errorStatus);
      return;
    }
    if (minute >= this.openFrom + OPEN_MINUTES) this.closeBefore(minute - OPEN_MINUTES + 1);
    const acc = this.open[minute % OPEN_MINUTES]!;
    if (acc.minute !== minute) acc.minute = minute;
    const base = route * COUNTERS;
    const c = acc.counters;
    if (c[base + C_TOTAL] === 0) acc.touched[acc.touchedCount++] = route;
    if (bucket >= 0) acc.buckets[route * this.bucketCount + bucket]!++;
    let firstCopy = true;
    if (digest !== 0) {
      let set = acc.digests[route];
      if (!set) {
        set = new DigestSet(64);
        acc.digests[route] = set;
      }
      firstCopy = set.add(digest);
    }
    countRequest(c, base, outcome, slow, errorStatus, firstCopy);
  }

  private recordLatency(route: number, timeMs: number, latencyNs: number): void {
    if (timeMs < this.rangeStart || timeMs >= this.rangeEnd) {
      const r = this.rangeOf(timeMs);
      this.rangeStart = r.startMs;
      this.rangeEnd = r.endMs;
      this.hdr = this.hdrByRange.open(r.startMs);
    }
    let counts = this.hdr[route];
    if (!counts) {
      counts = new Float64Array(HDR_COUNTS_LENGTH);
      this.hdr[route] = counts;
    }
    counts[hdrIndex(clampMicros(latencyNs))]!++;
  }

  private lateRow(
    route: number,
    minute: number,
    outcome: number,
    bucket: number,
    slow: boolean,
    error: boolean,
  ): void {
    // Too late to recognise a repeat: counted as a first copy.
    const c = this.lateCounters;
    countRequest(c, 0, outcome, slow, error, true);
    if (bucket >= 0) this.lateBuckets[bucket] = 1;
    this.rows.add(minute, route, c, 0, this.lateBuckets, 0, true);
  }

  private closeBefore(newOpenFrom: number): void {
    const end = Math.min(newOpenFrom, this.openFrom + OPEN_MINUTES);
    for (let m = this.openFrom; m < end; m++) this.closeSlot(this.open[m % OPEN_MINUTES]!, m);
    this.openFrom = newOpenFrom;
  }

  private closeSlot(acc: OpenMinute, minute: number): void {
    if (acc.minute !== minute || acc.touchedCount === 0) {
      acc.minute = -1;
      return;
    }
    // Routes in ascending order, so rows of one minute come out sorted.
    const touched = acc.touched.subarray(0, acc.touchedCount).sort();
    const bc = this.bucketCount;
    for (const route of touched) {
      this.rows.add(minute, route, acc.counters, route * COUNTERS, acc.buckets, route * bc, true);
      acc.digests[route]?.clear();
    }
    acc.touchedCount = 0;
    acc.minute = -1;
  }

  /** Closes every open minute: the next file starts with fresh digest sets. */
  endFile(): void {
    if (this.openFrom >= 0) this.closeBefore(this.openFrom + OPEN_MINUTES);
    this.openFrom = -1;
  }

  /** Removes what finish() would have returned (a failed replay's spill files). */
  discard(): void {
    this.hdrByRange.close();
    this.methods?.close();
    this.rows.close();
  }

  /** Closes everything and returns the result, merged and minute-ordered as it is read. */
  finish(): ReplayRollups {
    this.endFile();
    return new ReplayRollups(this.routeNames, this.bucketCount, this.rows, this.hdrByRange, this.methods);
  }
}
