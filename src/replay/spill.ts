/**
 * Replay's closed route-minutes, by segment of time, spilled to disk past a budget so a
 * replay's memory does not grow with the span its logs cover (a year of logs is GBs of rows).
 *
 * - Rows go into the segment of their minute (SEGMENT_MINUTES each). Once the rows held
 *   pass the budget, every segment's rows are appended to that segment's file in a private
 *   temporary directory, as the packed words they are, and memory starts again; a late line
 *   for a spilled segment is just another row in memory.
 * - Rows are additive counters per (minute, route), so a segment reads back as its file's
 *   rows then its rows in memory, in the order they were added, merged with mergeRows: the
 *   result is the one an unspilled replay gives. Each segment knows whether its rows came in
 *   order, so an ordered log is never sorted.
 * - Reading keeps the last LOADED segments merged: the report reads a month a day at a
 *   time, so a few segments (a few weeks of rows) are held, whatever the span.
 * - The directory is removed by close(), and at exit or on SIGINT/SIGTERM if still there.
 */
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeRows, PackedRows } from './rows.js';

/** 2^13 minutes, 5.7 days: a month's report (a day either side) spans at most 7. */
const SEGMENT_SHIFT = 13;
/** Merged segments kept while reading. */
const LOADED = 3;
/** Rows held in memory before they are spilled: 64 MiB. */
export const SPILL_BYTES = 64 * 1024 * 1024;

/** The budget: SPILL_BYTES, or what tests set to make a small log spill. */
export function spillBudget(): number {
  return Number(process.env.SLOPROBE_REPLAY_SPILL_BYTES) || SPILL_BYTES;
}
/** How many rows are added between two looks at the budget. */
const CHECK_EVERY = 4096;

class Segment {
  sorted = true;
  lastKey = -1;
  spilled = false;
  merged: PackedRows | undefined;
  constructor(
    readonly key: number,
    public rows: PackedRows,
  ) {}
}

/**
 * One replay's private temporary directory, made when the first file is, shared by its rows,
 * latency histograms (hdr-ranges.ts) and payment-method minutes (method-minutes.ts).
 */
export class SpillDirectory {
  private dir: string | undefined;

  /** The directory, made now if it is not yet. */
  get path(): string {
    this.dir ??= spillDirectory();
    return this.dir;
  }

  /** Removes the directory and what is in it. */
  remove(): void {
    if (this.dir === undefined) return;
    removeSpillDirectory(this.dir);
    this.dir = undefined;
  }
}

export class SpilledRows {
  private readonly segments = new Map<number, Segment>();
  private current: Segment | undefined;
  private sinceCheck = 0;
  private spilledRows = false;
  private readonly loaded: Segment[] = [];
  /** First and last minute with a row (-1 when none). */
  first = -1;
  last = -1;

  constructor(
    readonly bucketCount: number,
    private readonly dir = new SpillDirectory(),
    private readonly budget = spillBudget(),
  ) {}

  /** PackedRows.add, into the row's segment. */
  add(
    minute: number,
    route: number,
    c: ArrayLike<number> & { [i: number]: number },
    cAt: number,
    b: ArrayLike<number> & { [i: number]: number },
    bAt: number,
    clear: boolean,
  ): void {
    const key = minute >>> SEGMENT_SHIFT;
    let s = this.current;
    if (s === undefined || s.key !== key) {
      s = this.segments.get(key);
      if (s === undefined) {
        s = new Segment(key, new PackedRows(this.bucketCount));
        this.segments.set(key, s);
      }
      this.current = s;
    }
    s.rows.add(minute, route, c, cAt, b, bAt, clear);
    const order = minute * 65536 + route;
    if (order <= s.lastKey) s.sorted = false;
    s.lastKey = order;
    if (this.first < 0 || minute < this.first) this.first = minute;
    if (minute > this.last) this.last = minute;
    if (++this.sinceCheck >= CHECK_EVERY) {
      this.sinceCheck = 0;
      if (this.heldBytes() > this.budget) this.spill();
    }
  }

  private heldBytes(): number {
    let n = 0;
    for (const s of this.segments.values()) n += s.rows.bytes;
    return n;
  }

  /** Whether rows went to disk (tests ask). */
  get spilledAny(): boolean {
    return this.spilledRows;
  }

  private fileOf(s: Segment): string {
    return join(this.dir.path, `${s.key}.rows`);
  }

  private spill(): void {
    this.spilledRows = true;
    for (const s of this.segments.values()) {
      if (s.rows.count === 0) continue;
      const fd = openSync(this.fileOf(s), 'a');
      try {
        for (const span of s.rows.spans())
          writeSync(fd, new Uint8Array(span.buffer, span.byteOffset, span.byteLength));
      } finally {
        closeSync(fd);
      }
      s.spilled = true;
      s.rows = new PackedRows(this.bucketCount);
    }
  }

  /** The segments' keys, ascending. */
  keys(): number[] {
    return [...this.segments.keys()].sort((a, b) => a - b);
  }

  /** Segment keys that hold minutes in [fromMinute, toMinute). */
  keysBetween(fromMinute: number, toMinute: number): number[] {
    if (toMinute <= fromMinute) return [];
    const lo = Math.max(0, fromMinute) >>> SEGMENT_SHIFT;
    const hi = Math.max(0, toMinute - 1) >>> SEGMENT_SHIFT;
    return this.keys().filter((k) => k >= lo && k <= hi);
  }

  /** A segment's rows, sorted by (minute, route) with duplicates summed. */
  load(key: number): PackedRows {
    const s = this.segments.get(key);
    if (s === undefined) return new PackedRows(this.bucketCount);
    if (s.merged !== undefined) return s.merged;
    if (!s.spilled) {
      // Memory only: the merged rows replace the raw ones, nothing to read back later.
      s.rows = mergeRows(s.rows, s.sorted);
      s.sorted = true;
      return s.rows;
    }
    const all = new PackedRows(this.bucketCount);
    copyWords(all, readWords(this.fileOf(s)));
    for (const span of s.rows.spans()) copyWords(all, span);
    s.merged = mergeRows(all, s.sorted);
    this.loaded.push(s);
    if (this.loaded.length > LOADED) this.loaded.shift()!.merged = undefined;
    return s.merged;
  }

  /** Removes the spill directory (the rows read from them are gone with them). */
  close(): void {
    this.dir.remove();
    // Rows never spilled are still readable.
    if (!this.spilledRows) return;
    this.spilledRows = false;
    this.segments.clear();
    this.loaded.length = 0;
  }
}

function copyWords(into: PackedRows, words: Uint32Array): void {
  for (let at = 0; at < words.length; ) at += into.copyRow(words, at);
}

/** A new private temporary directory, removed at exit unless removeSpillDirectory is called first. */
function spillDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sloprobe-replay-'));
  removeAtExit(dir);
  return dir;
}

function readWords(file: string): Uint32Array {
  return new Uint32Array(readFileBytes(file).buffer);
}

/** The whole file, in an ArrayBuffer of its own (aligned for any typed array). */
export function readFileBytes(file: string): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const bytes = new Uint8Array(fstatSync(fd).size);
    for (let at = 0; at < bytes.length; ) {
      const n = readSync(fd, bytes, at, bytes.length - at, at);
      if (n === 0) throw new Error(`replay spill file ${file} ended early`);
      at += n;
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}

// Directories to remove if the process ends before close(): at exit, or on a signal whose
// default would end it without running exit handlers.
const pending = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function removeAll(): void {
  for (const dir of pending) rmSync(dir, { recursive: true, force: true });
  pending.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeAll();
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.kill(process.pid, signal);
}

function removeAtExit(dir: string): void {
  if (pending.size === 0) {
    process.once('exit', removeAll);
    for (const s of SIGNALS) process.once(s, onSignal);
  }
  pending.add(dir);
}

function removeSpillDirectory(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  pending.delete(dir);
  if (pending.size === 0) {
    process.removeListener('exit', removeAll);
    for (const s of SIGNALS) process.removeListener(s, onSignal);
  }
}
