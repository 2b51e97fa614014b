/**
 * Hourly rollups: the sum of an hour's minute rows per route, plus each active minute's
 * counters (see schema.ts for why), and the reverse: minute rollups rebuilt from an
 * hourly row once the minute rows are gone.
 */
import type { MinuteRollup } from '../telemetry/rollup.js';
import { decodeCounts, encodeCounts } from './codec.js';

export const MINUTES_PER_HOUR = 60;

/** A stored minute row with its route id (as read from `minute_rollups`). */
export interface MinuteRow {
  readonly minute: number;
  readonly route_id: number;
  readonly total: number;
  readonly good: number;
  readonly bad: number;
  readonly excluded: number;
  readonly slow: number;
  readonly errors: number;
  readonly distinct_requests: number;
  readonly buckets: string;
}

/** A stored hour row: the minute row's counters summed, plus each active minute's counters. */
export interface HourRow extends Omit<MinuteRow, 'minute'> {
  readonly hour: number;
  readonly minutes: string;
}

/** Numbers per active minute in `hour_rollups.minutes`: offset then the 7 counters. */
const MINUTE_FIELDS = 8;

function addInto(sum: number[], add: readonly number[]): void {
  for (let i = 0; i < add.length; i++) sum[i] = (sum[i] ?? 0) + (add[i] as number);
}

/** Sums one hour's minute rows (any order, any routes) into one row per route. */
export function buildHourRows(hour: number, rows: readonly MinuteRow[]): HourRow[] {
  const byRoute = new Map<number, MinuteRow[]>();
  for (const r of rows) {
    let list = byRoute.get(r.route_id);
    if (!list) {
      list = [];
      byRoute.set(r.route_id, list);
    }
    list.push(r);
  }
  const out: HourRow[] = [];
  const first = hour * MINUTES_PER_HOUR;
  for (const [routeId, list] of byRoute) {
    list.sort((a, b) => a.minute - b.minute);
    let total = 0;
    let good = 0;
    let bad = 0;
    let excluded = 0;
    let slow = 0;
    let errors = 0;
    let distinct = 0;
    const buckets: number[] = [];
    const minutes: number[] = [];
    for (const r of list) {
      total += r.total;
      good += r.good;
      bad += r.bad;
      excluded += r.excluded;
      slow += r.slow;
      errors += r.errors;
      distinct += r.distinct_requests;
      addInto(buckets, decodeCounts(r.buckets) ?? []);
      minutes.push(
        r.minute - first,
        r.total,
        r.good,
        r.bad,
        r.excluded,
        r.slow,
        r.errors,
        r.distinct_requests,
      );
    }
    out.push({
      hour,
      route_id: routeId,
      total,
      good,
      bad,
      excluded,
      slow,
      errors,
      distinct_requests: distinct,
      buckets: encodeCounts(buckets),
      minutes: encodeCounts(minutes),
    });
  }
  return out;
}

/**
 * Minute rollups of one hourly row inside [fromMinute, toMinute). Every counter is exact
 * per minute; the hour's latency buckets go to its first minute in the range, so sums
 * over whole hours stay exact and only the minute placement of buckets is lost.
 */
export function expandHourRow(
  row: HourRow,
  route: string,
  fromMinute: number,
  toMinute: number,
  out: MinuteRollup[],
): void {
  const detail = decodeCounts(row.minutes);
  if (!detail) return;
  const hourBuckets = decodeCounts(row.buckets) ?? [];
  let placed = false;
  const first = row.hour * MINUTES_PER_HOUR;
  for (let i = 0; i + MINUTE_FIELDS <= detail.length; i += MINUTE_FIELDS) {
    const minute = first + (detail[i] as number);
    if (minute < fromMinute || minute >= toMinute) continue;
    out.push({
      minute,
      route,
      total: detail[i + 1] as number,
      good: detail[i + 2] as number,
      bad: detail[i + 3] as number,
      excluded: detail[i + 4] as number,
      slow: detail[i + 5] as number,
      errors: detail[i + 6] as number,
      distinct: detail[i + 7] as number,
      buckets: placed ? new Array<number>(hourBuckets.length).fill(0) : hourBuckets,
    });
    placed = true;
  }
}
