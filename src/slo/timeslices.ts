/**
 * PayWithMyBank's Downtime rules (docs/sla-definitions.md#downtime-minute, docs/sla-definitions.md#downtime-period) kept incrementally per SLO:
 * - "Downtime: ... when the API Error Rate is greater than five percent (5%) in a given
 *   period": a slice whose error rate is strictly above the threshold. A slice with no
 *   requests has no error rate and is not Downtime; it therefore ends a run.
 * - "Downtime Period: a period of ten (10) or more consecutive minutes of Downtime.
 *   Intermittent Downtime for a period of less than ten (10) minutes will not be counted".
 *
 * Two per-minute series: `flag` (the minute is Downtime) and `member` (it belongs to a run of
 * at least `minConsecutive` Downtime slices). `member` is what uptime and burn read, so window
 * sums stay O(log n). When a slice's flag changes, only the run around it is re-measured.
 *
 * Slices of k minutes are aligned to epoch multiples of k; every minute of a slice carries the
 * slice's flag, so a run of N slices is N x k flagged minutes.
 *
 * A run that crosses a month boundary is one run: its length decides whether it is a Downtime
 * Period, and each month counts the minutes of it that fall inside that month.
 *
 * The in-progress minute counts with the requests seen so far; its flag may change until
 * the minute ends (the recorder re-sends it).
 *
 * Scheduled Downtime: minutes inside an accepted maintenance window carry no requests of the
 * routes it covers (sli.ts), so they are never Downtime and they end a run ("Periods of
 * Scheduled Downtime are excluded from the definition"). They stay in the month's minutes:
 * docs/sla-definitions.md#monthly-uptime divides by "total number of minutes in that month", maintenance or not.
 */
import type { TimesliceRules } from '../config/types.js';
import { MINUTE_MS } from '../time.js';
import { BLOCK_MINUTES, MinuteSeries } from './minute-series.js';
import type { DowntimePeriod } from './status.js';

/** The rules of docs/sla-definitions.md#timeslice-error-rate, used when a timeslice SLO comes without its own (defined with the config defaults). */
export { SEED_TIMESLICE_RULES } from '../config/resolve-rules.js';

export class TimesliceTrack {
  readonly sliceMinutes: number;
  /** Minimum run length in minutes: minConsecutive slices. */
  readonly runMinutes: number;
  readonly threshold: number;
  readonly flag: MinuteSeries;
  readonly member: MinuteSeries;
  private readonly dirty = new Set<number>();

  constructor(rules: TimesliceRules, capacity: number) {
    this.sliceMinutes = Math.max(1, Math.round(rules.sliceMs / MINUTE_MS));
    this.runMinutes = Math.max(1, rules.minConsecutive) * this.sliceMinutes;
    this.threshold = rules.threshold;
    this.flag = new MinuteSeries(capacity);
    this.member = new MinuteSeries(capacity);
  }

  sliceStart(minute: number): number {
    return minute - (minute % this.sliceMinutes);
  }

  /** Note that `minute`'s counts changed; `refresh` re-judges its slice. */
  touch(minute: number): void {
    this.dirty.add(this.sliceStart(minute));
  }

  clear(): void {
    this.flag.clear();
    this.member.clear();
    this.dirty.clear();
  }

  /** Re-judges every touched slice against the SLO's (bad, valid) series; `lo..hi` is the ring. */
  refresh(bad: Pick<MinuteSeries, 'sum'>, valid: Pick<MinuteSeries, 'sum'>, lo: number, hi: number): void {
    if (this.dirty.size === 0) return;
    for (const s of this.dirty) {
      const e = s + this.sliceMinutes - 1;
      if (e < lo || s > hi) continue;
      const from = Math.max(s, lo);
      const to = Math.min(e, hi);
      const v = valid.sum(from, to);
      // Division, not bad > threshold * valid: 5/100 and the configured 0.05 are the same
      // double, so "exactly 5%" is never "greater than five percent".
      const down = v > 0 && bad.sum(from, to) / v > this.threshold ? 1 : 0;
      if (this.flag.get(from) === down) continue;
      for (let m = from; m <= to; m++) this.flag.set(m, down);
      this.remeasure(from, to, lo, hi);
    }
    this.dirty.clear();
  }

  /** Recomputes `member` for the runs touching `from..to`. */
  private remeasure(from: number, to: number, lo: number, hi: number): void {
    let left = from;
    while (left - 1 >= lo && this.flag.get(left - 1) === 1) left--;
    let right = to;
    while (right + 1 <= hi && this.flag.get(right + 1) === 1) right++;
    let m = left;
    while (m <= right) {
      if (this.flag.get(m) === 0) {
        this.member.set(m, 0);
        m++;
        continue;
      }
      const start = m;
      while (m <= right && this.flag.get(m) === 1) m++;
      const v = m - start >= this.runMinutes ? 1 : 0;
      for (let x = start; x < m; x++) this.member.set(x, v);
    }
  }

  /**
   * The Downtime Periods with minutes inside `from..to` (inclusive minutes), each with its
   * whole extent (within the ring `lo..hi`) and the minutes inside the range. Skips blocks
   * without Downtime Period minutes, so a quiet month costs ~1,400 block reads.
   */
  periods(from: number, to: number, lo: number, hi: number): DowntimePeriod[] {
    const out: DowntimePeriod[] = [];
    let m = Math.max(from, lo);
    const last = Math.min(to, hi);
    while (m <= last) {
      if (m % BLOCK_MINUTES === 0 && m + BLOCK_MINUTES - 1 <= last && this.member.blockSum(m) === 0) {
        m += BLOCK_MINUTES;
        continue;
      }
      if (this.member.get(m) === 0) {
        m++;
        continue;
      }
      let start = m;
      while (start - 1 >= lo && this.member.get(start - 1) === 1) start--;
      let end = m;
      while (end + 1 <= hi && this.member.get(end + 1) === 1) end++;
      const inside = Math.min(end, last) - Math.max(start, from) + 1;
      out.push({ startMs: start * MINUTE_MS, endMs: (end + 1) * MINUTE_MS, minutes: inside });
      m = end + 1;
    }
    return out;
  }
}
