/**
 * Replay's closed minutes: one Uint32Array row per active (minute, route), in chunks
 * (spill.ts keeps them per segment of time, rollups.ts reads the result).
 */
import { COUNTERS } from '../telemetry/rollup.js';

// Row layout: minute, route, then the counters (telemetry/rollup.ts order), then how many
// buckets are not zero and, for each, its index and count.
export const HEAD = 2;

/** Words per chunk: growing never copies what is stored; a row never spans two chunks. */
const CHUNK_SHIFT = 16;
const CHUNK_WORDS = 1 << CHUNK_SHIFT;
const POS_SHIFT = 12;
const POS_ROWS = 1 << POS_SHIFT;

/**
 * Closed route-minutes, packed. Buckets are stored sparse: in a log where a route-minute
 * holds a line or two (bench/replay.ts's), the 18 dense bucket counts were two thirds of a
 * row's 108 bytes, and the rows, not the lines, are what a long replay's memory grows with.
 */
export class PackedRows {
  readonly chunks: Uint32Array[] = [];
  /** Per row: chunk << CHUNK_SHIFT | offset. */
  private readonly pos: Uint32Array[] = [];
  private used = CHUNK_WORDS;
  /** Words used in every chunk but the last. */
  private readonly ends: number[] = [];
  count = 0;
  constructor(readonly bucketCount: number) {}

  /**
   * Appends a row: counters c[cAt, cAt + COUNTERS) and buckets b[bAt, bAt + bucketCount),
   * which are zeroed as they are read when `clear`.
   */
  add(
    minute: number,
    route: number,
    c: ArrayLike<number> & { [i: number]: number },
    cAt: number,
    b: ArrayLike<number> & { [i: number]: number },
    bAt: number,
    clear: boolean,
  ): number {
    const bc = this.bucketCount;
    const chunk = this.reserve();
    const d = this.chunks[chunk]!;
    const at = this.used;
    d[at] = minute;
    d[at + 1] = route;
    const co = at + HEAD;
    for (let k = 0; k < COUNTERS; k++) {
      d[co + k] = c[cAt + k]!;
      if (clear) c[cAt + k] = 0;
    }
    const nAt = co + COUNTERS;
    let w = nAt + 1;
    for (let k = 0; k < bc; k++) {
      const v = b[bAt + k]!;
      if (v !== 0) {
        d[w] = k;
        d[w + 1] = v;
        w += 2;
        if (clear) b[bAt + k] = 0;
      }
    }
    d[nAt] = (w - nAt - 1) >>> 1;
    this.used = w;
    return this.index(chunk, at);
  }

  /** Appends the packed row at src[at, ...) (as spans() wrote it); returns its length in words. */
  copyRow(src: Uint32Array, at: number): number {
    const words = HEAD + COUNTERS + 1 + 2 * src[at + HEAD + COUNTERS]!;
    const chunk = this.reserve();
    this.chunks[chunk]!.set(src.subarray(at, at + words), this.used);
    this.index(chunk, this.used);
    this.used += words;
    return words;
  }

  /** The chunk a row of at most the longest size goes into (a new one when it would not fit). */
  private reserve(): number {
    if (this.used + HEAD + COUNTERS + 1 + 2 * this.bucketCount > CHUNK_WORDS) {
      if (this.chunks.length > 0) this.ends.push(this.used);
      this.chunks.push(new Uint32Array(CHUNK_WORDS));
      this.used = 0;
    }
    return this.chunks.length - 1;
  }

  private index(chunk: number, at: number): number {
    const row = this.count++;
    if ((row & (POS_ROWS - 1)) === 0) this.pos.push(new Uint32Array(POS_ROWS));
    this.pos[row >>> POS_SHIFT]![row & (POS_ROWS - 1)] = ((chunk << CHUNK_SHIFT) | at) >>> 0;
    return row;
  }

  /** The rows' words, chunk by chunk, in the order they were added. */
  *spans(): Generator<Uint32Array> {
    for (let i = 0; i < this.chunks.length; i++) {
      yield this.chunks[i]!.subarray(0, i < this.ends.length ? this.ends[i] : this.used);
    }
  }

  /** Bytes held (chunks and row index). */
  get bytes(): number {
    return (this.chunks.length * CHUNK_WORDS + this.pos.length * POS_ROWS) * 4;
  }
  private at(row: number): number {
    return this.pos[row >>> POS_SHIFT]![row & (POS_ROWS - 1)]!;
  }
  data(row: number): Uint32Array {
    return this.chunks[this.at(row) >>> CHUNK_SHIFT]!;
  }
  offset(row: number): number {
    return this.at(row) & (CHUNK_WORDS - 1);
  }
  minute(row: number): number {
    return this.data(row)[this.offset(row)]!;
  }
  route(row: number): number {
    return this.data(row)[this.offset(row) + 1]!;
  }
  /** The row's buckets, dense, added into out[from, from + bucketCount). */
  addBuckets(row: number, out: { [i: number]: number }, from: number): void {
    const d = this.data(row);
    const nAt = this.offset(row) + HEAD + COUNTERS;
    const end = nAt + 1 + 2 * d[nAt]!;
    for (let w = nAt + 1; w < end; w += 2) out[from + d[w]!]! += d[w + 1]!;
  }
}

/** Rows sorted by (minute, route) with duplicates summed. */
export function mergeRows(rows: PackedRows, sorted: boolean): PackedRows {
  if (sorted) return rows;
  const order = new Uint32Array(rows.count);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => rows.minute(a) - rows.minute(b) || rows.route(a) - rows.route(b) || a - b);
  const out = new PackedRows(rows.bucketCount);
  const counters = new Float64Array(COUNTERS);
  const buckets = new Uint32Array(rows.bucketCount);
  for (let k = 0; k < order.length; ) {
    const first = order[k]!;
    const minute = rows.minute(first);
    const route = rows.route(first);
    // Every row of this (minute, route), summed.
    for (; k < order.length; k++) {
      const i = order[k]!;
      if (rows.minute(i) !== minute || rows.route(i) !== route) break;
      const d = rows.data(i);
      const co = rows.offset(i) + HEAD;
      for (let c = 0; c < COUNTERS; c++) counters[c]! += d[co + c]!;
      rows.addBuckets(i, buckets, 0);
    }
    out.add(minute, route, counters, 0, buckets, 0, true);
  }
  return out;
}
