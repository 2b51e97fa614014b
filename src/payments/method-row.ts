/**
 * One minute of a payment-method series as a slice of a Float64Array: the layout and the
 * counting rule shared by the live per-method recorder (method-recorder.ts) and replay's
 * backfill (replay/method-minutes.ts), so both write the same `~method:` rows.
 */
import { BAD, EXCLUDED, GOOD } from '../telemetry/classify.js';
import type { MinuteRollup } from '../telemetry/rollup.js';

const F_TOTAL = 0;
const F_GOOD = 1;
const F_BAD = 2;
const F_EXCLUDED = 3;
const F_SLOW = 4;
const F_ERRORS = 5;
/** Requests the upstream never answered (live only: the access log cannot tell them apart). */
export const F_UNREACHABLE = 6;
/** Slots per series in a minute row. */
export const METHOD_FIELDS = 7;

const NO_BUCKETS: readonly number[] = Object.freeze([]);

/**
 * Counts one request at `at` (series index * METHOD_FIELDS). An excluded request is neither
 * slow nor an error; `error` is a timeslice error status or a failure the sidecar answered.
 */
export function countMethodRequest(
  row: Float64Array,
  at: number,
  outcome: number,
  slow: boolean,
  error: boolean,
): void {
  row[at + F_TOTAL]!++;
  if (outcome === GOOD) row[at + F_GOOD]!++;
  else if (outcome === BAD) row[at + F_BAD]!++;
  else if (outcome === EXCLUDED) row[at + F_EXCLUDED]!++;
  if (outcome !== EXCLUDED) {
    if (slow) row[at + F_SLOW]!++;
    if (error) row[at + F_ERRORS]!++;
  }
}

/** The series' rollup of that minute (route = series name); undefined when it saw nothing. */
export function methodRollup(
  row: Float64Array,
  at: number,
  minute: number,
  route: string,
): MinuteRollup | undefined {
  const total = row[at + F_TOTAL]!;
  if (total === 0) return undefined;
  return {
    minute,
    route,
    total,
    good: row[at + F_GOOD]!,
    bad: row[at + F_BAD]!,
    excluded: row[at + F_EXCLUDED]!,
    slow: row[at + F_SLOW]!,
    errors: row[at + F_ERRORS]!,
    // Repeats are not de-duplicated per method: every request but an excluded one counts.
    distinct: total - row[at + F_EXCLUDED]!,
    buckets: NO_BUCKETS,
  };
}
