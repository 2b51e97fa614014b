/**
 * `replay --into-store`: a replay's rollups written into the embedded store the way the
 * sidecar writes them (minute rollups, hourly HDR histograms of SLI latency), so a sidecar
 * started afterwards and `sloprobe report` see the replayed months.
 *
 * - The store is opened as its one writer (store/lock.ts): with a sidecar running on the
 *   same data directory the backfill is refused, never interleaved with live writes.
 * - Payment-method minutes go in under the store's `~method:` keys, as the live sidecar
 *   writes them (method-minutes.ts says how they are counted), when the replay counted them.
 * - Each backfill records its minute range in `store_state` (`replayed_range:<from>` =
 *   `<to>`, epoch minutes; no schema change). A second replay overlapping a recorded range
 *   is refused: its counts would replace or add to the first one's without a word. With
 *   `replace`, the overlapping ranges' rows (minutes, the hours they touch, their latency
 *   histograms) are deleted first and the new range recorded instead.
 */

import type { ResolvedConfig } from '../config/types.js';
import { StoreError, UsageError } from '../errors.js';
import { Store } from '../store/store.js';
import { HOUR_MS, MINUTE_MS } from '../time.js';
import type { ReplayResult } from './replay.js';

const KEY_PREFIX = 'replayed_range:';
const MINUTES_PER_HOUR = 60;

export interface ReplayedRange {
  /** Epoch minutes, [from, to). */
  readonly from: number;
  readonly to: number;
}

export interface BackfillResult {
  readonly dataDir: string;
  readonly range: ReplayedRange;
  readonly minuteRows: number;
  /** Payment-method minutes (`~method:` keys, the status page's per-method bars). */
  readonly methodRows: number;
  readonly histogramRows: number;
  /** Ranges deleted first (`replace`). */
  readonly replaced: readonly ReplayedRange[];
  /** What the store logged while writing (e.g. rows older than its minute retention). */
  readonly warnings: readonly string[];
}

function iso(minute: number): string {
  return new Date(minute * MINUTE_MS).toISOString().replace(':00.000Z', 'Z');
}

export function describeRange(r: ReplayedRange): string {
  return `${iso(r.from)} to ${iso(r.to)}`;
}

/** Ranges recorded by earlier backfills. */
export function replayedRanges(store: Store): ReplayedRange[] {
  const rows = store.database
    .prepare('SELECT key, value FROM store_state WHERE key LIKE ?')
    .all(`${KEY_PREFIX}%`) as { key: string; value: number }[];
  return rows
    .map((r) => ({ from: Number(r.key.slice(KEY_PREFIX.length)), to: r.value }))
    .sort((a, b) => a.from - b.from);
}

function deleteRange(store: Store, r: ReplayedRange): void {
  const db = store.database;
  const fromHour = Math.floor(r.from / MINUTES_PER_HOUR);
  const toHour = Math.ceil(r.to / MINUTES_PER_HOUR);
  db.prepare('DELETE FROM minute_rollups WHERE minute >= ? AND minute < ?').run(r.from, r.to);
  db.prepare('DELETE FROM hour_rollups WHERE hour >= ? AND hour < ?').run(fromHour, toHour);
  db.prepare('DELETE FROM hour_latency_hdr WHERE hour >= ? AND hour < ?').run(fromHour, toHour);
  db.prepare('DELETE FROM store_state WHERE key = ?').run(`${KEY_PREFIX}${r.from}`);
}

/**
 * Writes `result` (replayed with `histogramsBy: 'hour'`) into the store under `dataDir`.
 * Throws UsageError for an overlap without `replace`, StoreError when the store is locked or
 * cannot be written.
 */
export function backfillStore(
  cfg: ResolvedConfig,
  result: ReplayResult,
  dataDir: string,
  options: { replace?: boolean; now?: () => number } = {},
): BackfillResult {
  const span = result.rollups.minuteSpan;
  if (!span) throw new UsageError('no request lines to write into the store');
  const range: ReplayedRange = { from: span.first, to: span.last + 1 };
  const warnings: string[] = [];
  const store = Store.open(
    { ...cfg.store, dataDir },
    (msg, fields) => {
      if (fields.severity !== 'info') warnings.push(`${msg} ${JSON.stringify(fields)}`);
    },
    { now: options.now },
  );
  try {
    const overlapping = replayedRanges(store).filter((r) => r.from < range.to && range.from < r.to);
    if (overlapping.length > 0 && !options.replace) {
      throw new UsageError(
        `the store in ${dataDir} already holds a replay of ${overlapping.map(describeRange).join(', ')}, which overlaps this one (${describeRange(range)}); give --replace to replace it, or --from/--to to replay only the rest`,
      );
    }
    store.transaction(() => {
      for (const r of overlapping) deleteRange(store, r);
    });
    let minuteRows = 0;
    let methodRows = 0;
    const methods = result.rollups.methods;
    for (let m = range.from; m < range.to; m += 1440) {
      const rows = result.rollups.readRollups(m, Math.min(range.to, m + 1440));
      store.writeRollups(rows);
      minuteRows += rows.length;
      if (methods) {
        const perMethod = methods.read(m, Math.min(range.to, m + 1440));
        store.writeMethodRollups(perMethod);
        methodRows += perMethod.length;
      }
    }
    if (methods && methods.unattributed.length > 0) {
      warnings.push(
        `no payment-method minutes for ${methods.unattributed.join(', ')}: their method is read per request from a header or the query, which the access log does not keep`,
      );
    }
    if (store.pendingRows > 0)
      throw new StoreError(`cannot write the rollups into ${store.file} (${warnings.join('; ')})`);
    let histogramRows = 0;
    for (const startMs of result.rollups.histogramRanges()) {
      const perRoute = result.rollups.readLatencyHistograms(startMs);
      const hour = Math.floor(startMs / HOUR_MS);
      const rows = [...perRoute].map(([route, counts]) => ({ hour, route, counts }));
      store.writeLatencyHistograms(rows);
      histogramRows += rows.length;
    }
    store.database
      .prepare('INSERT OR REPLACE INTO store_state (key, value) VALUES (?, ?)')
      .run(`${KEY_PREFIX}${range.from}`, range.to);
    return { dataDir, range, minuteRows, methodRows, histogramRows, replaced: overlapping, warnings };
  } finally {
    store.close();
  }
}
