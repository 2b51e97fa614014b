/**
 * Classified lines as columns: what a parse worker (parse-worker.ts) sends back for one
 * block, transferred without a copy, and replayed into the one book on the main thread in
 * block order, so the counts are exactly those of a single-threaded replay.
 */
import type { BookSink } from './classify-record.js';

const SLOW = 1;
const ERROR_STATUS = 2;
const FAILED = 4;
const OUTCOME_SHIFT = 3;

export interface ColumnData {
  count: number;
  time: Float64Array;
  ns: Float64Array;
  digest: Float64Array;
  route: Int32Array;
  bucket: Int32Array;
  /** outcome in bits 3+, the slow, error-status and failed flags in bits 0-2. */
  flags: Uint8Array;
}

export class RecordColumns implements BookSink {
  data: ColumnData;
  constructor(capacity: number) {
    this.data = RecordColumns.alloc(capacity);
  }

  static alloc(capacity: number): ColumnData {
    return {
      count: 0,
      time: new Float64Array(capacity),
      ns: new Float64Array(capacity),
      digest: new Float64Array(capacity),
      route: new Int32Array(capacity),
      bucket: new Int32Array(capacity),
      flags: new Uint8Array(capacity),
    };
  }

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
    let d = this.data;
    if (d.count === d.time.length) d = this.grow();
    const i = d.count++;
    d.time[i] = timeMs;
    d.ns[i] = latencyNs;
    d.digest[i] = digest;
    d.route[i] = route;
    d.bucket[i] = bucket;
    d.flags[i] =
      (outcome << OUTCOME_SHIFT) |
      (slow ? SLOW : 0) |
      (errorStatus ? ERROR_STATUS : 0) |
      (failed ? FAILED : 0);
  }

  private grow(): ColumnData {
    const old = this.data;
    const d = RecordColumns.alloc(old.time.length * 2);
    d.count = old.count;
    d.time.set(old.time);
    d.ns.set(old.ns);
    d.digest.set(old.digest);
    d.route.set(old.route);
    d.bucket.set(old.bucket);
    d.flags.set(old.flags);
    this.data = d;
    return d;
  }

  /** The columns so far, handed over; `next` (emptied) or a fresh set takes their place. */
  take(capacity: number, next?: ColumnData): ColumnData {
    const d = this.data;
    if (next === undefined) next = RecordColumns.alloc(capacity);
    else next.count = 0;
    this.data = next;
    return d;
  }
}

export function transferList(d: ColumnData): ArrayBuffer[] {
  return [d.time, d.ns, d.digest, d.route, d.bucket, d.flags].map((a) => a.buffer as ArrayBuffer);
}

/** Books every line of `d` into `sink`, in order. */
export function replayColumns(d: ColumnData, sink: BookSink): void {
  for (let i = 0; i < d.count; i++) {
    const f = d.flags[i]!;
    sink.record(
      d.route[i]!,
      d.time[i]!,
      f >> OUTCOME_SHIFT,
      d.bucket[i]!,
      d.ns[i]!,
      (f & SLOW) !== 0,
      (f & ERROR_STATUS) !== 0,
      d.digest[i]!,
      (f & FAILED) !== 0,
    );
  }
}
