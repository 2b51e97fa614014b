/**
 * Per-minute, per-route counts: what the live recorder flushes, what replay produces from
 * access logs, what the store keeps and what the SLO engine reads. One shape for all.
 */
export interface MinuteRollup {
  /** Epoch minute: Math.floor(epochMs / 60_000). */
  readonly minute: number;
  readonly route: string;
  readonly total: number;
  readonly good: number;
  readonly bad: number;
  readonly excluded: number;
  /** Requests slower than the route's latency objective (0 when it has none). */
  readonly slow: number;
  /** Distinct requests answered with a timeslice error status (HTTP 500 by default). */
  readonly errors: number;
  /** Distinct requests (method, target, body digest); equals total when de-duplication is off. */
  readonly distinct: number;
  /** SLI latency counts per bucket of the shared bucket bounds (non-cumulative, last is +Inf). */
  readonly buckets: readonly number[];
}
