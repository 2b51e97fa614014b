/**
 * Scheduled downtimes (docs/sla-definitions.md#downtime-entity, `scheduled: true`): from
 * maintenance windows that name payment methods (`methods: [card]`,
 * docs/sla-definitions.md#maintenance-paywithmybank) and from operators (POST on the API).
 *
 * A window's downtime is `scheduled` from its announcement (`announced_at`), `started` at
 * `start`, `resolved` at `end`, and `cancelled` when a reload removes the window before it
 * starts (removed while started: resolved then). One record per (window, method).
 *
 * Events: the three Curlec names only (docs/sla-definitions.md#downtime-webhooks). Announcing,
 * moving or cancelling a scheduled downtime is `payment.downtime.updated` (the entity's
 * `status` says which); `started` and `resolved` follow the status.
 */
import type { MaintenanceWindow } from '../config/types.js';
import { DOWNTIME_EVENTS, type DowntimeRecord, newDowntimeId, seconds } from './entity.js';
import type { Change } from './tracker.js';

export const windowKey = (windowId: string, method: string): string => `${windowId}:${method}`;

/**
 * Changes that bring the records of `windows` in line with them at `nowMs`. `open` are the
 * open records; `known(key)` says whether a record (even a finished one) exists for a key,
 * so a window resolved early by an operator is not announced again.
 */
export function reconcileWindows(
  windows: readonly MaintenanceWindow[],
  open: readonly DowntimeRecord[],
  nowMs: number,
  known: (key: string) => boolean,
): Change[] {
  const now = seconds(nowMs);
  const changes: Change[] = [];
  const wanted = new Set<string>();
  for (const w of windows) {
    for (const method of w.methods ?? []) {
      const key = windowKey(w.id, method);
      wanted.add(key);
      const rec = open.find((r) => r.source === 'window' && r.sourceKey === key);
      const begin = seconds(w.startMs);
      const end = seconds(w.endMs);
      if (!rec) {
        if (nowMs < w.announcedAtMs || nowMs >= w.endMs || known(key)) continue;
        changes.push({
          record: {
            id: newDowntimeId(),
            method,
            begin,
            end,
            status: 'scheduled',
            scheduled: true,
            severity: 'high',
            instrument: { ...(w.instrument ?? {}) },
            createdAt: now,
            updatedAt: now,
            source: 'window',
            sourceKey: key,
            series: [],
            evidenceAt: null,
          },
          event: DOWNTIME_EVENTS.updated,
        });
      } else if (rec.status === 'scheduled' && (rec.begin !== begin || rec.end !== end)) {
        // A reload moved the window before it started: the announcement changes.
        changes.push({ record: { ...rec, begin, end, updatedAt: now }, event: DOWNTIME_EVENTS.updated });
      } else if (rec.status === 'started' && rec.end !== end) {
        changes.push({ record: { ...rec, end, updatedAt: now }, event: DOWNTIME_EVENTS.updated });
      }
    }
  }
  for (const rec of open) {
    if (rec.source !== 'window' || rec.sourceKey === null || wanted.has(rec.sourceKey)) continue;
    if (rec.status === 'scheduled') {
      changes.push({
        record: { ...rec, status: 'cancelled', updatedAt: now },
        event: DOWNTIME_EVENTS.updated,
      });
    } else {
      changes.push({
        record: { ...rec, status: 'resolved', end: now, updatedAt: now },
        event: DOWNTIME_EVENTS.resolved,
      });
    }
  }
  return changes;
}

/**
 * Scheduled and operator-declared records follow their times: `scheduled` -> `started` at
 * `begin`, `started` -> `resolved` at `end` (both at once when the process slept through the
 * window: the receiver still sees `started` before `resolved`). Detected downtimes have no
 * `end` until resolved and are left to the tracker.
 */
export function advanceByTime(open: readonly DowntimeRecord[], nowMs: number): Change[] {
  const now = seconds(nowMs);
  const changes: Change[] = [];
  for (const rec of open) {
    if (rec.source === 'detected') continue;
    let r = rec;
    if (r.status === 'scheduled' && r.begin <= now) {
      r = { ...r, status: 'started', updatedAt: now };
      changes.push({ record: r, event: DOWNTIME_EVENTS.started });
    }
    if (r.status === 'started' && r.end !== null && r.end <= now) {
      r = { ...r, status: 'resolved', updatedAt: now };
      changes.push({ record: r, event: DOWNTIME_EVENTS.resolved });
    }
  }
  return changes;
}
