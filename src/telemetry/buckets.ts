/**
 * Bucket bounds of the classic SLI latency histogram. They always include every configured
 * latency objective exactly, so that "at most 1% of requests slower than T" can be read off
 * one bucket (`le="0.2"` for a 200 ms objective) by the recorder, the store and Prometheus
 * alike, instead of being interpolated between neighbouring bounds.
 */
import { sloLatencyThresholdsSeconds } from '../config/derived.js';
import type { ResolvedConfig, ResolvedRoute } from '../config/types.js';
import { ConfigError } from '../errors.js';

/** Defaults in seconds: a Prometheus-like ladder stretched to the 30 s header timeout and beyond. */
export const DEFAULT_LATENCY_BOUNDS_SECONDS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/**
 * The bounds of a config's SLI histogram, the one answer for the live recorder (what the
 * store's bucket arrays are laid out by), `replay` and `report`: the default ladder, every
 * route objective and every SLO-level latency threshold, so each threshold the engine
 * judges by is exactly one bucket bound. A reader with other bounds would misread stored
 * bucket arrays.
 */
export function configBucketBounds(cfg: ResolvedConfig): number[] {
  return latencyBucketBounds(cfg.routes, [
    ...DEFAULT_LATENCY_BOUNDS_SECONDS,
    ...sloLatencyThresholdsSeconds(cfg),
  ]);
}

/**
 * The bounds the SLI histogram uses: `base` (default ladder) united with every route's
 * objective, sorted and de-duplicated on whole nanoseconds.
 */
export function latencyBucketBounds(
  routes: readonly ResolvedRoute[],
  base: readonly number[] = DEFAULT_LATENCY_BOUNDS_SECONDS,
): number[] {
  const byNs = new Map<number, number>();
  const add = (seconds: number, key: string): void => {
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new ConfigError(`${seconds} is not a positive finite number of seconds`, key);
    }
    const ns = Math.round(seconds * 1e9);
    if (!byNs.has(ns)) byNs.set(ns, seconds);
  };
  for (let i = 0; i < base.length; i++) add(base[i]!, `bucketBoundsSeconds[${i}]`);
  for (const r of routes) {
    // From milliseconds straight to the seconds value Prometheus prints: 200 / 1000 = 0.2.
    if (r.latency !== undefined) add(r.latency.thresholdMs / 1000, `routes.${r.name}.latency`);
  }
  return [...byNs.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
}

/** Formats a bound for the `le` label: the shortest decimal that reads back as the same number. */
export function formatLe(seconds: number): string {
  return String(seconds);
}

/**
 * A fixed set of bounds with an index function for the hot path. Counts arrays built from
 * it have `size` = bounds + 1 slots; the last one is +Inf.
 */
export class BucketLayout {
  readonly boundsSeconds: readonly number[];
  /** Bounds in nanoseconds, compared against raw nanosecond samples: no unit conversion per request. */
  readonly boundsNs: Float64Array;
  /** `le` label values, `+Inf` last. */
  readonly le: readonly string[];
  readonly size: number;

  constructor(boundsSeconds: readonly number[]) {
    const sorted = [...boundsSeconds].sort((a, b) => a - b);
    this.boundsSeconds = Object.freeze(sorted);
    this.boundsNs = new Float64Array(sorted.length);
    for (let i = 0; i < sorted.length; i++) this.boundsNs[i] = Math.round(sorted[i]! * 1e9);
    this.le = Object.freeze([...sorted.map(formatLe), '+Inf']);
    this.size = sorted.length + 1;
  }

  /** Index of the first bucket whose bound is >= ns (Prometheus `le`), `size - 1` for +Inf. */
  index(ns: number): number {
    const b = this.boundsNs;
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ns <= b[mid]!) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
