/**
 * The store's reads: minute rollups over a half-open range `[fromMinute, toMinute)` in epoch
 * minutes, rebuilt from hourly rows below the pruned mark (compact.ts), and the hourly SLI
 * latency histograms merged per route. store.ts wraps them (closed store, damaged file,
 * StoreError); these only read.
 */
import type { MinuteRollup } from '../telemetry/rollup.js';
import type { CompactionMarks } from './compact.js';
import { addHdrCounts, newHdrCounts } from './histograms.js';
import { expandHourRow, MINUTES_PER_HOUR, rollupOfMinuteRow, type StoredRow } from './hour-rollups.js';
import type { RouteKeys } from './route-keys.js';
import type { Statements } from './statements.js';

/** Minute rollups ordered by minute: method series only when `methods`, else routes only. */
export function readMinuteRows(
  st: Statements,
  keys: RouteKeys,
  marks: CompactionMarks,
  fromMinute: number,
  toMinute: number,
  methods: boolean,
): MinuteRollup[] {
  const out: MinuteRollup[] = [];
  if (fromMinute < marks.prunedBefore) {
    const end = Math.min(toMinute, marks.prunedBefore);
    const rows = st.selectHours.all(
      Math.floor(fromMinute / MINUTES_PER_HOUR),
      Math.ceil(end / MINUTES_PER_HOUR),
    ) as StoredRow[];
    for (const row of rows) {
      const name = keys.nameOfKind(st, row[1] as number, methods);
      if (name !== undefined) expandHourRow(row, name, fromMinute, end, out);
    }
    out.sort((a, b) => a.minute - b.minute);
  }
  const from = Math.max(fromMinute, marks.prunedBefore);
  if (from < toMinute) {
    for (const row of st.selectMinutes.iterate(from, toMinute) as Iterable<StoredRow>) {
      const name = keys.nameOfKind(st, row[1] as number, methods);
      if (name !== undefined) out.push(rollupOfMinuteRow(row, name));
    }
  }
  return out;
}

/**
 * Adds into `out` (route -> HDR counts) every hour's histogram that overlaps
 * [fromMinute, toMinute); `select` is the statement of a store that has the table.
 */
export function addLatencyHistograms(
  st: Statements,
  select: NonNullable<Statements['selectHistograms']>,
  keys: RouteKeys,
  fromMinute: number,
  toMinute: number,
  out: Map<string, Float64Array>,
): Map<string, Float64Array> {
  const from = Math.floor(fromMinute / MINUTES_PER_HOUR);
  const to = Math.ceil(toMinute / MINUTES_PER_HOUR);
  for (const r of select.iterate(from, to) as Iterable<{ route_id: number; histogram: string }>) {
    const route = keys.nameOf(st, r.route_id);
    let counts = out.get(route);
    if (!counts) {
      counts = newHdrCounts();
      out.set(route, counts);
    }
    addHdrCounts(r.histogram, counts);
  }
  return out;
}
