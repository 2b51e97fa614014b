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
 */

import { countMethodRequest, METHOD_FIELDS, methodRollup } from '../payments/method-row.js';
import { planMethods } from '../payments/method-series.js';
import type { ResolvedRoute } from '../routing/route.js';
import type { MinuteRollup } from '../telemetry/rollup.js';

export interface MethodMinuteRows {
  /** Method minutes in [fromMinute, toMinute), by minute then series (route = series name). */
  read(fromMinute: number, toMinute: number): MinuteRollup[];
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
        row = new Float64Array(this.names.length * METHOD_FIELDS);
        this.byMinute.set(minute, row);
      }
      this.minute = minute;
      this.row = row;
    }
    countMethodRequest(row, series * METHOD_FIELDS, outcome, slow, error);
  }

  read(fromMinute: number, toMinute: number): MinuteRollup[] {
    const minutes = [...this.byMinute.keys()]
      .filter((m) => m >= fromMinute && m < toMinute)
      .sort((a, b) => a - b);
    const out: MinuteRollup[] = [];
    for (const minute of minutes) {
      const row = this.byMinute.get(minute)!;
      this.names.forEach((route, s) => {
        const r = methodRollup(row, s * METHOD_FIELDS, minute, route);
        if (r !== undefined) out.push(r);
      });
    }
    return out;
  }
}
