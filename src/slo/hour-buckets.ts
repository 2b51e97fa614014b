/**
 * Latency bucket counts per hour for latency SLOs, kept so a monthly report can estimate p99
 * when no exact HDR value is available. Hourly grain keeps this at ~3 KB per SLO-day; a month
 * that starts on a half-hour (UTC+05:30) borrows up to 30 minutes from its neighbour, which
 * is within what an estimate from buckets can claim anyway.
 */

export class HourBuckets {
  private readonly hours: number;
  private readonly width: number;
  /** Allocated on the first add: an SLO without traffic holds nothing. */
  private counts: Float64Array | null = null;
  private readonly stamps: Float64Array;

  constructor(hours: number, buckets: number) {
    this.hours = hours;
    this.width = buckets;
    this.stamps = new Float64Array(hours).fill(-1);
  }

  /** Adds `sign` x `buckets` to the hour containing `minute`. Older than the slot's hour: ignored. */
  add(minute: number, buckets: readonly number[], sign: 1 | -1): void {
    const hour = Math.floor(minute / 60);
    const slot = hour % this.hours;
    const stamp = this.stamps[slot]!;
    if (stamp > hour) return;
    const base = slot * this.width;
    this.counts ??= new Float64Array(this.hours * this.width);
    const counts = this.counts;
    if (stamp < hour) {
      counts.fill(0, base, base + this.width);
      this.stamps[slot] = hour;
    }
    const n = Math.min(buckets.length, this.width);
    for (let i = 0; i < n; i++) {
      const c = buckets[i]!;
      if (c > 0) counts[base + i]! += sign * c;
    }
  }

  /** Bucket totals over the hours touching minutes `from..to` inclusive. */
  sum(from: number, to: number): number[] {
    const out = new Array<number>(this.width).fill(0);
    const counts = this.counts;
    if (counts === null) return out;
    const h0 = Math.floor(from / 60);
    const h1 = Math.floor(to / 60);
    for (let h = Math.max(h0, h1 - this.hours + 1); h <= h1; h++) {
      const slot = h % this.hours;
      if (this.stamps[slot] !== h) continue;
      const base = slot * this.width;
      for (let i = 0; i < this.width; i++) out[i]! += counts[base + i]!;
    }
    return out;
  }

  clear(): void {
    this.counts = null;
    this.stamps.fill(-1);
  }
}

export interface QuantileEstimate {
  /** Milliseconds; undefined without any request. */
  readonly valueMs: number | undefined;
  /** True when the quantile lies in the +Inf bucket: the value is the last bound, a lower bound. */
  readonly aboveLastBound: boolean;
}

/**
 * Quantile from non-cumulative bucket counts, interpolating linearly inside the bucket the
 * rank falls in (what Prometheus' histogram_quantile does). The first bucket interpolates
 * from 0.
 */
export function estimateQuantile(
  boundsSeconds: readonly number[],
  counts: readonly number[],
  q: number,
): QuantileEstimate {
  let total = 0;
  for (const c of counts) total += c;
  if (total <= 0) return { valueMs: undefined, aboveLastBound: false };
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (seen + c >= rank && c > 0) {
      if (i >= boundsSeconds.length) {
        const last = boundsSeconds[boundsSeconds.length - 1];
        return { valueMs: last === undefined ? undefined : last * 1000, aboveLastBound: true };
      }
      const lower = i === 0 ? 0 : boundsSeconds[i - 1]!;
      const upper = boundsSeconds[i]!;
      const v = lower + ((upper - lower) * (rank - seen)) / c;
      return { valueMs: v * 1000, aboveLastBound: false };
    }
    seen += c;
  }
  const last = boundsSeconds[boundsSeconds.length - 1];
  return { valueMs: last === undefined ? undefined : last * 1000, aboveLastBound: true };
}
