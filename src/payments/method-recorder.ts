/**
 * Per payment-method series counts per minute: the same counters as a route's minute rollup
 * (docs/sla-definitions.md#availability-occurrences, #timeslice-error-rate) plus the requests
 * the upstream never answered (refused, unreachable, connect timeout), which make a downtime
 * `high` (docs/sla-definitions.md#downtime-severity).
 *
 * Hot path: `observe` adds to one preallocated Float64Array row (series x field) of the
 * current minute; a new minute swaps in a second row, so nothing is allocated per request.
 * A request counts in the minute it finished in, by the injectable clock (Date.now() costs
 * no allocation): the tracker judges whole minutes on that same clock, and a request on a
 * minute's edge does not move that verdict.
 * Repeated identical requests are not de-duplicated here (distinct = total): the per-route
 * timeslice SLOs keep the exact rule, the per-method view is for detection.
 */
import { EXCLUDED, outcomeCode } from '../telemetry/classify.js';
import type { Observation, ObservationSink } from '../telemetry/observation.js';
import type { MinuteRollup } from '../telemetry/rollup.js';
import { MINUTE_MS } from '../time.js';
import { countMethodRequest, F_UNREACHABLE, METHOD_FIELDS, methodRollup } from './method-row.js';
import type { MethodPlan } from './method-series.js';

/** Cumulative counters per series: good, bad, excluded (the `outcome` label). */
export const OUTCOME_FIELDS = 3;

/** A method series' minute: a MinuteRollup (route = series name) plus what detection needs. */
export interface MethodMinute extends MinuteRollup {
  /** Requests the upstream never answered: refused, unreachable, connect timeout. */
  readonly unreachable: number;
}

export class MethodRecorder implements ObservationSink {
  private readonly plan: MethodPlan;
  private readonly errorStatuses: Uint8Array;
  private cur: Float64Array;
  private spare: Float64Array;
  private minute = -1;
  private readonly done: MethodMinute[] = [];
  /**
   * Requests per series and outcome since this recorder was built, for
   * `sloprobe_payment_method_requests_total`: the minute rows are judged locally and then
   * dropped, a fleet needs counters Prometheus can sum across replicas.
   */
  readonly totals: Float64Array;

  private readonly now: () => number;

  constructor(plan: MethodPlan, timesliceErrorStatuses: readonly number[], now: () => number = Date.now) {
    this.plan = plan;
    this.now = now;
    this.errorStatuses = new Uint8Array(1000);
    for (const s of timesliceErrorStatuses) if (s >= 0 && s < 1000) this.errorStatuses[s] = 1;
    this.cur = new Float64Array(plan.series.length * METHOD_FIELDS);
    this.spare = new Float64Array(plan.series.length * METHOD_FIELDS);
    this.totals = new Float64Array(plan.series.length * OUTCOME_FIELDS);
  }

  get empty(): boolean {
    return this.plan.series.length === 0;
  }

  observe(o: Observation): void {
    const table = this.plan.seriesOf[o.routeIndex];
    if (table === undefined || table.length === 0) return;
    const v = o.paymentVariant ?? 0;
    // A variant past the table (never expected: reloads remap variants by value) counts as `other`.
    const s = table[v < table.length ? v : table.length - 1]!;
    const m = Math.floor(this.now() / MINUTE_MS);
    if (m > this.minute) this.roll(m);
    const row = this.cur;
    const at = s * METHOD_FIELDS;
    const outcome = outcomeCode(o.status, o.errorReason, o.clientAborted);
    // outcomeCode is GOOD, BAD or EXCLUDED: 0, 1, 2 (classify.ts), the totals' layout.
    this.totals[s * OUTCOME_FIELDS + outcome]!++;
    const ns = o.sliNs >= 0 ? o.sliNs : o.durationNs;
    const r = o.errorReason;
    // A failure the sidecar answered itself (502/504) is an error of the method too: the
    // upstream gave no answer at all, which is worse than an HTTP 500.
    const error = (o.status > 0 && o.status < 1000 && this.errorStatuses[o.status] === 1) || r !== null;
    countMethodRequest(row, at, outcome, ns > this.plan.thresholdNs[o.routeIndex]!, error);
    if (outcome !== EXCLUDED && (r === 'refused' || r === 'unreachable' || r === 'timeout_connect'))
      row[at + F_UNREACHABLE]!++;
  }

  /** Closes the current minute (once a minute, off the request path: rows are built here). */
  private roll(next: number): void {
    if (this.minute >= 0) this.done.push(...this.rows(this.cur, this.minute));
    const t = this.spare;
    this.spare = this.cur;
    this.cur = t;
    this.cur.fill(0);
    this.minute = next;
  }

  private rows(row: Float64Array, minute: number): MethodMinute[] {
    const out: MethodMinute[] = [];
    for (const s of this.plan.series) {
      const at = s.index * METHOD_FIELDS;
      const r = methodRollup(row, at, minute, s.name);
      if (r !== undefined) out.push({ ...r, unreachable: row[at + F_UNREACHABLE]! });
    }
    return out;
  }

  /** Completed minutes since the last drain (rolling over when `nowMs` is past the current one). */
  drain(nowMs: number): MethodMinute[] {
    const m = Math.floor(nowMs / MINUTE_MS);
    if (this.minute >= 0 && m > this.minute) this.roll(m);
    return this.done.splice(0, this.done.length);
  }

  /** The minute in progress, re-sent every tick (the engine replaces it). */
  peek(): MethodMinute[] {
    return this.minute < 0 ? [] : this.rows(this.cur, this.minute);
  }
}
