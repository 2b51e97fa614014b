/**
 * The main thread's side of a parallel replay (parallel.ts): the parse workers' results
 * arrive in any order and are booked into the one ReplayBook in block order, their counts,
 * malformed lines and latency sources merged as they are; and the wait for blocks in flight.
 */
import type { ReplayBook } from './book.js';
import { type ColumnData, replayColumns } from './columns.js';
import type { ChunkPool } from './input.js';
import type { MalformedLine } from './lines.js';
import type { BlockResult } from './parse-worker.js';

export class OrderedBooking {
  readonly stats = { lines: 0, replayed: 0, malformed: 0, blank: 0, outsideRange: 0, unmatched: 0 };
  firstMs = Number.NaN;
  lastMs = Number.NaN;
  readonly malformedLines: MalformedLine[] = [];
  readonly latencySources = new Map<string, number>();
  // Booked columns, per worker, to go back with its next block.
  readonly spare: ColumnData[][];
  /** A worker's error: reading stops, and the replay throws it. */
  failure: unknown;
  private readonly book: ReplayBook;
  private readonly pool: ChunkPool;
  private readonly listMalformed: number;
  // Results arrive in any order; they are booked in sequence order.
  private readonly pending = new Map<number, BlockResult>();
  private nextSeq = 0;
  private sent = 0;
  private wake: (() => void) | undefined;
  // Line numbers are counted as blocks are booked (in order), so reading never scans lines.
  private readonly fileOfSeq: { file: string; first: boolean }[] = [];
  private bookedFileLine = 0;

  constructor(book: ReplayBook, pool: ChunkPool, workers: number, listMalformed: number) {
    this.book = book;
    this.pool = pool;
    this.listMalformed = listMalformed;
    this.spare = Array.from({ length: workers }, () => []);
  }

  /** Blocks sent or judged and not booked yet. */
  get inFlight(): number {
    return this.sent - this.nextSeq;
  }

  /** Lines of the current file booked so far. */
  get fileLines(): number {
    return this.bookedFileLine;
  }

  /** The sequence number of the next block, of `file` (`first`: the file's line numbers restart). */
  next(file: string, first: boolean): number {
    const seq = this.sent++;
    this.fileOfSeq[seq] = { file, first };
    return seq;
  }

  /** A block's result: booked now if it is the next in order, else when its turn comes. */
  add(r: BlockResult): void {
    const pending = this.pending;
    pending.set(r.seq, r);
    for (let next = pending.get(this.nextSeq); next !== undefined; next = pending.get(this.nextSeq)) {
      pending.delete(this.nextSeq);
      const seq = this.nextSeq++;
      const where = this.fileOfSeq[seq]!;
      this.fileOfSeq[seq] = undefined as never;
      if (where.first) this.bookedFileLine = 0;
      const lineBase = this.bookedFileLine;
      this.bookedFileLine += next.lines;
      replayColumns(next.columns, this.book);
      if (next.bytes !== undefined) this.pool.give(next.bytes);
      if (next.columns.time.length > 0) this.spare[seq % this.spare.length]!.push(next.columns);
      const stats = this.stats;
      stats.lines += next.lines;
      stats.replayed += next.columns.count;
      stats.malformed += next.malformed;
      stats.blank += next.blank;
      stats.outsideRange += next.outsideRange;
      stats.unmatched += next.unmatched;
      // NaN when the block replayed nothing.
      if (next.firstMs < this.firstMs || Number.isNaN(this.firstMs)) this.firstMs = next.firstMs;
      if (next.lastMs > this.lastMs || Number.isNaN(this.lastMs)) this.lastMs = next.lastMs;
      for (const m of next.malformedLines) {
        if (this.malformedLines.length >= this.listMalformed) break;
        this.malformedLines.push({ file: where.file, line: lineBase + m.line, problem: m.problem });
      }
      const sources = this.latencySources;
      for (const [k, v] of next.latencySources) sources.set(k, (sources.get(k) ?? 0) + v);
    }
    this.wake?.();
  }

  /** A worker failed: whoever waits in `drained` goes on, to throw it. */
  fail(err: unknown): void {
    this.failure = err;
    this.wake?.();
  }

  /** Resolves once at most `limit` blocks are in flight, or a worker failed. */
  drained(limit: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const check = () => {
        if (this.failure !== undefined || this.sent - this.nextSeq <= limit) {
          this.wake = undefined;
          resolve();
        } else this.wake = check;
      };
      check();
    });
  }
}
