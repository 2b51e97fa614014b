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
 *
 * Compacted hours still add up (`--into-store` of 10M lines over 5 months of 31 routes
 * peaked at 727 MB with them held, 445 MB spilled): past a quarter of the spill budget
 * (spill.ts) the compacted ranges are appended to a temporary file and read back one range
 * at a time, when read or when a late line comes for them.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { HDR_COUNTS_LENGTH } from '../telemetry/hdr-layout.js';
import { type SpillDirectory, spillBudget } from './spill.js';

/** Ranges kept dense: the current one and those a line a little out of order may go to. */
const DENSE = 3;

interface Sparse {
  readonly index: Uint16Array;
  readonly counts: Float64Array;
}

type PerRoute<T> = (T | null)[];

/** Typed arrays' and the per-route array's own cost beyond their counts, about. */
const SPARSE_OVERHEAD_BYTES = 200;

/** Where a spilled range's words are in the file (bytes). */
interface Spilled {
  readonly at: number;
  readonly length: number;
}

/** A range as Float64 words: per route its count of non-zero entries (-1: none), then each route's indexes and counts. */
function encode(perRoute: PerRoute<Sparse>): Float64Array {
  let n = perRoute.length;
  for (const s of perRoute) if (s) n += 2 * s.index.length;
  const out = new Float64Array(n);
  let at = perRoute.length;
  perRoute.forEach((s, r) => {
    if (!s) {
      out[r] = -1;
      return;
    }
    out[r] = s.index.length;
    out.set(s.index, at);
    out.set(s.counts, at + s.index.length);
    at += 2 * s.index.length;
  });
  return out;
}

function decode(words: Float64Array, routes: number): PerRoute<Sparse> {
  const out: PerRoute<Sparse> = [];
  let at = routes;
  for (let r = 0; r < routes; r++) {
    const n = words[r]!;
    if (n < 0) {
      out.push(null);
      continue;
    }
    out.push({
      index: Uint16Array.from(words.subarray(at, at + n)),
      counts: words.slice(at + n, at + 2 * n),
    });
    at += 2 * n;
  }
  return out;
}

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
  private sparseBytes = 0;
  private readonly spilled = new Map<number, Spilled>();
  private fileBytes = 0;

  constructor(
    private readonly routes: number,
    /** Where the compacted ranges go past the budget (the replay's rows' directory). */
    private readonly dir: SpillDirectory,
    private readonly budget = spillBudget() / 4,
  ) {}

  private get file(): string {
    return join(this.dir.path, 'ranges.hdr');
  }

  private addSparse(startMs: number, perRoute: PerRoute<Sparse>): void {
    this.sparse.set(startMs, perRoute);
    for (const s of perRoute) if (s) this.sparseBytes += s.index.byteLength + s.counts.byteLength;
    this.sparseBytes += SPARSE_OVERHEAD_BYTES * perRoute.length;
    if (this.sparseBytes > this.budget) this.spill();
  }

  private spill(): void {
    const fd = openSync(this.file, 'a');
    try {
      for (const [startMs, perRoute] of this.sparse) {
        const words = encode(perRoute);
        const bytes = new Uint8Array(words.buffer);
        for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
        this.spilled.set(startMs, { at: this.fileBytes, length: bytes.length });
        this.fileBytes += bytes.length;
      }
    } finally {
      closeSync(fd);
    }
    this.sparse.clear();
    this.sparseBytes = 0;
  }

  private readSpilled(where: Spilled): PerRoute<Sparse> {
    const words = new Float64Array(where.length / 8);
    const bytes = new Uint8Array(words.buffer);
    const fd = openSync(this.file, 'r');
    try {
      for (let at = 0; at < bytes.length; ) {
        const n = readSync(fd, bytes, at, bytes.length - at, where.at + at);
        if (n === 0) throw new Error(`replay spill file ${this.file} ended early`);
        at += n;
      }
    } finally {
      closeSync(fd);
    }
    return decode(words, this.routes);
  }

  /** A compacted range, from memory or the file, or undefined; `take` removes it. */
  private packed(startMs: number, take: boolean): PerRoute<Sparse> | undefined {
    const held = this.sparse.get(startMs);
    if (held !== undefined) {
      if (take) {
        this.sparse.delete(startMs);
        for (const s of held) if (s) this.sparseBytes -= s.index.byteLength + s.counts.byteLength;
        this.sparseBytes -= SPARSE_OVERHEAD_BYTES * held.length;
      }
      return held;
    }
    const where = this.spilled.get(startMs);
    if (where === undefined) return undefined;
    // A range taken back from the file leaves its words there, unreferenced.
    if (take) this.spilled.delete(startMs);
    return this.readSpilled(where);
  }

  /** Forgets the spilled ranges: their file goes with the replay's spill directory. */
  close(): void {
    this.spilled.clear();
  }

  /** The per-route counts of the range starting at `startMs`, to add to. */
  open(startMs: number): PerRoute<Float64Array> {
    let perRoute = this.dense.get(startMs);
    if (perRoute !== undefined) {
      this.dense.delete(startMs);
      this.dense.set(startMs, perRoute);
      return perRoute;
    }
    const packed = this.packed(startMs, true);
    perRoute = packed ? packed.map((s) => (s ? expand(s) : null)) : new Array(this.routes).fill(null);
    this.dense.set(startMs, perRoute);
    if (this.dense.size > DENSE) {
      const [oldest, counts] = this.dense.entries().next().value as [number, PerRoute<Float64Array>];
      this.dense.delete(oldest);
      this.addSparse(
        oldest,
        counts.map((c) => (c ? compact(c) : null)),
      );
    }
    return perRoute;
  }

  /** Start (epoch ms) of every range with counts, ascending. */
  starts(): number[] {
    return [...this.dense.keys(), ...this.sparse.keys(), ...this.spilled.keys()].sort((a, b) => a - b);
  }

  /** The range's counts per route index (dense), or undefined. */
  read(startMs: number): readonly (Float64Array | null)[] | undefined {
    const dense = this.dense.get(startMs);
    if (dense !== undefined) return dense;
    return this.packed(startMs, false)?.map((s) => (s ? expand(s) : null));
  }
}
