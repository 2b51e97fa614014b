/**
 * The `slo.alert` entity: what a `slo.alert.raised` or `slo.alert.cleared` webhook carries
 * (README "Webhooks"; docs/sla-definitions.md#burn-rate-alerts, #flag-evidence). One alert
 * is one flag from its raise to its clear: both events carry the same `id`, as a downtime's
 * events carry the same `down_` id.
 *
 *   { id: "alert_…", entity: "slo.alert", slo, sli, category, class, route,
 *     severity: "page" | "ticket", status: "raised" | "cleared", rule: "page-quick" | …,
 *     windows: { long: "1h", short: "5m" }, burn_rate_threshold: 14.4,
 *     burn_rates: { long: 20.1, short: 31.5 }, objective: 0.99,
 *     raised_at: <unix s>, cleared_at: <unix s> | null }
 *
 * category, class and route are those the SLO's scope names (null where it is wider: an SLO
 * over a category has no route).
 */
import type { ResolvedConfig, SloDefinition } from '../config/types.js';
import type { FlagTransition } from './status.js';
import { ALERT_RULES } from './windows.js';

function scopeLabels(def: SloDefinition | undefined, config: ResolvedConfig) {
  const scope = def?.scope;
  if (!scope || scope.kind === 'all') return { category: null, class: null, route: null };
  if (scope.kind === 'route') {
    const r = config.routes.find((x) => x.name === scope.name);
    return { category: r?.category ?? null, class: r?.class ?? null, route: scope.name };
  }
  if (scope.kind === 'category')
    return { category: scope.name, class: config.categories.get(scope.name)?.class ?? null, route: null };
  return { category: null, class: scope.name, route: null };
}

const seconds = (ms: number) => Math.floor(ms / 1000);

export function sloAlertEntity(
  id: string,
  t: FlagTransition,
  config: ResolvedConfig,
): Readonly<Record<string, unknown>> {
  const def = config.slos.find((s) => s.name === t.slo);
  const rule = ALERT_RULES.find((r) => r.id === t.rule);
  return {
    id,
    entity: 'slo.alert',
    slo: t.slo,
    sli: t.sli,
    ...scopeLabels(def, config),
    severity: t.severity,
    status: t.state,
    rule: t.rule ?? null,
    windows: rule ? { long: rule.longWindow, short: rule.shortWindow } : null,
    burn_rate_threshold: t.threshold,
    burn_rates: rule ? { long: t.burnRates[rule.longWindow], short: t.burnRates[rule.shortWindow] } : null,
    objective: def?.objective ?? null,
    raised_at: seconds(t.raisedAt),
    cleared_at: t.state === 'cleared' ? seconds(t.at) : null,
  };
}
