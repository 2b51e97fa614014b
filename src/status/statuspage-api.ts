/**
 * Atlassian Statuspage's public v2 API shape (`/api/v2/*.json`), so that dashboards, bots and
 * status aggregators that read Statuspage read sloprobe unchanged. SLO categories are
 * components, service classes are component groups; unscheduled downtimes are incidents,
 * scheduled ones (and configured maintenance windows) are scheduled maintenances.
 *
 * Field names, id format (12 lower-case base-36 characters) and vocabularies are
 * Statuspage's: component status operational | degraded_performance | partial_outage |
 * major_outage | under_maintenance; incident status investigating | identified | monitoring |
 * resolved | postmortem; maintenance status scheduled | in_progress | verifying | completed;
 * impact none | minor | major | critical | maintenance; indicator none | minor | major | critical.
 */
import { createHash } from 'node:crypto';
import type { StatusModel } from './model.js';
import type { DowntimeView } from './sources.js';
import { type ComponentStatus, overall, worse } from './state.js';

/** A stable Statuspage-style id: 12 base-36 characters from a hash of what it names. */
export function statuspageId(kind: string, key: string): string {
  const hex = createHash('sha256').update(`${kind}\0${key}`).digest('hex');
  return BigInt(`0x${hex.slice(0, 15)}`)
    .toString(36)
    .padStart(12, '0')
    .slice(-12);
}

const iso = (ms: number) => new Date(ms).toISOString();

export interface ApiContext {
  /** The page's absolute URL, e.g. `http://127.0.0.1:9464` (from the request's Host). */
  readonly baseUrl: string;
  /** When the sidecar started: `created_at` of every component. */
  readonly startedAtMs: number;
  /** When a category last changed state (its `updated_at`). */
  readonly changedAtMs: (category: string) => number;
}

export class StatuspageApi {
  readonly pageId: string;
  private readonly components: Record<string, unknown>[];
  private readonly byCategory = new Map<string, Record<string, unknown>>();
  private readonly incidents: Record<string, unknown>[];
  private readonly maintenances: Record<string, unknown>[];

  constructor(
    private readonly m: StatusModel,
    private readonly ctx: ApiContext,
  ) {
    this.pageId = statuspageId('page', m.config.source);
    this.components = this.buildComponents();
    const downtimes = [...m.downtimes].reverse();
    this.incidents = downtimes.filter((d) => !d.scheduled).map((d) => this.incident(d));
    this.maintenances = downtimes
      .filter((d) => d.scheduled && d.status !== 'cancelled')
      .map((d) => this.incident(d));
  }

  private buildComponents(): Record<string, unknown>[] {
    const { m, ctx } = this;
    const out: Record<string, unknown>[] = [];
    let position = 1;
    for (const cls of m.config.classes.values()) {
      const states = m.states.filter((s) => s.class === cls.name);
      if (states.length === 0) continue;
      const groupId = statuspageId('group', cls.name);
      const children = states.map((s) => statuspageId('component', s.category));
      let status: ComponentStatus = 'operational';
      let updated = ctx.startedAtMs;
      for (const s of states) {
        status = worse(status, s.status);
        updated = Math.max(updated, ctx.changedAtMs(s.category));
      }
      out.push(
        this.component(
          groupId,
          cls.name,
          status,
          position++,
          cls.description ?? null,
          null,
          updated,
          children,
        ),
      );
      for (const s of states) {
        const c = this.component(
          statuspageId('component', s.category),
          s.category,
          s.status,
          position++,
          m.config.categories.get(s.category)?.description ?? null,
          groupId,
          ctx.changedAtMs(s.category),
          undefined,
        );
        this.byCategory.set(s.category, c);
        out.push(c);
      }
    }
    return out;
  }

  private component(
    id: string,
    name: string,
    status: ComponentStatus,
    position: number,
    description: string | null,
    groupId: string | null,
    updatedMs: number,
    children: string[] | undefined,
  ): Record<string, unknown> {
    const c: Record<string, unknown> = {
      id,
      name,
      status,
      created_at: iso(this.ctx.startedAtMs),
      updated_at: iso(updatedMs),
      position,
      description,
      showcase: false,
      start_date: null,
      group_id: groupId,
      page_id: this.pageId,
      group: children !== undefined,
      only_show_if_degraded: false,
    };
    if (children) c.components = children;
    return c;
  }

  private affected(d: DowntimeView): Record<string, unknown>[] {
    if (d.categories.length === 0) return [...this.byCategory.values()];
    return d.categories.map((c) => this.byCategory.get(c)).filter((c) => c !== undefined);
  }

  private incident(d: DowntimeView): Record<string, unknown> {
    const id = statuspageId(d.scheduled ? 'maintenance' : 'incident', d.id);
    const impact = d.scheduled
      ? 'maintenance'
      : { high: 'critical', medium: 'major', low: 'minor' }[d.severity];
    const hit: ComponentStatus = d.scheduled
      ? 'under_maintenance'
      : ({ high: 'major_outage', medium: 'partial_outage', low: 'degraded_performance' } as const)[
          d.severity
        ];
    const comps = this.affected(d);
    const updates = [...d.updates].reverse().map((u, k) => {
      const status = d.scheduled ? maintenanceStatus(u.status) : incidentStatus(u.status);
      const open = u.status === 'started';
      const closing = u.status === 'resolved' || u.status === 'cancelled';
      return {
        id: statuspageId('update', `${d.id}\0${d.updates.length - 1 - k}`),
        status,
        body: u.message,
        incident_id: id,
        created_at: iso(u.at * 1000),
        updated_at: iso(u.at * 1000),
        display_at: iso(u.at * 1000),
        affected_components:
          open || closing
            ? comps.map((c) => ({
                code: c.id,
                name: c.name,
                old_status: open ? 'operational' : hit,
                new_status: open ? hit : 'operational',
              }))
            : [],
        deliver_notifications: true,
        custom_tweet: null,
        tweet_id: null,
      };
    });
    const resolved = d.updates.find((u) => u.status === 'resolved' || u.status === 'cancelled');
    const doc: Record<string, unknown> = {
      id,
      name: d.title,
      status: d.scheduled ? maintenanceStatus(d.status) : incidentStatus(d.status),
      created_at: iso(d.created_at * 1000),
      updated_at: iso(d.updated_at * 1000),
      monitoring_at: null,
      resolved_at: resolved ? iso(resolved.at * 1000) : null,
      impact,
      shortlink: `${this.ctx.baseUrl}/status#downtime-${encodeURIComponent(d.id)}`,
      started_at: iso(d.begin * 1000),
      page_id: this.pageId,
      incident_updates: updates,
      components: comps,
    };
    if (d.scheduled) {
      doc.scheduled_for = iso(d.begin * 1000);
      doc.scheduled_until = d.end === null ? null : iso(d.end * 1000);
    }
    return doc;
  }

  page(): Record<string, unknown> {
    return {
      id: this.pageId,
      name: 'sloprobe',
      url: this.ctx.baseUrl,
      time_zone: this.m.timeZone === 'UTC' ? 'Etc/UTC' : this.m.timeZone,
      updated_at: iso(this.m.nowMs),
    };
  }

  status() {
    return overall(this.m.states);
  }

  /** Every path this API answers, with its document. */
  documents(): Record<string, () => Record<string, unknown>> {
    const page = () => this.page();
    const unresolved = () =>
      this.incidents.filter((i) => i.status !== 'resolved' && i.status !== 'postmortem');
    const upcoming = () => this.maintenances.filter((i) => i.status === 'scheduled');
    const active = () =>
      this.maintenances.filter((i) => i.status === 'in_progress' || i.status === 'verifying');
    return {
      '/api/v2/summary.json': () => ({
        page: page(),
        components: this.components,
        incidents: unresolved(),
        scheduled_maintenances: [...active(), ...upcoming()],
        status: this.status(),
      }),
      '/api/v2/status.json': () => ({ page: page(), status: this.status() }),
      '/api/v2/components.json': () => ({ page: page(), components: this.components }),
      '/api/v2/incidents.json': () => ({ page: page(), incidents: this.incidents.slice(0, 50) }),
      '/api/v2/incidents/unresolved.json': () => ({ page: page(), incidents: unresolved() }),
      '/api/v2/scheduled-maintenances.json': () => ({
        page: page(),
        scheduled_maintenances: this.maintenances.slice(0, 50),
      }),
      '/api/v2/scheduled-maintenances/upcoming.json': () => ({
        page: page(),
        scheduled_maintenances: upcoming(),
      }),
      '/api/v2/scheduled-maintenances/active.json': () => ({
        page: page(),
        scheduled_maintenances: active(),
      }),
    };
  }
}

export const STATUSPAGE_PATHS = [
  '/api/v2/summary.json',
  '/api/v2/status.json',
  '/api/v2/components.json',
  '/api/v2/incidents.json',
  '/api/v2/incidents/unresolved.json',
  '/api/v2/scheduled-maintenances.json',
  '/api/v2/scheduled-maintenances/upcoming.json',
  '/api/v2/scheduled-maintenances/active.json',
] as const;

/** A started downtime is still being looked at; the entity has no finer state. */
function incidentStatus(s: DowntimeView['status']): string {
  return s === 'resolved' || s === 'cancelled' ? 'resolved' : 'investigating';
}

function maintenanceStatus(s: DowntimeView['status']): string {
  if (s === 'started') return 'in_progress';
  if (s === 'resolved' || s === 'cancelled') return 'completed';
  return 'scheduled';
}
