/**
 * Hourly rollups: the sum of an hour's minute rows per route, plus each active minute's
 * counters (see schema.ts for why), and the reverse: minute rollups rebuilt from an
 * hourly row once the minute rows are gone.
 */
import { COUNTERS, type MinuteRollup, rollupFromRow } from '../telemetry/rollup.js';
import { decodeCounts, encodeCounts } from './codec.js';

export const MINUTES_PER_HOUR = 60;

/**
 * A stored row as statements.ts selects it (`.raw()`): the key columns, the counters in
 * telemetry/rollup.ts order, then the encoded buckets (and, for hours, the minute detail).
 * Positional, so no module but rollup.ts names the counters.
 */
export type StoredRow = readonly (number | string)[];

/** Offset of the first counter in a stored row (after minute|hour and route_id). */
export const ROW_COUNTERS_AT = 2;
/** Offset of the encoded buckets in a stored row. */
export const ROW_BUCKETS_AT = ROW_COUNTERS_AT + COUNTERS;
/** Offset of the encoded minute detail in a stored hour row. */
export const ROW_MINUTES_AT = ROW_BUCKETS_AT + 1;

/** Numbers per active minute in `hour_rollups.minutes`: offset then the counters. */
const MINUTE_FIELDS = 1 + COUNTERS;

function addInto(sum: number[], add: readonly number[]): void {
  for (let i = 0; i < add.length; i++) sum[i] = (sum[i] ?? 0) + (add[i] as number);
}

/** One hour row to insert: hour, route_id, the summed counters, buckets, minute detail. */
export function buildHourRows(hour: number, rows: readonly StoredRow[]): (number | string)[][] {
  const byRoute = new Map<number, StoredRow[]>();
  for (const r of rows) {
    const routeId = r[1] as number;
    let list = byRoute.get(routeId);
    if (!list) {
      list = [];
      byRoute.set(routeId, list);
    }
    list.push(r);
  }
  const out: (number | string)[][] = [];
  const first = hour * MINUTES_PER_HOUR;
  for (const [routeId, list] of byRoute) {
    list.sort((a, b) => (a[0] as number) - (b[0] as number));
    const sums = new Array<number>(COUNTERS).fill(0);
    const buckets: number[] = [];
    const minutes: number[] = [];
    for (const r of list) {
      minutes.push((r[0] as number) - first);
      for (let k = 0; k < COUNTERS; k++) {
        const v = r[ROW_COUNTERS_AT + k] as number;
        sums[k]! += v;
        minutes.push(v);
      }
      addInto(buckets, decodeCounts(r[ROW_BUCKETS_AT] as string) ?? []);
    }
    out.push([hour, routeId, ...sums, encodeCounts(buckets), encodeCounts(minutes)]);
  }
  return out;
}

/** A stored minute row as a rollup of `route`. */
export function rollupOfMinuteRow(row: StoredRow, route: string): MinuteRollup {
  return rollupFromRow(
    row[0] as number,
    route,
    row as readonly number[],
    ROW_COUNTERS_AT,
    decodeCounts(row[ROW_BUCKETS_AT] as string) ?? [],
  );
}

/**
 * Minute rollups of one hourly row inside [fromMinute, toMinute). Every counter is exact
 * per minute; the hour's latency buckets go to its first minute in the range, so sums
 * over whole hours stay exact and only the minute placement of buckets is lost.
 */
export function expandHourRow(
  row: StoredRow,
  route: string,
  fromMinute: number,
  toMinute: number,
  out: MinuteRollup[],
): void {
  const detail = decodeCounts(row[ROW_MINUTES_AT] as string);
  if (!detail) return;
  const hourBuckets = decodeCounts(row[ROW_BUCKETS_AT] as string) ?? [];
  let placed = false;
  const first = (row[0] as number) * MINUTES_PER_HOUR;
  for (let i = 0; i + MINUTE_FIELDS <= detail.length; i += MINUTE_FIELDS) {
    const minute = first + (detail[i] as number);
    if (minute < fromMinute || minute >= toMinute) continue;
    const buckets = placed ? new Array<number>(hourBuckets.length).fill(0) : hourBuckets;
    out.push(rollupFromRow(minute, route, detail, i + 1, buckets));
    placed = true;
  }
}
