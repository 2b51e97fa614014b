/**
 * One SLO's per-minute series and the arithmetic that turns them into an `SloStatus`:
 * windowed error ratios, burn rates, the period's budget, flags, and for timeslice SLOs the
 * Downtime Periods and Monthly Uptime Percentage. Every read is a range sum (O(log n)), so an
 * evaluation costs O(windows) per SLO whatever the period length (measured: ~0.3 ms for 61
 * SLOs over 50 routes with a full month of data).
 *
 * Windows end with the minute containing `now`, the in-progress minute included with the
 * counts sent so far: a 5m window is the last 4 minutes and the current one.
 */
import type { SloDefinition } from '../config/types.js';
import { MINUTE_MS } from '../time.js';
import { alertFactors, budgetRemaining, burnRate, evaluateFlags, FlagLatch, isMet } from './burn.js';
import type { HourBuckets } from './hour-buckets.js';
import { MinuteSeries } from './minute-series.js';
import { periodAt, periodLabel } from './period.js';
import type { DowntimePeriod, PeriodOutcome, SloStatus, TimesliceStatus, WindowStatus } from './status.js';
import { CELL_MINUTES, HEAD_SPAN_MINUTES, TieredSeries } from './tiered-series.js';
import type { TimesliceTrack } from './timeslices.js';
import { ALERT_RULES, type AlertRuleId, FIXED_WINDOWS, type Severity } from './windows.js';

/** Each rule's short window in ms: a flag's default hold time. */
const SHORT_WINDOW_MS: ReadonlyMap<AlertRuleId, number> = new Map(
  ALERT_RULES.map((r) => [
    r.id,
    (FIXED_WINDOWS.find((w) => w.name === r.shortWindow)?.minutes ?? 0) * MINUTE_MS,
  ]),
);

/** A raise or clear decided by one evaluation, for the engine to announce. */
export interface LatchChange {
  readonly severity: Severity;
  readonly state: 'raised' | 'cleared';
  readonly latch: FlagLatch;
}

/** The minutes the engine's ring currently holds, `lo..hi` inclusive (hi < lo: empty). */
export interface RingBounds {
  readonly lo: number;
  readonly hi: number;
}

/** Totals of one SLO over a range of minutes. */
export interface RangeSummary {
  /** Every request, including excluded ones. */
  readonly requests: number;
  /** Events the SLI counts (occurrences) or distinct requests (timeslices). */
  readonly valid: number;
  /** Bad events, or distinct error requests for timeslice availability. */
  readonly bad: number;
  /** Timeslices: Downtime minutes (in runs of any length) and those in Downtime Periods. */
  readonly downtimeMinutes: number;
  readonly downtimePeriodMinutes: number;
  readonly downtimePeriods: readonly DowntimePeriod[];
}

/**
 * Occurrences: the good ratio of the valid events, and the budget they burned. Timeslices
 * (docs/sla-definitions.md#monthly-uptime): "Monthly Uptime Percentage" is the share of the period's minutes outside
 * Downtime Periods (minutes without traffic are up), and Downtime Period minutes burn it.
 */
export function periodOutcome(sum: RangeSummary, periodMinutes: number, def: SloDefinition): PeriodOutcome {
  const timeslices = def.method === 'timeslices';
  const valid = sum.valid > 0;
  const ratio = timeslices
    ? (periodMinutes - sum.downtimePeriodMinutes) / periodMinutes
    : valid
      ? (sum.valid - sum.bad) / sum.valid
      : null;
  const burned = timeslices ? sum.downtimePeriodMinutes / periodMinutes : valid ? sum.bad / sum.valid : null;
  return {
    requests: sum.requests,
    good: sum.valid - sum.bad,
    bad: sum.bad,
    excluded: Math.max(0, sum.requests - sum.valid),
    ratio,
    met: isMet(ratio, def.objective),
    budgetRemaining: budgetRemaining(burned, def.objective),
  };
}

/** Counts per minute (recent) and per 15 minutes (older), or per minute throughout. */
export type CountSeries = MinuteSeries | TieredSeries;

export class SloTrack {
  readonly index: number;
  readonly def: SloDefinition;
  readonly bad: CountSeries;
  readonly valid: CountSeries;
  readonly total: CountSeries;
  readonly ts: TimesliceTrack | undefined;
  readonly hours: HourBuckets | undefined;
  readonly pageLatch = new FlagLatch();
  readonly ticketLatch = new FlagLatch();
  /** Transitions of the latest `status` call. */
  readonly changes: LatchChange[] = [];

  constructor(
    index: number,
    def: SloDefinition,
    capacity: number,
    ts: TimesliceTrack | undefined,
    hours: HourBuckets | undefined,
    minuteGrain = false,
  ) {
    this.index = index;
    this.def = def;
    // Timeslice SLOs judge every slice from its own minutes' counts, so they keep minutes
    // throughout; so does a ring no longer than the head, and an engine asked for minutes.
    const tiered = !minuteGrain && ts === undefined && capacity > HEAD_SPAN_MINUTES + CELL_MINUTES;
    const series = (): CountSeries => (tiered ? new TieredSeries(capacity) : new MinuteSeries(capacity));
    this.bad = series();
    this.valid = series();
    this.total = series();
    this.ts = ts;
    this.hours = hours;
  }

  /** Zeroes one minute's slot in every series (the ring moved past it). */
  evict(minute: number): void {
    this.bad.evict(minute);
    this.valid.evict(minute);
    this.total.evict(minute);
    if (this.ts) {
      this.ts.flag.set(minute, 0);
      this.ts.member.set(minute, 0);
    }
  }

  clear(): void {
    this.bad.clear();
    this.valid.clear();
    this.total.clear();
    this.ts?.clear();
    this.hours?.clear();
  }

  /** Bytes held by the count series (timeslice flags included). */
  get bytes(): number {
    const ts = this.ts ? this.ts.flag.bytes + this.ts.member.bytes : 0;
    return this.bad.bytes + this.valid.bytes + this.total.bytes + ts;
  }

  /** Sum over `from..to` clipped to the ring. */
  private sum(series: CountSeries, from: number, to: number, ring: RingBounds): number {
    return series.sum(Math.max(from, ring.lo), Math.min(to, ring.hi));
  }

  summarize(from: number, to: number, ring: RingBounds, withPeriods: boolean): RangeSummary {
    const ts = this.ts;
    return {
      requests: this.sum(this.total, from, to, ring),
      valid: this.sum(this.valid, from, to, ring),
      bad: this.sum(this.bad, from, to, ring),
      downtimeMinutes: ts ? this.sum(ts.flag, from, to, ring) : 0,
      downtimePeriodMinutes: ts ? this.sum(ts.member, from, to, ring) : 0,
      downtimePeriods: ts && withPeriods ? ts.periods(from, to, ring.lo, ring.hi) : [],
    };
  }

  private window(
    name: WindowStatus['window'],
    from: number,
    to: number,
    minutes: number,
    ring: RingBounds,
  ): WindowStatus {
    const requests = this.sum(this.valid, from, to, ring);
    const objective = this.def.objective;
    if (this.ts) {
      // Timeslices burn time, not requests: the share of the window's minutes that sit in
      // Downtime Periods. Minutes without traffic are up (docs/sla-definitions.md#monthly-uptime divides by every minute).
      const bad = this.sum(this.ts.member, from, to, ring);
      const ratio = bad / minutes;
      return {
        window: name,
        minutes,
        requests,
        bad,
        errorRatio: ratio,
        burnRate: burnRate(ratio, objective),
      };
    }
    const bad = this.sum(this.bad, from, to, ring);
    const ratio = requests > 0 ? bad / requests : null;
    return { window: name, minutes, requests, bad, errorRatio: ratio, burnRate: burnRate(ratio, objective) };
  }

  get page(): boolean {
    return this.pageLatch.raised;
  }

  get ticket(): boolean {
    return this.ticketLatch.raised;
  }

  private latch(severity: Severity, fired: readonly AlertRuleId[], at: number, holdMs?: number): void {
    const latch = severity === 'page' ? this.pageLatch : this.ticketLatch;
    const mine = fired.filter((id) => id.startsWith(severity));
    let hold = 0;
    for (const id of mine) hold = Math.max(hold, holdMs ?? SHORT_WINDOW_MS.get(id) ?? 0);
    const state = latch.update(mine.length > 0, at, mine[0], hold);
    if (state) this.changes.push({ severity, state, latch });
  }

  /**
   * Evaluates the SLO at `nowMs`; updates the flags through their hold time and leaves the
   * transitions in `changes` (the caller emits them). `holdMs` undefined: each rule's short window.
   */
  status(nowMs: number, ring: RingBounds, minRequests: number, holdMs?: number): SloStatus {
    const def = this.def;
    const nowMinute = Math.floor(nowMs / MINUTE_MS);
    const p = periodAt(def.period, nowMs);
    const pFrom = Math.floor(p.startMs / MINUTE_MS);
    const pTo = Math.min(nowMinute, Math.floor(p.endMs / MINUTE_MS) - 1);

    const windows: WindowStatus[] = [];
    for (const w of FIXED_WINDOWS)
      windows.push(this.window(w.name, nowMinute - w.minutes + 1, nowMinute, w.minutes, ring));
    const periodWindow = this.window('period', pFrom, pTo, p.elapsedMinutes, ring);
    windows.push(periodWindow);

    const sum = this.summarize(pFrom, pTo, ring, true);
    const factors = alertFactors(p.minutes);
    // Evidence in trials: requests (occurrences) or the window's minutes (timeslices burn time).
    const readings = windows.map((w) => ({ ...w, trials: this.ts ? w.minutes : w.requests }));
    const flags = evaluateFlags(readings, factors, minRequests, def.objective);
    this.changes.length = 0;
    this.latch('page', flags.firing, nowMs, holdMs);
    this.latch('ticket', flags.firing, nowMs, holdMs);

    const outcome = periodOutcome(sum, p.minutes, def);
    const timeslices: TimesliceStatus | undefined = this.ts
      ? {
          minutesInPeriod: p.minutes,
          downtimePeriodMinutes: sum.downtimePeriodMinutes,
          intermittentDowntimeMinutes: sum.downtimeMinutes - sum.downtimePeriodMinutes,
          uptimeRatio: outcome.ratio!,
          downtimePeriods: sum.downtimePeriods,
        }
      : undefined;
    return {
      name: def.name,
      sli: def.sli,
      method: def.method,
      objective: def.objective,
      period: def.period,
      periodLabel: periodLabel(def.period),
      periodStartMs: p.startMs,
      periodEndMs: p.endMs,
      evaluatedAtMs: nowMs,
      definition: def,
      windows,
      ...outcome,
      flags: { page: this.page, ticket: this.ticket },
      firing: flags.firing,
      factors,
      timeslices,
    };
  }
}
