/**
 * What the rule generator needs of one SLO, resolved once from the config: Sloth's identity
 * labels, sloprobe's own category/class/route labels, the series selectors and the period.
 *
 * Label set of every generated series (docs: README "Running many replicas"):
 * - `sloth_id` (`<service>-<slo>`), `sloth_service`, `sloth_slo`, and `sloth_window` on the
 *   windowed rules, exactly as Sloth writes them, so its published dashboards work;
 * - `category`, `class`, `route`: the value every route of the SLO shares, or `*` when its
 *   routes differ (an SLO over a class spans several categories and routes);
 * - every other label the scraped series carry (job, namespace, cluster...) except
 *   `instance` and `pod`: replicas are summed, deployments are not.
 */

import type { ResolvedConfig, SloDefinition } from '../config/types.js';
import { errorBudget } from '../slo/burn.js';
import { slowFromBucket } from '../slo/sli.js';
import { configBucketBounds, formatLe } from '../telemetry/buckets.js';
import { MINUTE_MS } from '../time.js';
import { type Matcher, quote, regexLiteral, renderMatchers } from './selector.js';

/** Labels summed away: the replica's identity plus sloprobe's per-request labels. */
export const REPLICA_LABELS = ['instance', 'pod'];
const REQUEST_LABELS = ['route', 'method', 'code', 'outcome', 'category', 'class', 'synthetic'];
export const SUMMED_LABELS = [...REPLICA_LABELS, ...REQUEST_LABELS];

export const ANY = '*';

export interface SloRuleSpec {
  readonly def: SloDefinition;
  readonly id: string;
  readonly service: string;
  readonly category: string;
  readonly class: string;
  readonly route: string;
  readonly objective: number;
  /** 1 - objective, rounded as the sidecar rounds it. */
  readonly budget: number;
  /** Rolling period in minutes, or undefined for a calendar month. */
  readonly periodMinutes: number | undefined;
  /** The PromQL range of the period ratio (`30d`; calendar months use 30d, see period-window). */
  readonly periodWindow: string;
  /** `route=~"a|b"` plus the user's selector. */
  readonly matchers: string;
  /** Latency SLOs: the `le` bound at (or first above) the threshold. */
  readonly le: string | undefined;
}

function shared(values: readonly string[]): string {
  const first = values[0];
  return first !== undefined && values.every((v) => v === first) ? first : ANY;
}

/**
 * A calendar month cannot be a PromQL range (ranges are fixed durations, and there is no
 * "since the 1st" selector): its period ratio is read over the last 30 days, the alert
 * factors scale with `days_in_month()`, and `report --prometheus --month` gives the exact
 * calendar month from the month's own start and end.
 */
export const CALENDAR_MONTH_WINDOW = '30d';

export function periodWindowOf(def: Pick<SloDefinition, 'period'>): string {
  if (def.period.kind === 'calendar-month') return CALENDAR_MONTH_WINDOW;
  const minutes = Math.max(1, Math.round(def.period.ms / MINUTE_MS));
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

export function sloSpecs(cfg: ResolvedConfig, service: string, selector: readonly Matcher[]): SloRuleSpec[] {
  const bounds = configBucketBounds(cfg);
  return cfg.slos.map((def) => {
    const routes = cfg.routes.filter((r) => def.routes.includes(r.name));
    const routeRe = def.routes.map(regexLiteral).join('|');
    // Probe series carry synthetic="true" (src/probes); an SLO leaves them out unless it
    // includes them, as the sidecar's own engine does. `!=` also matches series without it.
    const synthetic = def.includeSynthetic ? '' : 'synthetic!="true"';
    const matchers = [renderMatchers(selector), `route=~${quote(routeRe)}`, synthetic]
      .filter((m) => m !== '')
      .join(',');
    let le: string | undefined;
    if (def.sli === 'latency') {
      const thresholdMs = def.latency?.thresholdMs ?? routes[0]?.latency?.thresholdMs;
      // The same bound the sidecar counts against (sli.ts): every route objective is a
      // bound; an SLO's own threshold that is not uses the first bound above it.
      if (thresholdMs !== undefined) {
        const i = slowFromBucket(bounds, thresholdMs) - 1;
        le = i < bounds.length ? formatLe(bounds[i]!) : '+Inf';
      }
    }
    return {
      def,
      id: `${service}-${def.name}`,
      service,
      category: shared(routes.map((r) => r.category)),
      class: shared(routes.map((r) => r.class)),
      route: shared(routes.map((r) => r.name)),
      objective: def.objective,
      budget: errorBudget(def.objective),
      periodMinutes:
        def.period.kind === 'rolling' ? Math.max(1, Math.round(def.period.ms / MINUTE_MS)) : undefined,
      periodWindow: periodWindowOf(def),
      matchers,
      le,
    };
  });
}

/** `{sloth_id="...",sloth_service="...",sloth_slo="..."}`: picks one SLO's recorded series. */
export function idSelector(spec: SloRuleSpec, window?: string): string {
  const w = window === undefined ? '' : `,sloth_window=${quote(window)}`;
  return `{sloth_id=${quote(spec.id)},sloth_service=${quote(spec.service)},sloth_slo=${quote(spec.def.name)}${w}}`;
}

/** The `labels:` of a recording rule of this SLO. */
export function ruleLabels(spec: SloRuleSpec, window?: string): Record<string, string> {
  const labels: Record<string, string> = {
    sloth_id: spec.id,
    sloth_service: spec.service,
    sloth_slo: spec.def.name,
  };
  if (window !== undefined) labels.sloth_window = window;
  labels.category = spec.category;
  labels.class = spec.class;
  labels.route = spec.route;
  return labels;
}
