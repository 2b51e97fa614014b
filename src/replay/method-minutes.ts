/**
 * Replay's payment-method minutes, for `replay --into-store`: the same per-series counts the
 * live per-method recorder (payments/method-recorder.ts) writes under the store's `~method:`
 * keys, so the status page's per-method daily bars of a sidecar started after a backfill
 * cover the replayed months as they cover live ones.
 *
 * Counted as live counts them: every line of a route with a payment method, probe lines
 * included; repeats are not de-duplicated (distinct = total - excluded); an excluded request
 * is neither slow nor an error; an error is a timeslice error status or a failure the
 * sidecar answered itself (the line's `error`). Only the minute differs: a line is booked in
 * the minute of its `time`, as replay books the routes, where live books the minute the
 * request ended in.
 *
 * A route that reads its method or instrument per request (`{ header: ... }`, `{ query: ... }`:
 * a header or query value) cannot be attributed: the access log keeps neither headers nor
 * the query. Its lines are left out of the method minutes, and the backfill says so.
 *
 * A minute held costs ~150 B plus 56 B a series (43,200 a month): past a quarter of the spill
 * budget (spill.ts) the minutes held are appended to one temporary file per day, as
 * [minute, counts...] words, and read back a day at a time; counts are additive, so a minute
 * counted again after its day was spilled adds up when read.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { countMethodRequest, METHOD_FIELDS, methodRollup } from '../payments/method-row.js';
import { planMethods } from '../payments/method-series.js';
import type { ResolvedRoute } from '../routing/route.js';
import type { MinuteRollup } from '../telemetry/rollup.js';
import { type SpillDirectory, spillBudget } from './spill.js';

const MINUTES_PER_DAY = 1440;
/** Days read back and kept while reading (a read spans two when it does not start at 00:00). */
const LOADED_DAYS = 2;

export interface MethodMinuteRows {
  /** Method minutes in [fromMinute, toMinute), by minute then series (route = series name). */
  read(fromMinute: number, toMinute: number): MinuteRollup[];
  /** Removes temporary files, if any. */
  close(): void;
  /** Routes left out because their method is chosen per request. */
  readonly unattributed: readonly string[];
}

export class MethodMinutes implements MethodMinuteRows {
  /** Per book route index (probe keys included): series index, or -1. */
  readonly seriesOf: Int32Array;
  readonly unattributed: readonly string[];
  private readonly names: readonly string[];
  private readonly byMinute = new Map<number, Float64Array>();
  private minute = -1;
  private row: Float64Array | undefined;
  private readonly rowBytes: number;
  private readonly budget: number;
  /** Set by the book: its rows' spill directory. */
  dir: SpillDirectory | undefined;
  private readonly spilledDays = new Set<number>();
  private readonly loaded = new Map<number, Map<number, Float64Array>>();

  /** `routes` in route-table order; the book keeps probe lines at route + routes.length. */
  constructor(routes: readonly ResolvedRoute[]) {
    const plan = planMethods(routes);
    this.names = plan.series.map((s) => s.name);
    this.seriesOf = new Int32Array(routes.length * 2).fill(-1);
    const unattributed: string[] = [];
    plan.seriesOf.forEach((table, i) => {
      if (table.length === 1) {
        this.seriesOf[i] = table[0]!;
        this.seriesOf[i + routes.length] = table[0]!;
      } else if (table.length > 1) unattributed.push(routes[i]!.name);
    });
    this.unattributed = unattributed;
    // The Map entry and the typed array's own cost beyond its counts, about.
    this.rowBytes = this.names.length * METHOD_FIELDS * 8 + 150;
    this.budget = spillBudget() / 4;
  }

  get empty(): boolean {
    return this.names.length === 0;
  }

  /** `error`: an error status, or a failure the sidecar answered itself. */
  count(series: number, minute: number, outcome: number, slow: boolean, error: boolean): void {
    let row = this.row;
    if (minute !== this.minute || row === undefined) {
      row = this.byMinute.get(minute);
      if (row === undefined) {
        if ((this.byMinute.size + 1) * this.rowBytes > this.budget) this.spill();
        row = new Float64Array(this.names.length * METHOD_FIELDS);
        this.byMinute.set(minute, row);
      }
      this.minute = minute;
      this.row = row;
    }
    countMethodRequest(row, series * METHOD_FIELDS, outcome, slow, error);
  }

  private fileOf(day: number): string {
    if (this.dir === undefined) throw new Error('replay method minutes spilled without a directory');
    return join(this.dir.path, `${day}.methods`);
  }

  private spill(): void {
    const width = this.names.length * METHOD_FIELDS + 1;
    const byDay = new Map<number, number[]>();
    for (const minute of this.byMinute.keys()) {
      const day = Math.floor(minute / MINUTES_PER_DAY);
      let list = byDay.get(day);
      if (list === undefined) {
        list = [];
        byDay.set(day, list);
      }
      list.push(minute);
    }
    for (const [day, minutes] of byDay) {
      const words = new Float64Array(minutes.length * width);
      minutes.forEach((minute, i) => {
        words[i * width] = minute;
        words.set(this.byMinute.get(minute)!, i * width + 1);
      });
      const bytes = new Uint8Array(words.buffer);
      const fd = openSync(this.fileOf(day), 'a');
      try {
        for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      } finally {
        closeSync(fd);
      }
      this.spilledDays.add(day);
    }
    this.byMinute.clear();
    this.minute = -1;
    this.row = undefined;
  }

  /** A spilled day's minutes, summed. */
  private loadDay(day: number): Map<number, Float64Array> {
    const held = this.loaded.get(day);
    if (held !== undefined) return held;
    const out = new Map<number, Float64Array>();
    const file = this.fileOf(day);
    if (existsSync(file)) {
      const buf = readFileSync(file);
      const words = new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      const width = this.names.length * METHOD_FIELDS + 1;
      for (let at = 0; at < words.length; at += width) {
        const minute = words[at]!;
        const counts = words.subarray(at + 1, at + width);
        const row = out.get(minute);
        if (row === undefined) out.set(minute, counts.slice());
        else for (let i = 0; i < counts.length; i++) row[i]! += counts[i]!;
      }
    }
    this.loaded.set(day, out);
    if (this.loaded.size > LOADED_DAYS) this.loaded.delete(this.loaded.keys().next().value as number);
    return out;
  }

  /** Minutes in [fromMinute, toMinute) with their counts, spilled and held ones summed. */
  private rowsBetween(fromMinute: number, toMinute: number): Map<number, Float64Array> {
    const rows = new Map<number, Float64Array>();
    if (this.spilledDays.size > 0 && toMinute > fromMinute) {
      const last = Math.floor((toMinute - 1) / MINUTES_PER_DAY);
      for (let day = Math.floor(fromMinute / MINUTES_PER_DAY); day <= last; day++) {
        if (!this.spilledDays.has(day)) continue;
        for (const [minute, counts] of this.loadDay(day)) {
          if (minute >= fromMinute && minute < toMinute) rows.set(minute, counts.slice());
        }
      }
    }
    for (const [minute, counts] of this.byMinute) {
      if (minute < fromMinute || minute >= toMinute) continue;
      const row = rows.get(minute);
      if (row === undefined) rows.set(minute, counts);
      else for (let i = 0; i < counts.length; i++) row[i]! += counts[i]!;
    }
    return rows;
  }

  /** Forgets the spilled days: their files go with the replay's spill directory. */
  close(): void {
    this.spilledDays.clear();
    this.loaded.clear();
  }

  read(fromMinute: number, toMinute: number): MinuteRollup[] {
    const byMinute = this.rowsBetween(fromMinute, toMinute);
    const minutes = [...byMinute.keys()].sort((a, b) => a - b);
    const out: MinuteRollup[] = [];
    for (const minute of minutes) {
      const row = byMinute.get(minute)!;
      this.names.forEach((route, s) => {
        const r = methodRollup(row, s * METHOD_FIELDS, minute, route);
        if (r !== undefined) out.push(r);
      });
    }
    return out;
  }
}
