/**
 * The state of each SLO category, in Atlassian Statuspage's component vocabulary, and the
 * page's overall indicator. The rule (README, "Status page"): the worst of
 *
 * - a started downtime affecting the category: `under_maintenance` when it is scheduled,
 *   else by severity high -> `major_outage`, medium -> `partial_outage`, low ->
 *   `degraded_performance` (docs/sla-definitions.md#downtime-severity);
 * - a page flag of the category's availability SLOs -> `major_outage`
 *   (docs/sla-definitions.md#burn-rate-alerts);
 * - a page flag of a latency SLO over one of its routes -> `degraded_performance` (slow,
 *   not failing: docs/sla-definitions.md#latency-objectives);
 *
 * A ticket is listed among the causes but changes no state: it says the budget is burning
 * over days (its windows are 6h to 3d, and it holds for 6h), not that the category is out
 * now, and a page that showed an outage for hours after a recovery would be believed by nobody.
 *
 * and `operational` when none applies. Worst means later in COMPONENT_STATUSES.
 */
import type { ResolvedConfig, SloDefinition } from '../config/types.js';
import type { SloStatus } from '../slo/status.js';
import { affects, type DowntimeView } from './sources.js';

export const COMPONENT_STATUSES = [
  'operational',
  'under_maintenance',
  'degraded_performance',
  'partial_outage',
  'major_outage',
] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];

export const STATUS_LABELS: Readonly<Record<ComponentStatus, string>> = {
  operational: 'Operational',
  under_maintenance: 'Under maintenance',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
};

export function worse(a: ComponentStatus, b: ComponentStatus): ComponentStatus {
  return COMPONENT_STATUSES.indexOf(b) > COMPONENT_STATUSES.indexOf(a) ? b : a;
}

/** Why a category has its state: one line per cause, for the page and the incident text. */
export interface CategoryState {
  readonly category: string;
  readonly class: string;
  readonly status: ComponentStatus;
  readonly causes: readonly string[];
}

/** SLOs whose routes include a route of `category`. */
export function slosOfCategory(config: ResolvedConfig, category: string): number[] {
  const routes = new Set(config.routes.filter((r) => r.category === category).map((r) => r.name));
  const out: number[] = [];
  config.slos.forEach((s, i) => {
    if (s.routes.some((r) => routes.has(r))) out.push(i);
  });
  return out;
}

/**
 * The availability SLO whose daily figure a category's bars show: the one the SLA defines
 * (an explicit `slos:` entry) covering all its routes with the fewest routes, else the one
 * generated for the category. undefined when the category has no routes.
 */
export function barSlo(config: ResolvedConfig, category: string): number | undefined {
  const routes = config.routes.filter((r) => r.category === category).map((r) => r.name);
  if (routes.length === 0) return undefined;
  let best: number | undefined;
  const rank = (s: SloDefinition) => (s.generated ? 1e9 : 0) + s.routes.length;
  config.slos.forEach((s, i) => {
    if (s.sli !== 'availability' || !routes.every((r) => s.routes.includes(r))) return;
    if (best === undefined || rank(s) < rank(config.slos[best]!)) best = i;
  });
  return best;
}

const DOWNTIME_STATUS: Readonly<Record<DowntimeView['severity'], ComponentStatus>> = {
  high: 'major_outage',
  medium: 'partial_outage',
  low: 'degraded_performance',
};

/** The state a started downtime gives what it affects (see the rule above). */
export function downtimeStatus(d: DowntimeView): ComponentStatus {
  return d.scheduled ? 'under_maintenance' : DOWNTIME_STATUS[d.severity];
}

export function categoryStates(
  config: ResolvedConfig,
  statuses: readonly SloStatus[],
  downtimes: readonly DowntimeView[],
): CategoryState[] {
  const out: CategoryState[] = [];
  for (const cat of config.categories.values()) {
    let status: ComponentStatus = 'operational';
    const causes: string[] = [];
    const raise = (s: ComponentStatus, cause: string) => {
      status = worse(status, s);
      causes.push(cause);
    };
    for (const d of downtimes) {
      if (d.status !== 'started' || !affects(d, cat.name)) continue;
      if (d.scheduled) raise('under_maintenance', `${d.title} in progress`);
      else raise(DOWNTIME_STATUS[d.severity], `downtime ${d.id} (${d.severity} severity) started`);
    }
    for (const i of slosOfCategory(config, cat.name)) {
      const s = statuses[i];
      if (!s || (!s.flags.page && !s.flags.ticket)) continue;
      const latency = s.sli === 'availability' ? '' : ' (latency)';
      if (!s.flags.page) causes.push(`${s.name}: ticket burn-rate flag raised${latency}`);
      else if (s.sli === 'availability') raise('major_outage', `${s.name}: page burn-rate flag raised`);
      else raise('degraded_performance', `${s.name}: page burn-rate flag raised${latency}`);
    }
    out.push({ category: cat.name, class: cat.class, status, causes });
  }
  return out;
}

export type Indicator = 'none' | 'minor' | 'major' | 'critical';

/**
 * Statuspage's page indicator from the worst component: degraded -> minor, partial outage ->
 * major, major outage -> critical; maintenance alone leaves it at none (Statuspage's four
 * indicators have no maintenance value) and says so in the description.
 */
export function overall(states: readonly CategoryState[]): { indicator: Indicator; description: string } {
  let worst: ComponentStatus = 'operational';
  for (const s of states) worst = worse(worst, s.status);
  switch (worst) {
    case 'major_outage':
      return { indicator: 'critical', description: 'Major System Outage' };
    case 'partial_outage':
      return { indicator: 'major', description: 'Partial System Outage' };
    case 'degraded_performance':
      return { indicator: 'minor', description: 'Minor Service Outage' };
    case 'under_maintenance':
      return { indicator: 'none', description: 'Service Under Maintenance' };
    default:
      return { indicator: 'none', description: 'All Systems Operational' };
  }
}
