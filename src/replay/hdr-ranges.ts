/**
 * Replay's SLI latency histograms: one HDR counts array per route and report range (the
 * month, or the hour with `--into-store`), for the report's exact p99 and the store's
 * hourly histograms.
 *
 * A dense array is 21,504 counts (172 KB): kept for every route and range, a year of months
 * was 64 MB for 31 routes, and hours (`--into-store`) several GB a month. Only the last
 * DENSE ranges a line went to are kept dense; older ones are compacted to their non-zero
 * counts (a route-hour of the bench log holds ~90 lines) and expanded again if a late line
 * comes for them, or when read.
 */
import { HDR_COUNTS_LENGTH } from '../telemetry/hdr-layout.js';

/** Ranges kept dense: the current one and those a line a little out of order may go to. */
const DENSE = 3;

interface Sparse {
  readonly index: Uint16Array;
  readonly counts: Float64Array;
}

type PerRoute<T> = (T | null)[];

function compact(counts: Float64Array): Sparse {
  let n = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i] !== 0) n++;
  const out = { index: new Uint16Array(n), counts: new Float64Array(n) };
  for (let i = 0, k = 0; i < counts.length; i++) {
    if (counts[i] !== 0) {
      out.index[k] = i;
      out.counts[k++] = counts[i]!;
    }
  }
  return out;
}

function expand(s: Sparse): Float64Array {
  const out = new Float64Array(HDR_COUNTS_LENGTH);
  for (let k = 0; k < s.index.length; k++) out[s.index[k]!] = s.counts[k]!;
  return out;
}

export class HdrRanges {
  /** Range start (ms) -> per-route counts; in the order the ranges were last written to. */
  private readonly dense = new Map<number, PerRoute<Float64Array>>();
  private readonly sparse = new Map<number, PerRoute<Sparse>>();

  constructor(private readonly routes: number) {}

  /** The per-route counts of the range starting at `startMs`, to add to. */
  open(startMs: number): PerRoute<Float64Array> {
    let perRoute = this.dense.get(startMs);
    if (perRoute !== undefined) {
      this.dense.delete(startMs);
      this.dense.set(startMs, perRoute);
      return perRoute;
    }
    const packed = this.sparse.get(startMs);
    this.sparse.delete(startMs);
    perRoute = packed ? packed.map((s) => (s ? expand(s) : null)) : new Array(this.routes).fill(null);
    this.dense.set(startMs, perRoute);
    if (this.dense.size > DENSE) {
      const [oldest, counts] = this.dense.entries().next().value as [number, PerRoute<Float64Array>];
      this.dense.delete(oldest);
      this.sparse.set(
        oldest,
        counts.map((c) => (c ? compact(c) : null)),
      );
    }
    return perRoute;
  }

  /** Start (epoch ms) of every range with counts, ascending. */
  starts(): number[] {
    return [...this.dense.keys(), ...this.sparse.keys()].sort((a, b) => a - b);
  }

  /** The range's counts per route index (dense), or undefined. */
  read(startMs: number): readonly (Float64Array | null)[] | undefined {
    const dense = this.dense.get(startMs);
    if (dense !== undefined) return dense;
    return this.sparse.get(startMs)?.map((s) => (s ? expand(s) : null));
  }
}
