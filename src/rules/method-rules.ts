/**
 * Fleet rules of the payment-method series (docs/sla-definitions.md#downtime-entity): per
 * method (and instrument) the availability over 5m, 1h and the compliance period, summed
 * across replicas from `sloprobe_payment_method_requests_total`, plus the objective, the
 * budget and the period budget remaining. The sidecar's own `sloprobe_slo_*{slo="method:..."}`
 * gauges stay per replica; a fleet's ratio is its summed bad over its summed valid requests,
 * weighted by traffic (docs/sla-definitions.md#availability-occurrences).
 *
 * Not Sloth series: a method is not an SLO of the config, so the names are sloprobe's own
 * (`sloprobe:payment_method_*`) and the labels are `payment_method`, `instrument` (absent
 * when the series has none) and whatever the scraped series carry except `instance`/`pod`.
 * No alerts here: downtimes are the sidecar's per-method verdict (`/v1/payments/downtimes`).
 */
import type { ResolvedConfig } from '../config/types.js';
import { instrumentLabel, METHOD_REQUESTS } from '../payments/method-metrics.js';
import { planMethods } from '../payments/method-series.js';
import { errorBudget } from '../slo/burn.js';
import type { RecordingRule, RuleGroup } from './names.js';
import { num } from './recording.js';
import { type Matcher, renderMatchers } from './selector.js';
import { periodWindowOf, REPLICA_LABELS } from './slo-spec.js';

export const METHOD_GROUP = 'sloprobe-payment-method-recordings';
export const methodRequestsRecord = (w: string): string => `sloprobe:payment_method_requests:increase${w}`;
export const methodErrorsRecord = (w: string): string => `sloprobe:payment_method_errors:increase${w}`;
export const methodRatioRecord = (w: string): string => `sloprobe:payment_method_error:ratio_rate${w}`;
export const METHOD_OBJECTIVE = 'sloprobe:payment_method_objective:ratio';
export const METHOD_BUDGET = 'sloprobe:payment_method_error_budget:ratio';
export const METHOD_REMAINING = 'sloprobe:payment_method_period_error_budget_remaining:ratio';

/** The short windows a panel draws; the period's own comes last. */
function windows(period: string): string[] {
  return ['5m', '1h', period].filter((w, i, all) => all.indexOf(w) === i);
}

/** The group, or undefined when no route of the config has a payment method. */
export function methodRuleGroup(cfg: ResolvedConfig, selector: readonly Matcher[]): RuleGroup | undefined {
  const plan = planMethods(cfg.routes);
  if (plan.series.length === 0) return undefined;
  const period = periodWindowOf(cfg);
  const sel = [renderMatchers(selector)].filter((m) => m !== '');
  const match = (outcome: string): string => [...sel, outcome].join(',');
  const sum = (expr: string): string =>
    `sum without (${[...REPLICA_LABELS, 'outcome'].join(', ')}) (${expr})`;
  const rules: RecordingRule[] = [];
  for (const w of windows(period)) {
    const valid = sum(`increase(${METHOD_REQUESTS}{${match('outcome=~"good|bad"')}}[${w}])`);
    const bad = sum(`increase(${METHOD_REQUESTS}{${match('outcome="bad"')}}[${w}])`);
    rules.push({ record: methodRequestsRecord(w), expr: valid });
    // A series that has only ever been excluded still has its outcome="bad" zeros (the
    // sidecar writes all three), but a scrape may not: its error count is then 0, not absent.
    rules.push({ record: methodErrorsRecord(w), expr: `(${bad} or ${valid} * 0)` });
    // No sample while the window saw no request (docs/sla-definitions.md#no-traffic).
    rules.push({
      record: methodRatioRecord(w),
      expr: `${methodErrorsRecord(w)} / (${methodRequestsRecord(w)} > 0)`,
    });
  }
  for (const s of plan.series) {
    const instrument = instrumentLabel(s.instrument);
    const labels: Record<string, string> = { payment_method: s.method };
    if (instrument !== '') labels.instrument = instrument;
    // The objective of a series is the strictest of its routes' (method-series.ts).
    rules.push({ record: METHOD_OBJECTIVE, expr: `vector(${num(s.availability)})`, labels: { ...labels } });
    rules.push({
      record: METHOD_BUDGET,
      expr: `vector(${num(errorBudget(s.availability))})`,
      labels: { ...labels },
    });
  }
  rules.push({
    record: METHOD_REMAINING,
    expr: `1 - ${methodRatioRecord(period)} / on (payment_method, instrument) group_left ${METHOD_BUDGET}`,
  });
  return { name: METHOD_GROUP, rules };
}
