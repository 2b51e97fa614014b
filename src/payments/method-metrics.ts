/**
 * `sloprobe_payment_method_requests_total{payment_method, instrument, outcome}`: the
 * per-method series' requests as counters, so that a fleet's per-method availability is
 * summed across replicas in Prometheus (the generated `sloprobe:payment_method_*` rules)
 * instead of averaged from each replica's own ratio gauge, which weighs a quiet replica like
 * a busy one. Outcomes as in `sloprobe_requests_total`: excluded requests (abandoned by the
 * client) are counted apart and are on neither side of the ratio
 * (docs/sla-definitions.md#availability-occurrences, docs/sla-definitions.md#abandoned-requests).
 *
 * Every series writes all three outcomes from the start, zeros included: `increase()` then
 * sees the first requests of a replica instead of taking its first sample as the baseline.
 * The counters start again at 0 on a config reload (a new recorder per generation), which
 * Prometheus reads as a counter reset.
 */
import { OUTCOMES } from '../telemetry/classify.js';
import { labelText, type PromWriter } from '../telemetry/exposition.js';
import type { MethodPlan } from './method-series.js';

export const METHOD_REQUESTS = 'sloprobe_payment_method_requests_total';

/** `network=VISA,bank=MB2U` (fields sorted, as in the series name), '' for none. */
export function instrumentLabel(instrument: Readonly<Record<string, string>>): string {
  return Object.keys(instrument)
    .sort()
    .map((f) => `${f}=${instrument[f]}`)
    .join(',');
}

/** Label text per (series, outcome), built once per config generation. */
export function methodLabelTexts(plan: MethodPlan): string[] {
  const out: string[] = [];
  for (const s of plan.series) {
    const instrument = instrumentLabel(s.instrument);
    for (const outcome of OUTCOMES) {
      out.push(
        labelText(
          instrument === ''
            ? [
                ['payment_method', s.method],
                ['outcome', outcome],
              ]
            : [
                ['payment_method', s.method],
                ['instrument', instrument],
                ['outcome', outcome],
              ],
        ),
      );
    }
  }
  return out;
}

/** Writes the family; nothing when the config has no payment method. */
export function writeMethodCounters(w: PromWriter, labels: readonly string[], totals: Float64Array): void {
  if (labels.length === 0) return;
  w.family(
    METHOD_REQUESTS,
    'counter',
    'Requests per payment method (and instrument) series; outcome good, bad or excluded, as in sloprobe_requests_total.',
  );
  for (let i = 0; i < labels.length && i < totals.length; i++)
    w.line(METHOD_REQUESTS, labels[i]!, totals[i]!);
}
