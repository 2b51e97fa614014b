/** What a replay produced, read like the store: by minute range (book.ts fills it). */
import { type MinuteRollup, rollupFromRow } from '../telemetry/rollup.js';
import type { HdrRanges } from './hdr-ranges.js';
import type { MethodMinuteRows } from './method-minutes.js';
import { HEAD, type PackedRows } from './rows.js';
import type { SpilledRows } from './spill.js';

function lowerBound(rows: PackedRows, minute: number): number {
  let lo = 0;
  let hi = rows.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows.minute(mid) < minute) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class ReplayRollups {
  constructor(
    private readonly routeNames: readonly string[],
    private readonly bucketCount: number,
    private readonly rows: SpilledRows,
    private readonly hdrByRange: HdrRanges,
    /** Payment-method minutes, when the replay kept them (`--into-store`). */
    readonly methods?: MethodMinuteRows,
  ) {}

  /** First and last minute with traffic, or undefined when nothing was replayed. */
  get minuteSpan(): { first: number; last: number } | undefined {
    if (this.rows.first < 0) return undefined;
    return { first: this.rows.first, last: this.rows.last };
  }

  /** Whether rows were spilled to temporary files (tests ask). */
  get spilled(): boolean {
    return this.rows.spilledAny;
  }

  /**
   * Rollups in [fromMinute, toMinute), ordered by minute then route. Read in ascending
   * ranges of a few days or less: a spilled replay holds only the last few segments read.
   */
  readRollups(fromMinute: number, toMinute: number): MinuteRollup[] {
    const out: MinuteRollup[] = [];
    for (const key of this.rows.keysBetween(fromMinute, toMinute)) {
      const rows = this.rows.load(key);
      const end = lowerBound(rows, toMinute);
      for (let i = lowerBound(rows, fromMinute); i < end; i++) {
        const d = rows.data(i);
        const at = rows.offset(i);
        const buckets = new Array<number>(this.bucketCount).fill(0);
        rows.addBuckets(i, buckets, 0);
        out.push(rollupFromRow(d[at]!, this.routeNames[d[at + 1]!]!, d, at + HEAD, buckets));
      }
    }
    return out;
  }

  /** Start (epoch ms) of every range that has latency histograms. */
  histogramRanges(): number[] {
    return this.hdrByRange.starts();
  }

  /** HDR counts per route of the report range that starts at `startMs`. */
  readLatencyHistograms(startMs: number): Map<string, Float64Array> {
    const out = new Map<string, Float64Array>();
    const perRoute = this.hdrByRange.read(startMs);
    if (!perRoute) return out;
    perRoute.forEach((counts, i) => {
      if (counts) out.set(this.routeNames[i]!, counts);
    });
    return out;
  }

  /** Removes the temporary files of a spilled replay; nothing can be read afterwards. */
  close(): void {
    this.hdrByRange.close();
    this.methods?.close();
    // Last: it removes the directory the others spilled into.
    this.rows.close();
  }
}
