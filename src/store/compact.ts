/**
 * Compaction: finished hours rolled into hourly rows (schema.ts says what they keep), then
 * minute rows pruned past the minute retention and hourly rows past the hour retention.
 * Runs on the sidecar's event loop, so each call does at most `maxHours` hours of work and
 * says when more is left. Minute rows are only pruned once their hour is rolled, and an
 * hour written again after it was rolled (`dirty_hours`) is rolled again first.
 */
import type { StoreConfig } from '../config/types.js';
import { HOUR_MS } from '../time.js';
import { buildHourRows, MINUTES_PER_HOUR, type StoredRow } from './hour-rollups.js';
import type { Db } from './open.js';
import type { Statements } from './statements.js';

export interface CompactOptions {
  /** An hour is rolled up once it ended this long ago (default 2 h: late re-sends settle). */
  readonly rollAfterMs?: number;
  /** At most this many hours rolled or pruned per call, to keep the event loop free (default 48). */
  readonly maxHours?: number;
}

export interface CompactResult {
  readonly rolledHours: number;
  readonly prunedMinuteRows: number;
  readonly prunedHourRows: number;
  /** More work is left; call again (soon, not in a tight loop). */
  readonly more: boolean;
}

/** Minutes below `rolledBefore` are in hourly rows; below `prunedBefore` only there. */
export interface CompactionMarks {
  rolledBefore: number;
  prunedBefore: number;
}

export const STATE_ROLLED = 'rolled_before_minute';
export const STATE_PRUNED = 'pruned_before_minute';
export const NO_WORK: CompactResult = { rolledHours: 0, prunedMinuteRows: 0, prunedHourRows: 0, more: false };

export function compactOnce(
  db: Db,
  st: Statements,
  cfg: StoreConfig,
  marks: CompactionMarks,
  nowMs: number,
  options: CompactOptions,
): CompactResult {
  const w = st.write!;
  const maxHours = Math.max(1, options.maxHours ?? 48);
  const rollBeforeHour = Math.floor((nowMs - (options.rollAfterMs ?? 2 * HOUR_MS)) / HOUR_MS);
  let more = false;

  // 1. Roll: hours re-written after they were rolled (dirty), then new finished hours.
  const dirty = w.dirtyHours.all(rollBeforeHour, maxHours) as number[];
  const fresh =
    dirty.length < maxHours
      ? (w.hoursToRoll.all(
          marks.rolledBefore,
          rollBeforeHour * MINUTES_PER_HOUR,
          maxHours - dirty.length,
        ) as number[])
      : [];
  db.transaction(() => {
    for (const hour of [...dirty, ...fresh]) {
      const first = hour * MINUTES_PER_HOUR;
      const rows = st.selectMinutes.all(first, first + MINUTES_PER_HOUR) as StoredRow[];
      w.deleteHour.run(hour);
      for (const h of buildHourRows(hour, rows)) w.insertHour.run(h);
      w.deleteDirty.run(hour);
    }
    const last = fresh[fresh.length - 1];
    let rolled = rollBeforeHour * MINUTES_PER_HOUR;
    if (dirty.length >= maxHours) {
      // New hours were not even looked at.
      more = true;
      rolled = marks.rolledBefore;
    } else if (last !== undefined && fresh.length >= maxHours - dirty.length) {
      more = true;
      rolled = (last + 1) * MINUTES_PER_HOUR;
    }
    if (rolled > marks.rolledBefore) {
      w.setState.run(STATE_ROLLED, rolled);
      marks.rolledBefore = rolled;
    }
  })();

  // 2. Prune minute rows past retention, only where their hour is rolled and not dirty.
  let boundary = Math.min(
    Math.floor((nowMs - cfg.minuteRetentionMs) / HOUR_MS) * MINUTES_PER_HOUR,
    marks.rolledBefore,
  );
  const firstDirty = w.firstDirtyHour.get() as number | null;
  if (firstDirty !== null) boundary = Math.min(boundary, firstDirty * MINUTES_PER_HOUR);
  const oldest = w.firstMinute.get() as number | null;
  if (oldest !== null) {
    const limit = Math.floor(oldest / MINUTES_PER_HOUR) * MINUTES_PER_HOUR + maxHours * MINUTES_PER_HOUR;
    if (boundary > limit) {
      boundary = limit;
      more = true;
    }
  }
  let prunedMinuteRows = 0;
  if (boundary > marks.prunedBefore) {
    db.transaction(() => {
      prunedMinuteRows = w.pruneMinutes.run(boundary).changes;
      w.setState.run(STATE_PRUNED, boundary);
    })();
    marks.prunedBefore = boundary;
  }

  // 3. Prune hourly rows and histograms past their retention.
  const hourCutoff = Math.floor((nowMs - cfg.hourRetentionMs) / HOUR_MS);
  let prunedHourRows = 0;
  db.transaction(() => {
    prunedHourRows = w.pruneHours.run(hourCutoff).changes;
    w.pruneHistograms.run(hourCutoff);
  })();

  return { rolledHours: dirty.length + fresh.length, prunedMinuteRows, prunedHourRows, more };
}
