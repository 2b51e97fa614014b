/**
 * The counts-array layout and percentile rule of an HdrHistogram with 3 significant digits,
 * values in microseconds from 1 µs to 10 minutes: the histogram hdr-histogram-js builds with
 * `{ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000,
 *    numberOfSignificantValueDigits: 3 }`.
 *
 * Why not call the library per request: its `recordValue` goes through Math.log2/Math.pow and
 * range checks. On the 2-core EPYC dev box it measured ~135 ns per call idle against ~3 ns
 * for the clz32 index below into a plain Uint32Array, and 7x slower under load
 * (bench/recorder.ts prints both side by side). The layout,
 * `valueFromIndex`, `highestEquivalentValue` and `getValueAtPercentile` are the library's;
 * test/telemetry/hdr-layout.test.ts checks every index and the percentiles against
 * hdr-histogram-js itself, so these arrays mean exactly what the library's would.
 */

/** Unit of the recorded values. */
export const HDR_UNIT = 'microseconds';
export const HDR_LOWEST_DISCERNIBLE = 1;
/** 10 minutes in microseconds; larger samples are clamped to it. */
export const HDR_HIGHEST_TRACKABLE = 600_000_000;
export const HDR_SIGNIFICANT_DIGITS = 3;

// 3 significant digits -> 2 * 10^3 distinct values per bucket, rounded up to 2048.
const SUB_BUCKET_HALF_COUNT_MAGNITUDE = 10;
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SUB_BUCKET_COUNT = SUB_BUCKET_HALF_COUNT * 2;

function bucketsNeeded(highest: number): number {
  let smallestUntrackable = SUB_BUCKET_COUNT;
  let buckets = 1;
  while (smallestUntrackable <= highest) {
    smallestUntrackable *= 2;
    buckets++;
  }
  return buckets;
}

/** Length of a counts array (21504 for 1 µs .. 10 min). */
export const HDR_COUNTS_LENGTH = (bucketsNeeded(HDR_HIGHEST_TRACKABLE) + 1) * SUB_BUCKET_HALF_COUNT;

/**
 * Counts-array index of a value in microseconds. Values must be integers in
 * [0, HDR_HIGHEST_TRACKABLE]; `clampMicros` makes them so. Below 2^31, so clz32 is exact.
 */
export function hdrIndex(us: number): number {
  let bucket = 31 - Math.clz32(us) - SUB_BUCKET_HALF_COUNT_MAGNITUDE;
  if (bucket < 0) bucket = 0;
  return ((bucket + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + (us >>> bucket) - SUB_BUCKET_HALF_COUNT;
}

/** Nanoseconds -> whole microseconds inside the trackable range. */
export function clampMicros(ns: number): number {
  const us = Math.round(ns / 1000);
  if (!(us > 0)) return 0; // also NaN
  return Math.min(us, HDR_HIGHEST_TRACKABLE);
}

/** The lowest value that lands at `index` (the library's `valueFromIndex`). */
export function hdrValueFromIndex(index: number): number {
  let bucket = Math.floor(index / SUB_BUCKET_HALF_COUNT) - 1;
  let sub = (index % SUB_BUCKET_HALF_COUNT) + SUB_BUCKET_HALF_COUNT;
  if (bucket < 0) {
    sub -= SUB_BUCKET_HALF_COUNT;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

/** The highest value equivalent to those at `index`: what HDR reports for a percentile. */
export function hdrHighestEquivalent(index: number): number {
  let bucket = Math.floor(index / SUB_BUCKET_HALF_COUNT) - 1;
  let sub = (index % SUB_BUCKET_HALF_COUNT) + SUB_BUCKET_HALF_COUNT;
  if (bucket < 0) {
    sub -= SUB_BUCKET_HALF_COUNT;
    bucket = 0;
  }
  return (sub + 1) * 2 ** bucket - 1;
}

/**
 * The values HDR cannot tell apart from `us` (microseconds): the lowest and highest value
 * of its counts slot. A percentile read from the histogram is only known to lie in there,
 * e.g. 200.000 ms and 200.001 ms both fall in 199.936 .. 200.063 ms (slot width 128 µs).
 */
export function hdrEquivalentRange(us: number): { lowestUs: number; highestUs: number } {
  const i = hdrIndex(clampMicros(us * 1000));
  return { lowestUs: hdrValueFromIndex(i), highestUs: hdrHighestEquivalent(i) };
}

function ulp(x: number): number {
  return 2 ** (Math.floor(Math.log2(x)) - 52);
}

/**
 * Values at several percentiles (0 < p <= 100, ascending) in one pass over `counts`, with
 * the library's rounding: the count at a percentile is rounded up, so p99 of 100 samples is
 * the 99th smallest. Writes microseconds into `out`; returns false when `total` is 0.
 */
export function hdrPercentiles(
  counts: ArrayLike<number>,
  total: number,
  percentiles: readonly number[],
  out: Float64Array,
): boolean {
  if (total <= 0) return false;
  let p = 0;
  let target = countAtPercentile(percentiles[0]!, total);
  let running = 0;
  for (let i = 0; i < counts.length && p < percentiles.length; i++) {
    const c = counts[i]!;
    if (c === 0) continue;
    running += c;
    while (p < percentiles.length && running >= target) {
      out[p] = hdrHighestEquivalent(i);
      p++;
      if (p < percentiles.length) target = countAtPercentile(percentiles[p]!, total);
    }
  }
  // Only reachable if `total` overstates the counts; report the top of the range then.
  for (; p < percentiles.length; p++) out[p] = HDR_HIGHEST_TRACKABLE;
  return true;
}

function countAtPercentile(percentile: number, total: number): number {
  const fp = (Math.min(percentile, 100) / 100) * total;
  return Math.max(Math.ceil(fp - ulp(fp)), 1);
}

/** Index of the highest non-zero count, or -1. */
export function hdrMaxIndex(counts: ArrayLike<number>): number {
  for (let i = counts.length - 1; i >= 0; i--) if (counts[i]! !== 0) return i;
  return -1;
}

/** Exact p99 in ms (HDR, the library's percentile rule) over `routes`, or undefined without samples. */
export function hdrP99Ms(
  perRoute: ReadonlyMap<string, Float64Array>,
  routes: readonly string[],
): number | undefined {
  const present = routes.map((r) => perRoute.get(r)).filter((c): c is Float64Array => c !== undefined);
  if (present.length === 0) return undefined;
  let counts = present[0]!;
  if (present.length > 1) {
    counts = new Float64Array(HDR_COUNTS_LENGTH);
    for (const c of present) for (let i = 0; i < c.length; i++) counts[i]! += c[i]!;
  }
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  const out = new Float64Array(1);
  return hdrPercentiles(counts, total, [99], out) ? out[0]! / 1000 : undefined;
}
