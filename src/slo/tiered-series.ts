/**
 * An SLO's counts over its whole ring at two grains: one cell per minute for the newest
 * HEAD_SPAN_MINUTES (the burn-rate windows, 3 days at most, read minute by minute), one cell
 * per CELL_MINUTES for everything older (what only the period window and the daily and
 * monthly totals read). Cells are 32-bit from the first count, so the bytes depend on the
 * ring's length alone, not on the request rate: ~33 KB per series for a calendar month,
 * against 67 KB (quiet) to 201 KB (over 65,535 requests in a minute) in minutes only.
 *
 * Why 15 minutes: every UTC offset in use is a multiple of 15 minutes (+05:45 Nepal, +12:45
 * Chatham, the half-hour zones, DST shifts of 30 and 60 minutes), so every local midnight,
 * hence every calendar day and month boundary in any zone, is a cell boundary and their sums
 * stay exact. An older range that starts or ends inside a cell counts the cell whole when its
 * first minute lies inside the range: adjacent ranges never count a cell twice, and a
 * rolling period's start (e.g. `30d`) moves in steps of up to 14 minutes once it is older
 * than the head.
 *
 * The head is cell-aligned: it holds minutes `headLo..top`, where headLo is the start of the
 * cell HEAD_CELLS cells before top's. When top enters a new cell, the head's oldest cell is
 * summed into its coarse cell; a count for a minute older than headLo (a restore, a late
 * rollup) goes straight into its coarse cell.
 */
import { BLOCK_MINUTES, MinuteSeries } from './minute-series.js';
import { LONGEST_FIXED_WINDOW_MINUTES } from './windows.js';

export const CELL_MINUTES = 15;
/** The longest burn-rate window plus an hour of slack for an evaluation behind the ring's top. */
export const HEAD_CELLS = Math.ceil((LONGEST_FIXED_WINDOW_MINUTES + 60) / CELL_MINUTES);
export const HEAD_SPAN_MINUTES = HEAD_CELLS * CELL_MINUTES;

const roundUp = (n: number, k: number): number => Math.ceil(n / k) * k;

export class TieredSeries {
  readonly capacity: number;
  /** Minutes `headLo..top`; its ring also keeps the cell just folded until its slots are reused. */
  private readonly head: MinuteSeries;
  /** Indexed by cell number (minute / CELL_MINUTES), a ring longer than `capacity` minutes. */
  private readonly coarse: MinuteSeries;
  private top = -1;

  /** `capacity`: the minutes the engine's ring holds; more than HEAD_SPAN_MINUTES. */
  constructor(capacity: number) {
    this.capacity = capacity;
    this.head = new MinuteSeries(roundUp(HEAD_SPAN_MINUTES + CELL_MINUTES, BLOCK_MINUTES), true);
    this.coarse = new MinuteSeries(roundUp(Math.ceil(capacity / CELL_MINUTES) + 2, BLOCK_MINUTES), true);
  }

  /** First minute held per minute; older minutes are in cells. */
  private get headLo(): number {
    return this.top < 0
      ? Number.NEGATIVE_INFINITY
      : (Math.floor(this.top / CELL_MINUTES) - HEAD_CELLS) * CELL_MINUTES;
  }

  /** The ring's top moved to `minute` (called for each minute in turn, oldest first). */
  evict(minute: number): void {
    if (minute <= this.top) return;
    const first = this.top < 0;
    this.top = minute;
    if (!first && minute % CELL_MINUTES === 0) {
      // Cell `minute / C - HEAD_CELLS - 1` just fell below headLo: its minutes become one cell.
      const cell = minute / CELL_MINUTES - HEAD_CELLS - 1;
      const from = cell * CELL_MINUTES;
      this.coarse.set(cell, this.head.sum(from, from + CELL_MINUTES - 1));
    }
    this.head.evict(minute);
  }

  add(minute: number, delta: number): void {
    if (delta === 0) return;
    if (minute >= this.headLo) this.head.add(minute, delta);
    else this.coarse.add(Math.floor(minute / CELL_MINUTES), delta);
  }

  /** Sum over minutes `from..to` inclusive, clipped by the caller to the ring. */
  sum(from: number, to: number): number {
    if (to < from) return 0;
    const lo = this.headLo;
    let total = 0;
    if (to >= lo) total += this.head.sum(Math.max(from, lo), to);
    if (from < lo) {
      const c0 = Math.ceil(from / CELL_MINUTES);
      const c1 = Math.floor(Math.min(to, lo - 1) / CELL_MINUTES);
      if (c1 >= c0) total += this.coarse.sum(c0, c1);
    }
    return total;
  }

  clear(): void {
    this.head.clear();
    this.coarse.clear();
    this.top = -1;
  }

  /** Bytes held by the cells. */
  get bytes(): number {
    return this.head.bytes + this.coarse.bytes;
  }
}
