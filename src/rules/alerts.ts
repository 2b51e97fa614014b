/**
 * Multiwindow multi-burn-rate alerts (docs/sla-definitions.md#burn-rate-alerts) with the
 * sidecar's own factors (src/slo/windows.ts, burn.ts): page when 1h and 5m burn above 14.4,
 * or 6h and 30m above 6; ticket when 1d and 2h above 3, or 3d and 6h above 1, for 30 days,
 * scaled to the period's length. Strictly greater, as the sidecar and Sloth compare.
 *
 * The low-traffic guard (docs/sla-definitions.md#flag-evidence), in PromQL from the recorded
 * counts: a pair fires only when both windows saw at least `alerting.min_requests` requests
 * and the lower bound of the 95% Wilson score interval of the long window's error ratio is
 * above the same threshold. Prometheus' request counts come from `increase()`, which
 * extrapolates to the window's edges, so near `min_requests` the guard can differ from the
 * sidecar's by the requests of a scrape interval. Timeslice SLOs have no Wilson term: their
 * ratio is a share of minutes, not of requests, and each minute was already judged on its
 * own error rate.
 */
import { burnFactor } from '../slo/burn.js';
import { ALERT_RULES, type AlertRule, type Severity } from '../slo/windows.js';
import {
  type AlertingRule,
  BURN_ALERT,
  DOWNTIME_ALERT,
  ratioRecord,
  requestsRecord,
  wilsonRecord,
} from './names.js';
import { idSelector, type SloRuleSpec } from './slo-spec.js';
import { periodMemberRecord } from './timeslice-rules.js';

/** The error-ratio threshold of a rule: factor x (1 - objective), as PromQL. */
export function thresholdExpr(spec: SloRuleSpec, rule: AlertRule): string {
  if (spec.periodMinutes !== undefined) {
    return `(${burnFactor(rule.budgetPercent, spec.periodMinutes, rule.longMinutes)} * ${spec.budget})`;
  }
  // A calendar month burns against this month's real length (28 to 31 days, UTC).
  return `(${rule.budgetPercent} * 1440 * scalar(days_in_month()) / (100 * ${rule.longMinutes}) * ${spec.budget})`;
}

function noWindow(expr: string): string {
  return `max without (sloth_window) (${expr})`;
}

function pairExpr(spec: SloRuleSpec, rule: AlertRule, minRequests: number): string {
  const t = thresholdExpr(spec, rule);
  const long = idSelector(spec, rule.longWindow);
  const short = idSelector(spec, rule.shortWindow);
  const terms = [
    noWindow(`${ratioRecord(rule.shortWindow)}${short} > ${t}`),
    noWindow(`${ratioRecord(rule.longWindow)}${long} > ${t}`),
    noWindow(`${requestsRecord(rule.shortWindow)}${short} >= ${minRequests}`),
    noWindow(`${requestsRecord(rule.longWindow)}${long} >= ${minRequests}`),
  ];
  if (spec.def.method === 'occurrences')
    terms.push(noWindow(`${wilsonRecord(rule.longWindow)}${long} > ${t}`));
  return `(\n  ${terms.join('\n  and\n  ')}\n)`;
}

function describe(spec: SloRuleSpec): string {
  return `SLO ${spec.def.name} (${spec.def.sli}, ${spec.def.method}, objective ${spec.objective * 100}%) of category ${spec.category}, class ${spec.class}, route ${spec.route}`;
}

export function burnAlerts(spec: SloRuleSpec, minRequests: number): AlertingRule[] {
  const out: AlertingRule[] = [];
  const severities: Severity[] = ['page', 'ticket'];
  for (const severity of severities) {
    const rules = ALERT_RULES.filter((r) => r.severity === severity);
    const pairs = rules.map((r) => `${r.longWindow} and ${r.shortWindow}`).join(', or ');
    out.push({
      alert: BURN_ALERT,
      expr: rules.map((r) => pairExpr(spec, r, minRequests)).join('\nor\n'),
      labels: {
        severity,
        sloth_severity: severity,
        sloth_slo: spec.def.name,
        category: spec.category,
        class: spec.class,
        route: spec.route,
      },
      annotations: {
        summary: `${spec.service} ${spec.def.name}: error budget burning too fast (${severity})`,
        description: `${describe(spec)}: the error ratio over ${pairs} is above the ${severity} burn rate, with at least ${minRequests} requests in each window.`,
        sloth_id: spec.id,
      },
    });
  }
  if (spec.def.method === 'timeslices') {
    // On `member`, not on the run-complete flag itself: that flag can be 1 for a single
    // evaluation (a run of exactly ten), which another rule group may not see.
    const rules = spec.def.timeslices!;
    out.push({
      alert: DOWNTIME_ALERT,
      expr: noWindow(
        `${periodMemberRecord}${idSelector(spec, `${Math.max(1, Math.round(rules.sliceMs / 60_000))}m`)} == 1`,
      ),
      labels: {
        severity: 'page',
        sloth_severity: 'page',
        sloth_slo: spec.def.name,
        category: spec.category,
        class: spec.class,
        route: spec.route,
      },
      annotations: {
        summary: `${spec.service} ${spec.def.name}: in a Downtime Period`,
        description: `${describe(spec)}: ${rules.minConsecutive} or more consecutive minutes each had an API error rate above ${rules.threshold * 100}% (docs/sla-definitions.md#downtime-period); resolves ${rules.minConsecutive - 1} minutes after the run ends.`,
        sloth_id: spec.id,
      },
    });
  }
  return out;
}
