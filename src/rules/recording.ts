/**
 * Recording rules of one SLO: request and error counts per window, the error ratio under
 * Sloth's names, the Wilson lower bound the alerts' low-traffic guard reads, and Sloth's
 * meta rules (objective, budget, period, burn rates, budget remaining, info).
 *
 * Every ratio is weighted by traffic: errors summed over the window and across replicas,
 * divided by requests summed the same way. The period ratio is `increase()` over the whole
 * period, not the mean of the 5-minute ratios that Sloth records (a mean of ratios gives a
 * quiet night's single error the weight of a busy hour).
 */
import { FIXED_WINDOWS } from '../slo/windows.js';
import {
  errorsRecord,
  REQUESTS,
  type RecordingRule,
  ratioRecord,
  requestsRecord,
  SLI_LATENCY,
  wilsonRecord,
} from './names.js';
import { idSelector, ruleLabels, type SloRuleSpec, SUMMED_LABELS } from './slo-spec.js';
import { timesliceRecordings } from './timeslice-rules.js';

/** The windows alerts read; the period's own window comes last. */
export function windowsOf(spec: SloRuleSpec): string[] {
  const out = FIXED_WINDOWS.map((w) => w.name as string);
  if (!out.includes(spec.periodWindow)) out.push(spec.periodWindow);
  return out;
}

/** Long windows of the four alert pairs: the ones the Wilson guard is recorded for. */
export const LONG_WINDOWS = ['1h', '6h', '1d', '3d'];

function sumWithout(extra: readonly string[], expr: string): string {
  return `sum without (${[...SUMMED_LABELS, ...extra].join(', ')}) (${expr})`;
}

/** (valid, bad) PromQL of an occurrences SLO over window `w`. */
export function occurrenceCounts(spec: SloRuleSpec, w: string): { valid: string; bad: string } {
  const m = spec.matchers;
  if (spec.def.sli === 'latency') {
    const count = sumWithout([], `increase(${SLI_LATENCY}_count{${m}}[${w}])`);
    const fast = sumWithout(['le'], `increase(${SLI_LATENCY}_bucket{${m},le="${spec.le}"}[${w}])`);
    // Both sides come from the same scrapes of the same histogram, so increase() scales
    // them alike; clamp_min only guards against a reset seen in one series and not the other.
    return { valid: count, bad: `clamp_min(${count} - ${fast}, 0)` };
  }
  // outcome: good = 2xx/3xx/4xx, bad = 5xx and proxy failures; excluded (abandoned by the
  // client) is on neither side (docs/sla-definitions.md#availability-occurrences,
  // docs/sla-definitions.md#abandoned-requests).
  const valid = sumWithout([], `increase(${REQUESTS}{${m},outcome=~"good|bad"}[${w}])`);
  const bad = sumWithout([], `increase(${REQUESTS}{${m},outcome="bad"}[${w}])`);
  // A route that never failed has no outcome="bad" series: its error count is 0, not absent.
  return { valid, bad: `(${bad} or ${valid} * 0)` };
}

/**
 * The Wilson score interval's lower bound (95%, z = 1.96) of the error ratio R over N
 * requests (docs/sla-definitions.md#flag-evidence):
 *   (R + z²/2N - z * sqrt(R(1-R)/N + z²/4N²)) / (1 + z²/N)
 * with z² = 3.8416, z²/2 = 1.9208, z²/4 = 0.9604.
 */
export function wilsonLower(ratio: string, requests: string): string {
  return `(${ratio} + 1.9208 / ${requests} - 1.96 * sqrt(${ratio} * (1 - ${ratio}) / ${requests} + 0.9604 / (${requests} ^ 2))) / (1 + 3.8416 / ${requests})`;
}

export function sliRecordings(spec: SloRuleSpec): RecordingRule[] {
  if (spec.def.method === 'timeslices') return timesliceRecordings(spec, windowsOf(spec));
  const out: RecordingRule[] = [];
  for (const w of windowsOf(spec)) {
    const c = occurrenceCounts(spec, w);
    out.push({ record: requestsRecord(w), expr: c.valid, labels: ruleLabels(spec, w) });
    out.push({ record: errorsRecord(w), expr: c.bad, labels: ruleLabels(spec, w) });
  }
  for (const w of windowsOf(spec)) {
    // No sample while the window saw no request: no traffic is not 100% (and not 0%)
    // (docs/sla-definitions.md#no-traffic).
    const sel = idSelector(spec, w);
    out.push({
      record: ratioRecord(w),
      expr: `${errorsRecord(w)}${sel} / (${requestsRecord(w)}${sel} > 0)`,
      labels: ruleLabels(spec, w),
    });
  }
  for (const w of LONG_WINDOWS) {
    const sel = idSelector(spec, w);
    out.push({
      record: wilsonRecord(w),
      expr: wilsonLower(`${ratioRecord(w)}${sel}`, `${requestsRecord(w)}${sel}`),
      labels: ruleLabels(spec, w),
    });
  }
  return out;
}

/** The number Prometheus reads back as exactly this double. */
export function num(x: number): string {
  return String(x);
}

export function metaRecordings(spec: SloRuleSpec, version: string): RecordingRule[] {
  const sel = idSelector(spec);
  const on = 'on (sloth_id, sloth_slo, sloth_service) group_left';
  const labels = ruleLabels(spec);
  const days =
    spec.periodMinutes === undefined ? 'days_in_month()' : `vector(${num(spec.periodMinutes / 1440)})`;
  const latency: RecordingRule[] =
    spec.le === undefined
      ? []
      : [
          // The bound the SLI counts against, so dashboards draw p99 against its objective.
          { record: 'sloprobe:slo_latency_objective:seconds', expr: `vector(${spec.le})`, labels },
        ];
  return [
    ...latency,
    { record: 'slo:objective:ratio', expr: `vector(${num(spec.objective)})`, labels },
    { record: 'slo:error_budget:ratio', expr: `vector(${num(spec.budget)})`, labels },
    { record: 'slo:time_period:days', expr: days, labels },
    {
      record: 'slo:current_burn_rate:ratio',
      expr: `${ratioRecord('5m')}${sel} / ${on} slo:error_budget:ratio${sel}`,
      labels,
    },
    {
      record: 'slo:period_burn_rate:ratio',
      expr: `${ratioRecord(spec.periodWindow)}${sel} / ${on} slo:error_budget:ratio${sel}`,
      labels,
    },
    {
      record: 'slo:period_error_budget_remaining:ratio',
      expr: `1 - slo:period_burn_rate:ratio${sel}`,
      labels,
    },
    {
      record: 'sloth_slo_info',
      expr: 'vector(1)',
      labels: {
        ...labels,
        sloth_mode: 'sloprobe-rules',
        sloth_spec: 'sloprobe/v1',
        sloth_version: version,
        sloth_objective: num(spec.objective * 100),
        sloprobe_method: spec.def.method,
        sloprobe_sli: spec.def.sli,
      },
    },
  ];
}
