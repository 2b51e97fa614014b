/**
 * Hourly HDR histograms of SLI latency as stored: the non-zero cells of a counts array in
 * the layout of telemetry/hdr-layout.ts (microseconds, 1 µs .. 10 min, 3 significant
 * digits; the same cells hdr-histogram-js uses), written as (index gap, count) pairs in the
 * encoding of codec.ts.
 *
 * Why not hdr-histogram-js `encodeIntoCompressedBase64` (measured, Node 20, one hour of
 * 100k samples): 6.3 kB per histogram, 0.6 ms to encode, 0.17 ms to decode plus 0.5 ms to
 * add into a month total, and 40 ms per decode with the `packed` bucket size. A month's
 * report reads 720 hours x every route: ~10 s. The sparse cells of such an hour are ~1 kB
 * and merge in microseconds, and `hdrPercentiles` reads the merged array with the
 * library's own percentile rule.
 */
import { HDR_COUNTS_LENGTH } from '../telemetry/hdr-layout.js';
import { decodeCounts, encodeCounts } from './codec.js';

/** The non-zero cells of an HDR counts array. */
export function encodeHdrCounts(counts: ArrayLike<number>): string {
  const pairs: number[] = [];
  let last = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] as number;
    if (c > 0) {
      pairs.push(i - last, c);
      last = i;
    }
  }
  return encodeCounts(pairs);
}

/**
 * Adds encoded cells into `target` (length HDR_COUNTS_LENGTH). Returns the number of samples
 * added; text that does not decode, or cells out of range, add nothing.
 */
export function addHdrCounts(text: string, target: Float64Array): number {
  const pairs = decodeCounts(text);
  if (!pairs || pairs.length % 2 !== 0) return 0;
  let index = 0;
  for (let i = 0; i < pairs.length; i += 2) {
    index += pairs[i] as number;
    if (index >= target.length) return 0;
  }
  index = 0;
  let added = 0;
  for (let i = 0; i < pairs.length; i += 2) {
    index += pairs[i] as number;
    const c = pairs[i + 1] as number;
    target[index] = (target[index] as number) + c;
    added += c;
  }
  return added;
}

export function newHdrCounts(): Float64Array {
  return new Float64Array(HDR_COUNTS_LENGTH);
}
