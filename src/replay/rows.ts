/**
 * Replay's closed minutes: one Uint32Array row per active (minute, route), in chunks, and
 * the finished result read like the store (book.ts fills them).
 */
import { COUNTERS, type MinuteRollup, rollupFromRow } from '../telemetry/rollup.js';
import type { MethodMinuteRows } from './method-minutes.js';

// Row layout: minute, route, then the counters (telemetry/rollup.ts order), then the buckets.
export const HEAD = 2;

/** Rows per chunk: growing never copies what is stored. */
const CHUNK_SHIFT = 12;
const CHUNK_ROWS = 1 << CHUNK_SHIFT;

export class PackedRows {
  readonly chunks: Uint32Array[] = [];
  count = 0;
  constructor(readonly width: number) {}
  /** Index of a new zeroed row. */
  add(): number {
    if ((this.count & (CHUNK_ROWS - 1)) === 0) this.chunks.push(new Uint32Array(this.width * CHUNK_ROWS));
    return this.count++;
  }
  data(row: number): Uint32Array {
    return this.chunks[row >>> CHUNK_SHIFT]!;
  }
  offset(row: number): number {
    return (row & (CHUNK_ROWS - 1)) * this.width;
  }
  minute(row: number): number {
    return this.data(row)[this.offset(row)]!;
  }
  route(row: number): number {
    return this.data(row)[this.offset(row) + 1]!;
  }
}

/** Rows sorted by (minute, route) with duplicates summed. */
export function mergeRows(rows: PackedRows, sorted: boolean): PackedRows {
  if (sorted) return rows;
  const order = new Uint32Array(rows.count);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => rows.minute(a) - rows.minute(b) || rows.route(a) - rows.route(b) || a - b);
  const out = new PackedRows(rows.width);
  const w = rows.width;
  let prev = -1;
  for (const i of order) {
    const src = rows.data(i);
    const from = rows.offset(i);
    if (prev >= 0 && rows.minute(i) === out.minute(prev) && rows.route(i) === out.route(prev)) {
      const d = out.data(prev);
      const at = out.offset(prev);
      for (let k = HEAD; k < w; k++) d[at + k]! += src[from + k]!;
      continue;
    }
    prev = out.add();
    out.data(prev).set(src.subarray(from, from + w), out.offset(prev));
  }
  return out;
}

/** A plain array copy: Array.from over a typed array goes through the iterator, ~1 µs a row. */
function toArray(d: Uint32Array, from: number, n: number): number[] {
  const out = new Array<number>(n);
  for (let k = 0; k < n; k++) out[k] = d[from + k]!;
  return out;
}

/** What a replay produced: read like the store, by minute range. */
export class ReplayRollups {
  constructor(
    private readonly routeNames: readonly string[],
    private readonly bucketCount: number,
    private readonly rows: PackedRows,
    private readonly hdrByRange: ReadonlyMap<number, readonly (Float64Array | null)[]>,
    /** Payment-method minutes, when the replay kept them (`--into-store`). */
    readonly methods?: MethodMinuteRows,
  ) {}

  /** Route-minutes with traffic. */
  get size(): number {
    return this.rows.count;
  }

  /** First and last minute with traffic, or undefined when nothing was replayed. */
  get minuteSpan(): { first: number; last: number } | undefined {
    if (this.rows.count === 0) return undefined;
    return { first: this.rows.minute(0), last: this.rows.minute(this.rows.count - 1) };
  }

  private lowerBound(minute: number): number {
    let lo = 0;
    let hi = this.rows.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows.minute(mid) < minute) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Rollups in [fromMinute, toMinute), ordered by minute then route. */
  readRollups(fromMinute: number, toMinute: number): MinuteRollup[] {
    const out: MinuteRollup[] = [];
    const rows = this.rows;
    const end = this.lowerBound(toMinute);
    for (let i = this.lowerBound(fromMinute); i < end; i++) {
      const d = rows.data(i);
      const at = rows.offset(i);
      const o = at + HEAD;
      out.push(
        rollupFromRow(d[at]!, this.routeNames[d[at + 1]!]!, d, o, toArray(d, o + COUNTERS, this.bucketCount)),
      );
    }
    return out;
  }

  /** Start (epoch ms) of every range that has latency histograms. */
  histogramRanges(): number[] {
    return [...this.hdrByRange.keys()].sort((a, b) => a - b);
  }

  /** HDR counts per route of the report range that starts at `startMs`. */
  readLatencyHistograms(startMs: number): Map<string, Float64Array> {
    const out = new Map<string, Float64Array>();
    const perRoute = this.hdrByRange.get(startMs);
    if (!perRoute) return out;
    perRoute.forEach((counts, i) => {
      if (counts) out.set(this.routeNames[i]!, counts);
    });
    return out;
  }
}
