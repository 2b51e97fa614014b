/**
 * The narrow interface the status views read downtimes through, and its implementation
 * from the config alone: every maintenance window becomes a scheduled downtime, and there
 * are no unscheduled ones. The downtime tracker (src/downtime) implements the same
 * interface with its own entities; the views never see where a downtime came from.
 *
 * Entity fields are Curlec's Payment Downtime entity, Unix seconds
 * (docs/sla-definitions.md#downtime-entity); `categories`, `title`, `updates` and `policy`
 * are what a status page needs on top of it.
 */
import type { ResolvedConfig } from '../config/types.js';
import type { MaintenanceVerdict } from '../slo/maintenance.js';
import { humanDuration } from '../slo/maintenance.js';

export type DowntimeStatus = 'scheduled' | 'started' | 'resolved' | 'cancelled';
export type DowntimeSeverity = 'high' | 'medium' | 'low';

/** One change of a downtime, oldest first: what the feeds and the page list as "updates". */
export interface DowntimeUpdate {
  /** Unix seconds. */
  readonly at: number;
  readonly status: DowntimeStatus;
  readonly severity: DowntimeSeverity;
  /** A sentence for people; never a request body, a card number or a secret. */
  readonly message: string;
}

/** A maintenance window's verdict under the configured policy (src/slo/maintenance.ts). */
export interface PolicyVerdict {
  readonly accepted: boolean;
  readonly rule: string | undefined;
  readonly reason: string | undefined;
}

export interface DowntimeView {
  readonly id: string;
  readonly entity: 'payment.downtime';
  /** `card`, `fpx`, ...; null when the downtime is not about one payment method. */
  readonly method: string | null;
  /** Unix seconds. */
  readonly begin: number;
  /** Unix seconds; null while the end is unknown (an unscheduled downtime in progress). */
  readonly end: number | null;
  readonly status: DowntimeStatus;
  readonly scheduled: boolean;
  readonly severity: DowntimeSeverity;
  /** Issuer, network, bank ... as the entity gives them; empty when none. */
  readonly instrument: Readonly<Record<string, string>>;
  readonly created_at: number;
  readonly updated_at: number;
  /** SLO categories affected; empty means every category. */
  readonly categories: readonly string[];
  readonly title: string;
  readonly updates: readonly DowntimeUpdate[];
  /** Set for maintenance windows: whether the policy lets them be excluded from the SLIs. */
  readonly policy: PolicyVerdict | undefined;
}

export interface StatusSources {
  /** Downtimes overlapping [fromSec, toSec) (an open end overlaps every later time), by begin. */
  downtimes(fromSec: number, toSec: number): readonly DowntimeView[];
}

/** True when the downtime overlaps [fromSec, toSec). */
export function overlaps(d: DowntimeView, fromSec: number, toSec: number): boolean {
  return d.begin < toSec && (d.end === null || d.end > fromSec);
}

/** True when the downtime concerns `category`. */
export function affects(d: DowntimeView, category: string): boolean {
  return d.categories.length === 0 || d.categories.includes(category);
}

const sec = (ms: number) => Math.floor(ms / 1000);

/**
 * A configured maintenance window as a scheduled downtime at `nowMs`: scheduled before its
 * start, started during it, resolved after it. Severity is `low`: a window announced ahead
 * is planned work, not an outage (docs/sla-definitions.md#downtime-severity).
 */
export function maintenanceDowntime(
  v: MaintenanceVerdict,
  config: ResolvedConfig,
  nowMs: number,
): DowntimeView {
  const w = v.window;
  const categories = new Set<string>(w.categories);
  if (!w.all) for (const r of config.routes) if (w.routes.includes(r.name)) categories.add(r.category);
  const status: DowntimeStatus = nowMs < w.startMs ? 'scheduled' : nowMs < w.endMs ? 'started' : 'resolved';
  const verdict = v.accepted
    ? `meets the ${config.maintenancePolicy} maintenance policy, so it is excluded from the SLIs`
    : `does not meet the ${config.maintenancePolicy} maintenance policy (${v.rule}: ${v.reason}), so it counts as downtime`;
  const updates: DowntimeUpdate[] = [
    {
      at: sec(w.announcedAtMs),
      status: 'scheduled',
      severity: 'low',
      message: `Maintenance ${w.id} announced for ${humanDuration(w.endMs - w.startMs)}; it ${verdict}.`,
    },
  ];
  if (nowMs >= w.startMs)
    updates.push({ at: sec(w.startMs), status: 'started', severity: 'low', message: 'Maintenance started.' });
  if (nowMs >= w.endMs)
    updates.push({
      at: sec(w.endMs),
      status: 'resolved',
      severity: 'low',
      message: 'Maintenance completed.',
    });
  return {
    id: w.id,
    entity: 'payment.downtime',
    method: null,
    begin: sec(w.startMs),
    end: sec(w.endMs),
    status,
    scheduled: true,
    severity: 'low',
    instrument: {},
    created_at: sec(w.announcedAtMs),
    updated_at: updates[updates.length - 1]!.at,
    categories: w.all ? [] : [...categories],
    title: `Scheduled maintenance ${w.id}`,
    updates,
    policy: { accepted: v.accepted, rule: v.rule, reason: v.reason },
  };
}

/**
 * The sources a config alone gives: its maintenance windows (with their verdicts), plus
 * `extra` downtimes (tests feed incidents here; the tracker replaces this at merge).
 */
export function configSources(
  config: ResolvedConfig,
  verdicts: readonly MaintenanceVerdict[],
  now: () => number,
  extra: () => readonly DowntimeView[] = () => [],
): StatusSources {
  return {
    downtimes(fromSec, toSec) {
      const at = now();
      const all = [...verdicts.map((v) => maintenanceDowntime(v, config, at)), ...extra()];
      return all.filter((d) => overlaps(d, fromSec, toSec)).sort((a, b) => a.begin - b.begin);
    },
  };
}
