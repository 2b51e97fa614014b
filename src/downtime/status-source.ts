/**
 * The downtime tracker as the status views see it (src/status/sources.ts): every recorded
 * downtime (detected, from a maintenance window that names methods, declared through the
 * API) with its history as updates, plus the maintenance windows that name no method, which
 * the tracker does not keep. The categories of a method's downtime are those of the routes
 * that serve the method.
 */
import type { ResolvedConfig } from '../config/types.js';
import { type CategoriesOf, categoriesByMethod } from '../payments/method-categories.js';
import type { MaintenanceVerdict } from '../slo/maintenance.js';
import {
  type DowntimeUpdate,
  type DowntimeView,
  maintenanceDowntime,
  overlaps,
  type StatusSources,
} from '../status/sources.js';
import type { DowntimeRecord, DowntimeStatus } from './entity.js';
import type { DowntimeTracker } from './tracker.js';

/** At most this many downtimes per view: the page and the feeds show the recent ones. */
const MAX_LISTED = 100;

const SENTENCE: Record<string, (r: DowntimeRecord, status: DowntimeStatus) => string> = {
  'payment.downtime.started': (r) =>
    `${r.scheduled ? 'Scheduled downtime' : 'Downtime'} of ${r.method} started (severity ${r.severity}).`,
  'payment.downtime.updated': (r, status) =>
    status === 'cancelled'
      ? `Scheduled downtime of ${r.method} cancelled.`
      : `Downtime of ${r.method} updated: severity ${r.severity}.`,
  'payment.downtime.resolved': (r) => `Downtime of ${r.method} resolved.`,
};

function view(categoriesOf: CategoriesOf, tracker: DowntimeTracker, r: DowntimeRecord): DowntimeView {
  const updates: DowntimeUpdate[] = tracker.db.historyOf(r.id).map((h) => ({
    at: h.at,
    status: h.entity.status,
    severity: h.entity.severity,
    message: (SENTENCE[h.event] ?? SENTENCE['payment.downtime.updated']!)(
      { ...r, severity: h.entity.severity, scheduled: h.entity.scheduled },
      h.entity.status,
    ),
  }));
  const instrument = Object.entries(r.instrument)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return {
    id: r.id,
    entity: 'payment.downtime',
    method: r.method,
    begin: r.begin,
    end: r.end,
    status: r.status,
    scheduled: r.scheduled,
    severity: r.severity,
    instrument: r.instrument,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    categories: [...categoriesOf(r.method)],
    title: `${r.scheduled ? 'Scheduled downtime' : 'Downtime'} of ${r.method}${instrument ? ` (${instrument})` : ''}`,
    updates,
    policy: undefined,
  };
}

export function trackerSources(
  config: ResolvedConfig,
  verdicts: readonly MaintenanceVerdict[],
  tracker: () => DowntimeTracker | undefined,
  now: () => number,
): StatusSources {
  const categoriesOf = categoriesByMethod(config.routes);
  return {
    downtimes(fromSec, toSec) {
      const at = now();
      const windows = verdicts
        .filter((v) => (v.window.methods ?? []).length === 0)
        .map((v) => maintenanceDowntime(v, config, at));
      const t = tracker();
      const records = t ? t.db.list({ from: fromSec, to: toSec, count: MAX_LISTED, skip: 0 }) : [];
      const all = [...windows, ...records.map((r) => view(categoriesOf, t as DowntimeTracker, r))];
      return all.filter((d) => overlaps(d, fromSec, toSec)).sort((a, b) => a.begin - b.begin);
    },
  };
}
