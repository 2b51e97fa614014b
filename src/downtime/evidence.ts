/**
 * What one payment-method series' recent minutes say (docs/sla-definitions.md#downtime-detection):
 * the run of consecutive Downtime minutes (error rate above the timeslice threshold,
 * docs/sla-definitions.md#downtime-minute), the run of latency-only minutes, and the
 * severity the last minutes justify (docs/sla-definitions.md#downtime-severity).
 *
 * A minute without traffic breaks a run: no request, no evidence (docs/sla-definitions.md#no-traffic).
 */
import type { MethodMinute } from '../payments/method-recorder.js';
import type { DowntimeSeverity } from './entity.js';

/** Minutes the severity looks back over: long enough to see a pattern, short enough to follow recovery. */
export const SEVERITY_MINUTES = 5;

export interface EvidenceRules {
  /** A minute is Downtime when errors / requests is greater than this (5%). */
  readonly threshold: number;
  /** `high` at or above this error ratio (50%). */
  readonly highErrorRatio: number;
}

export class SeriesEvidence {
  /** Consecutive Downtime minutes ending at the latest minute seen. */
  run = 0;
  /** First minute (epoch minute) of that run, or of the latency-only run; -1 when none. */
  runStart = -1;
  /** Consecutive minutes slower than allowed but not erroring. */
  slowRun = 0;
  slowRunStart = -1;
  /** Consecutive minutes with any failed request, and the first of them; -1 when none. */
  failing = 0;
  failingStart = -1;
  /** Epoch ms at which the latest Downtime or slow minute ended; 0 when none seen. */
  lastBadEndMs = 0;
  private lastMinute = -1;
  private readonly bad = new Float64Array(SEVERITY_MINUTES);
  private readonly valid = new Float64Array(SEVERITY_MINUTES);
  private readonly unreachable = new Float64Array(SEVERITY_MINUTES);
  private readonly erroring = new Uint8Array(SEVERITY_MINUTES);
  private readonly slow = new Uint8Array(SEVERITY_MINUTES);
  private readonly rules: EvidenceRules;

  constructor(rules: EvidenceRules) {
    this.rules = rules;
  }

  /** One completed minute, in minute order (an older or repeated minute is ignored). */
  add(m: MethodMinute): void {
    if (m.minute <= this.lastMinute) return;
    if (this.lastMinute >= 0 && m.minute > this.lastMinute + 1) this.gap(m.minute - this.lastMinute - 1);
    this.lastMinute = m.minute;
    const valid = m.good + m.bad;
    const requests = m.distinct;
    // "greater than five percent (5%)": strictly above the threshold.
    const downtime = requests > 0 && m.errors / requests > this.rules.threshold;
    const slow = !downtime && valid > 0 && m.slow / valid > this.rules.threshold;
    const slot = m.minute % SEVERITY_MINUTES;
    this.bad[slot] = m.bad;
    this.valid[slot] = valid;
    this.unreachable[slot] = m.unreachable;
    this.erroring[slot] = downtime ? 1 : 0;
    this.slow[slot] = slow ? 1 : 0;
    if (downtime) {
      if (this.run === 0) this.runStart = m.minute;
      this.run++;
    } else this.run = 0;
    if (slow) {
      if (this.slowRun === 0) this.slowRunStart = m.minute;
      this.slowRun++;
    } else this.slowRun = 0;
    if (m.bad > 0) {
      if (this.failing === 0) this.failingStart = m.minute;
      this.failing++;
    } else this.failing = 0;
    if (downtime || slow) this.lastBadEndMs = (m.minute + 1) * 60_000;
  }

  private gap(minutes: number): void {
    this.run = 0;
    this.slowRun = 0;
    this.failing = 0;
    for (let i = 0; i < Math.min(minutes, SEVERITY_MINUTES); i++) {
      const slot = (this.lastMinute + 1 + i) % SEVERITY_MINUTES;
      this.bad[slot] = this.valid[slot] = this.unreachable[slot] = 0;
      this.erroring[slot] = this.slow[slot] = 0;
    }
  }

  /**
   * The first bad minute (epoch minute) of the current evidence: the Downtime run's, the
   * latency run's, else that of the minutes with failures before a page; -1 when the only
   * failures are in the minute in progress.
   */
  firstBadMinute(): number {
    if (this.run > 0) return this.runStart;
    if (this.slowRun > 0) return this.slowRunStart;
    if (this.failing > 0) return this.failingStart;
    return -1;
  }

  /**
   * high: the method fails outright (error ratio at or above `highErrorRatio` over the last
   * minutes, or the upstream unreachable for more than the threshold's share of requests);
   * medium: an elevated error rate (a Downtime minute, or a page); low: latency only.
   */
  severity(paging: boolean, ratio5m: number | null = null): DowntimeSeverity | undefined {
    let bad = 0;
    let valid = 0;
    let unreachable = 0;
    let erroring = false;
    let slow = false;
    for (let i = 0; i < SEVERITY_MINUTES; i++) {
      bad += this.bad[i]!;
      valid += this.valid[i]!;
      unreachable += this.unreachable[i]!;
      erroring ||= this.erroring[i] === 1;
      slow ||= this.slow[i] === 1;
    }
    if (ratio5m !== null && ratio5m >= this.rules.highErrorRatio) return 'high';
    if (valid > 0 && (bad / valid >= this.rules.highErrorRatio || unreachable / valid > this.rules.threshold))
      return 'high';
    if (erroring || paging) return 'medium';
    if (slow) return 'low';
    return undefined;
  }
}

const RANK: Readonly<Record<DowntimeSeverity, number>> = { low: 0, medium: 1, high: 2 };

export function worse(a: DowntimeSeverity | undefined, b: DowntimeSeverity | undefined) {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return RANK[a] >= RANK[b] ? a : b;
}
