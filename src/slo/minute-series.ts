/**
 * One counter per epoch minute, in a ring of `capacity` minutes, with O(log n) sums over any
 * range. The engine evaluates ~60 SLOs x 8 windows every second; scanning a 30-day window
 * (43,200 minutes) for each would cost ~40 M additions per evaluation, so minutes are grouped
 * in blocks of 32 with a Fenwick tree over the block sums: a range sum reads at most 62 loose
 * minutes plus 2 x log2(blocks) tree nodes, and any minute can be rewritten (the recorder
 * re-sends its in-progress minute) at the cost of one tree update.
 *
 * Values start in a Uint8Array and widen to 16 then 32 bits the first time a value needs it:
 * a quiet SLO over a calendar month costs 45 KB per series instead of 360 KB of float64.
 * Nothing is allocated until the first non-zero value: an SLO that never sees a request
 * costs a few bytes (config/klarna.yaml's 38 tracks held ~7 MiB of zeros at start).
 *
 * `wide` series start in 32 bits: their size then depends on their capacity alone, never on
 * the traffic (tiered-series.ts holds its counts so).
 */

const EMPTY_CELLS = new Uint8Array(0);
const EMPTY_F64 = new Float64Array(0);

export const BLOCK_MINUTES = 32;

type Cells = Uint8Array | Uint16Array | Uint32Array;

const U32_MAX = 0xffff_ffff;

export class MinuteSeries {
  /** Minutes held; a multiple of BLOCK_MINUTES. */
  readonly capacity: number;
  private cells: Cells;
  private blocks: Float64Array;
  /** Fenwick tree over `blocks`, 1-based. Sums are of integers, exact in float64 below 2^53. */
  private tree: Float64Array;
  private readonly nBlocks: number;

  private readonly wide: boolean;

  constructor(capacity: number, wide = false) {
    if (capacity <= 0 || capacity % BLOCK_MINUTES !== 0) {
      throw new RangeError(`capacity must be a positive multiple of ${BLOCK_MINUTES}`);
    }
    this.capacity = capacity;
    this.nBlocks = capacity / BLOCK_MINUTES;
    this.wide = wide;
    this.cells = EMPTY_CELLS;
    this.blocks = EMPTY_F64;
    this.tree = EMPTY_F64;
  }

  /** True until the first non-zero value: every read is 0 and nothing is held. */
  private get empty(): boolean {
    return this.cells.length === 0;
  }

  private allocate(): void {
    this.cells = this.wide ? new Uint32Array(this.capacity) : new Uint8Array(this.capacity);
    this.blocks = new Float64Array(this.nBlocks);
    this.tree = new Float64Array(this.nBlocks + 1);
  }

  private slot(minute: number): number {
    const s = minute % this.capacity;
    return s < 0 ? s + this.capacity : s;
  }

  /** The value stored in `minute`'s slot (the caller knows which minute the ring holds). */
  get(minute: number): number {
    return this.empty ? 0 : this.cells[this.slot(minute)]!;
  }

  set(minute: number, value: number): void {
    // `value > 0` is false for NaN too: a malformed count must never poison the sums.
    const v = value > 0 ? (value >= U32_MAX ? U32_MAX : Math.round(value)) : 0;
    if (this.empty) {
      if (v === 0) return;
      this.allocate();
    }
    const s = this.slot(minute);
    const old = this.cells[s]!;
    if (v === old) return;
    if (v > 0xff && this.cells instanceof Uint8Array) this.widen(v);
    if (v > 0xffff && this.cells instanceof Uint16Array) this.widen(v);
    this.cells[s] = v;
    const b = (s / BLOCK_MINUTES) | 0;
    const delta = v - old;
    this.blocks[b]! += delta;
    for (let i = b + 1; i <= this.nBlocks; i += i & -i) this.tree[i]! += delta;
  }

  /** The ring's top moved to `minute`: its slot, which held `minute - capacity`, is zeroed. */
  evict(minute: number): void {
    this.set(minute, 0);
  }

  add(minute: number, delta: number): void {
    if (delta !== 0) this.set(minute, this.get(minute) + delta);
  }

  private widen(v: number): void {
    const next = v > 0xffff ? new Uint32Array(this.capacity) : new Uint16Array(this.capacity);
    next.set(this.cells);
    this.cells = next;
  }

  /** Zeroes every slot. */
  clear(): void {
    this.cells = EMPTY_CELLS;
    this.blocks = EMPTY_F64;
    this.tree = EMPTY_F64;
  }

  /** Sum of the block (32 aligned minutes) containing `minute`. */
  blockSum(minute: number): number {
    if (this.empty) return 0;
    return this.blocks[(this.slot(minute) / BLOCK_MINUTES) | 0]!;
  }

  private prefix(n: number): number {
    let total = 0;
    for (let i = n; i > 0; i -= i & -i) total += this.tree[i]!;
    return total;
  }

  private blockRange(start: number, count: number): number {
    const end = start + count;
    if (end <= this.nBlocks) return this.prefix(end) - this.prefix(start);
    return this.prefix(this.nBlocks) - this.prefix(start) + this.prefix(end - this.nBlocks);
  }

  /**
   * Sum over minutes `from..to` inclusive. The caller clips the range to the minutes the ring
   * holds (at most `capacity` of them); an empty range sums to 0.
   */
  sum(from: number, to: number): number {
    if (to < from || this.empty) return 0;
    let total = 0;
    let m = from;
    while (m <= to && m % BLOCK_MINUTES !== 0) total += this.cells[this.slot(m++)]!;
    const full = Math.floor((to - m + 1) / BLOCK_MINUTES);
    if (full > 0) {
      total += this.blockRange((this.slot(m) / BLOCK_MINUTES) | 0, full);
      m += full * BLOCK_MINUTES;
    }
    while (m <= to) total += this.cells[this.slot(m++)]!;
    return total;
  }

  /** Bytes held by the cells (for the memory note in stats). */
  get bytes(): number {
    return this.cells.byteLength + this.blocks.byteLength + this.tree.byteLength;
  }
}
