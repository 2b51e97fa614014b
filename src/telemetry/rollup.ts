/**
 * Per-minute, per-route counts: what the live recorder flushes, what replay produces from
 * access logs, what the store keeps and what the SLO engine reads. One shape for all, and
 * the one place that lists the counters and says how a request is counted: every other
 * module (minute books, replay rows, store columns, hour rollups, recent-minute cache,
 * runtime merge) iterates over `ROLLUP_COUNTERS` or calls `countRequest`.
 */
import { BAD, EXCLUDED, GOOD } from './classify.js';

/**
 * The counters, in the order of every packed layout (typed-array rows, the store's column
 * order, the per-minute detail of hourly rows). Append only: the store's shipped
 * migrations name these columns (store/schema.ts derives them from this list and a test
 * pins what shipped), so a new counter needs a migration that adds its column.
 *
 * - total: every request.
 * - good / bad / excluded: its classify() outcome (docs/sla-definitions.md#availability-occurrences,
 *   #abandoned-requests).
 * - slow: slower than the route's latency objective (docs/sla-definitions.md#latency-objectives).
 * - errors / distinct: the timeslice API Error Rate's numerator and denominator
 *   (docs/sla-definitions.md#timeslice-error-rate, #repeated-requests).
 */
export const ROLLUP_COUNTERS = ['total', 'good', 'bad', 'excluded', 'slow', 'errors', 'distinct'] as const;

export type RollupCounter = (typeof ROLLUP_COUNTERS)[number];

/** Number of counters: the width of the counter part of every packed row. */
export const COUNTERS = ROLLUP_COUNTERS.length;

// Offsets into a packed counter row, derived from the list so the two cannot disagree.
export const C_TOTAL = ROLLUP_COUNTERS.indexOf('total');
export const C_GOOD = ROLLUP_COUNTERS.indexOf('good');
export const C_BAD = ROLLUP_COUNTERS.indexOf('bad');
export const C_EXCLUDED = ROLLUP_COUNTERS.indexOf('excluded');
export const C_SLOW = ROLLUP_COUNTERS.indexOf('slow');
export const C_ERRORS = ROLLUP_COUNTERS.indexOf('errors');
export const C_DISTINCT = ROLLUP_COUNTERS.indexOf('distinct');

/**
 * Probe traffic (src/probes) is counted in rollups of its own, keyed `<route>~synthetic`
 * (`~` is not allowed in a route name, so no real route can collide). Everything that
 * reads rollups therefore sees the merchant's own traffic alone unless it asks for probes:
 * the SLA figures leave them out by default, an SLO with `include_synthetic` maps the key
 * back to its route (slo/ingest.ts), and downtime detection folds them in with
 * `withSynthetic` (docs/sla-definitions.md#no-traffic: a probe keeps a quiet route from
 * being blind).
 */
export const SYNTHETIC_ROUTE_SUFFIX = '~synthetic';

/** The rollup key of a route's probe traffic. */
export function syntheticRouteKey(route: string): string {
  return `${route}${SYNTHETIC_ROUTE_SUFFIX}`;
}

/** The route a rollup key belongs to, and whether the key is its probe traffic. */
export function routeOfKey(key: string): { route: string; synthetic: boolean } {
  return key.endsWith(SYNTHETIC_ROUTE_SUFFIX)
    ? { route: key.slice(0, -SYNTHETIC_ROUTE_SUFFIX.length), synthetic: true }
    : { route: key, synthetic: false };
}

/**
 * The hook for downtime detection ("in for downtime detection" by default): the same rows
 * with each route's probe rows added into its own row of the same minute, so a consumer
 * that reads per-route minutes sees probe requests as requests of the route they probe.
 */
export function withSynthetic(rows: readonly MinuteRollup[]): MinuteRollup[] {
  const out = new Map<string, MinuteRollup>();
  for (const r of rows) {
    const { route } = routeOfKey(r.route);
    const key = `${r.minute} ${route}`;
    const own = r.route === route ? r : rollupFromRow(r.minute, route, rowOf(r), 0, r.buckets);
    const before = out.get(key);
    out.set(key, before === undefined ? own : addRollups(before, own));
  }
  return [...out.values()];
}

/** Keeps only the merchant's own rows (what the SLA figures read). */
export function withoutSynthetic(rows: readonly MinuteRollup[]): MinuteRollup[] {
  return rows.filter((r) => !r.route.endsWith(SYNTHETIC_ROUTE_SUFFIX));
}

function rowOf(r: RollupCounts): Float64Array {
  const row = new Float64Array(COUNTERS);
  writeCounters(r, row, 0);
  return row;
}

/** The store column of each counter (`distinct` is an SQL keyword). */
export const COUNTER_COLUMNS: { readonly [K in RollupCounter]: string } = {
  total: 'total',
  good: 'good',
  bad: 'bad',
  excluded: 'excluded',
  slow: 'slow',
  errors: 'errors',
  distinct: 'distinct_requests',
};

export type RollupCounts = { readonly [K in RollupCounter]: number };

export interface MinuteRollup extends RollupCounts {
  /** Epoch minute: Math.floor(epochMs / 60_000). */
  readonly minute: number;
  readonly route: string;
  /** SLI latency counts per bucket of the shared bucket bounds (non-cumulative, last is +Inf). */
  readonly buckets: readonly number[];
}

/** A writable counter row: Float64Array in the live book, Uint32Array in replay rows. */
export type CounterRow = { [index: number]: number };

/**
 * The per-request counting rule, the only copy (the live minute book and replay both call
 * it). `firstCopy` is false for a repeat of a request already seen in this minute (same
 * digest, docs/sla-definitions.md#repeated-requests): a repeat counts in total, the
 * outcome, slow and the latency buckets like any request (availability and latency count
 * occurrences), but not at all in the API Error Rate. "API Requests without distinct
 * parameters, e.g. repeated identical API requests, will not count towards the API Error
 * Rate": the distinct request takes the status of its first copy, so neither a retried
 * 500 that later succeeded nor a re-sent success that later failed moves `errors`.
 */
export function countRequest(
  c: CounterRow,
  base: number,
  outcome: number,
  slow: boolean,
  errorStatus: boolean,
  firstCopy: boolean,
): void {
  c[base + C_TOTAL]!++;
  if (outcome === GOOD) c[base + C_GOOD]!++;
  else if (outcome === BAD) c[base + C_BAD]!++;
  else if (outcome === EXCLUDED) c[base + C_EXCLUDED]!++;
  if (slow) c[base + C_SLOW]!++;
  if (!firstCopy) return;
  c[base + C_DISTINCT]!++;
  if (errorStatus) c[base + C_ERRORS]!++;
}

/** A rollup from a packed counter row (`counters[at]` .. `counters[at + COUNTERS - 1]`). */
export function rollupFromRow(
  minute: number,
  route: string,
  counters: ArrayLike<number>,
  at: number,
  buckets: readonly number[],
): MinuteRollup {
  return {
    minute,
    route,
    total: counters[at + C_TOTAL]!,
    good: counters[at + C_GOOD]!,
    bad: counters[at + C_BAD]!,
    excluded: counters[at + C_EXCLUDED]!,
    slow: counters[at + C_SLOW]!,
    errors: counters[at + C_ERRORS]!,
    distinct: counters[at + C_DISTINCT]!,
    buckets,
  };
}

/** Writes `r`'s counters into `out` from `at`, in list order. */
export function writeCounters(r: RollupCounts, out: CounterRow, at: number): void {
  // Spelled out, like rollupFromRow and readCounters below (and only here): a loop over the
  // names is a megamorphic keyed access, measurable when a restart re-reads 2 M rollups.
  out[at + C_TOTAL] = r.total;
  out[at + C_GOOD] = r.good;
  out[at + C_BAD] = r.bad;
  out[at + C_EXCLUDED] = r.excluded;
  out[at + C_SLOW] = r.slow;
  out[at + C_ERRORS] = r.errors;
  out[at + C_DISTINCT] = r.distinct;
}

export type MutableCounts = { -readonly [K in RollupCounter]: number };

/** Reads a packed counter row into `v` (a reused view, so nothing is allocated). */
export function readCounters(counters: ArrayLike<number>, at: number, v: MutableCounts): void {
  v.total = counters[at + C_TOTAL]!;
  v.good = counters[at + C_GOOD]!;
  v.bad = counters[at + C_BAD]!;
  v.excluded = counters[at + C_EXCLUDED]!;
  v.slow = counters[at + C_SLOW]!;
  v.errors = counters[at + C_ERRORS]!;
  v.distinct = counters[at + C_DISTINCT]!;
}

/** `r`'s counters as a plain array, in list order (store statement parameters). */
export function counterValues(r: RollupCounts): number[] {
  const out = new Array<number>(COUNTERS);
  writeCounters(r, out, 0);
  return out;
}

/** Two rollups of the same minute and route added together (e.g. two recorders across a reload). */
export function addRollups(a: MinuteRollup, b: MinuteRollup): MinuteRollup {
  const n = Math.max(a.buckets.length, b.buckets.length);
  const buckets = new Array<number>(n);
  for (let i = 0; i < n; i++) buckets[i] = (a.buckets[i] ?? 0) + (b.buckets[i] ?? 0);
  const sum = new Float64Array(COUNTERS);
  writeCounters(a, sum, 0);
  const more = new Float64Array(COUNTERS);
  writeCounters(b, more, 0);
  for (let i = 0; i < COUNTERS; i++) sum[i]! += more[i]!;
  return rollupFromRow(a.minute, a.route, sum, 0, buckets);
}
