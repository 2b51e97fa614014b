/**
 * How one route's minute rollup contributes to one SLO: the (bad, valid, total) triple the
 * engine adds to the SLO's series. Resolved once per (route, SLO) at construction so ingest
 * only does arithmetic.
 *
 * - Availability, occurrences (docs/sla-definitions.md#availability-occurrences): "A% = SR / R * 100", SR = responses with 2xx,
 *   3xx and 4xx. bad = 5xx and proxy failures, valid = good + bad; a request the client
 *   abandoned is `excluded` and counts nowhere.
 * - Availability, timeslices (docs/sla-definitions.md#timeslice-error-rate): bad = distinct requests answered with an error status
 *   (HTTP 500), valid = distinct requests ("repeated identical API requests will not count").
 * - Latency (either method): valid = requests that got upstream response headers (the sum of
 *   the latency buckets), bad = those slower than the threshold.
 */
import type { ResolvedRoute, SloDefinition } from '../config/types.js';
import type { MinuteRollup } from '../telemetry/rollup.js';

export const MODE_AVAILABILITY = 0;
export const MODE_TIMESLICE_ERRORS = 1;
export const MODE_LATENCY = 2;

export interface RouteTerm {
  /** Index of the SLO in the engine. */
  readonly slo: number;
  readonly mode: number;
  /**
   * Latency only: first bucket index counted as slow, or -1 to read `rollup.slow` (the
   * threshold is the route's own objective, which the recorder already counts).
   */
  readonly slowFromBucket: number;
}

/** Scratch output, reused across calls. */
export interface Contribution {
  bad: number;
  valid: number;
  total: number;
}

const SECOND_MS = 1000;

/**
 * Index of the first bucket above `thresholdMs`. Every configured objective is exactly one
 * bound; a threshold that is not (an `slos:` entry with its own number) uses the first bound
 * above it, which can only under-count slow requests, and the report says p99 is an estimate.
 */
export function slowFromBucket(bucketBoundsSeconds: readonly number[], thresholdMs: number): number {
  for (let i = 0; i < bucketBoundsSeconds.length; i++) {
    if (bucketBoundsSeconds[i]! * SECOND_MS >= thresholdMs - 1e-9) return i + 1;
  }
  return bucketBoundsSeconds.length;
}

export function routeTerm(
  sloIndex: number,
  slo: SloDefinition,
  route: ResolvedRoute | undefined,
  bucketBoundsSeconds: readonly number[],
): RouteTerm | undefined {
  if (slo.sli === 'availability') {
    const mode = slo.method === 'timeslices' ? MODE_TIMESLICE_ERRORS : MODE_AVAILABILITY;
    return { slo: sloIndex, mode, slowFromBucket: -1 };
  }
  const threshold = slo.latency?.thresholdMs ?? route?.latency?.thresholdMs;
  // A latency SLO over a route without any objective has nothing to measure there.
  if (threshold === undefined) return undefined;
  const own = route?.latency?.thresholdMs === threshold;
  return {
    slo: sloIndex,
    mode: MODE_LATENCY,
    slowFromBucket: own ? -1 : slowFromBucket(bucketBoundsSeconds, threshold),
  };
}

/** A count from outside: NaN, infinite, negative or missing reads as 0 (Math.max passes NaN through). */
function n(x: number): number {
  return Number.isFinite(x) && x > 0 ? x : 0;
}

/**
 * Writes the rollup's contribution into `out`. Inside an accepted maintenance window the
 * requests still count in `total` (so they show up as excluded) but in no SLI.
 */
export function contribute(
  r: MinuteRollup,
  term: RouteTerm,
  inMaintenance: boolean,
  out: Contribution,
): void {
  out.total = n(r.total);
  if (inMaintenance) {
    out.bad = 0;
    out.valid = 0;
    return;
  }
  if (term.mode === MODE_AVAILABILITY) {
    out.bad = n(r.bad);
    out.valid = n(r.good) + out.bad;
    return;
  }
  if (term.mode === MODE_TIMESLICE_ERRORS) {
    out.valid = n(r.distinct);
    out.bad = Math.min(n(r.errors), out.valid);
    return;
  }
  let valid = 0;
  let slow = 0;
  const b = r.buckets;
  for (let i = 0; i < b.length; i++) {
    const c = n(b[i]!);
    valid += c;
    if (term.slowFromBucket >= 0 && i >= term.slowFromBucket) slow += c;
  }
  if (term.slowFromBucket < 0) slow = n(r.slow);
  out.valid = valid;
  // Bad is capped by the minute's requests, not by its buckets: a minute rebuilt from an
  // hourly row (store/hour-rollups.ts) keeps its exact `slow` while the hour's buckets sit
  // in its first minute, and capping by buckets lost every slow request of the other 59
  // (found by test/replay/live-vs-replay.test.ts). Over whole hours valid and bad are exact.
  out.bad = Math.min(slow, Math.max(valid, n(r.good) + n(r.bad)));
}
