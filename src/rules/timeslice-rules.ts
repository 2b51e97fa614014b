/**
 * Recording rules of a timeslice SLO (docs/sla-definitions.md#timeslice-error-rate,
 * docs/sla-definitions.md#downtime-minute, docs/sla-definitions.md#downtime-period,
 * docs/sla-definitions.md#monthly-uptime):
 *
 *   per slice (1 minute): API error rate = error responses (HTTP 500) / requests;
 *   a slice is Downtime when that rate is greater than the threshold (5%);
 *   a Downtime Period is ten or more consecutive Downtime slices;
 *   the SLI's bad share over a window = share of its slices inside Downtime Periods.
 *
 * How PromQL approximates the sidecar, stated once here and in README:
 * - The slice is the rolling last minute at each evaluation; the Downtime Period rule looks
 *   at the judgements at whole-minute steps (a 1m-step subquery), so ten consecutive steps
 *   are ten consecutive minutes.
 * - Counters cannot tell a repeated identical request from a new one: Prometheus divides by
 *   all requests, not distinct ones (docs/sla-definitions.md#repeated-requests). The exact
 *   figure is the sidecar's own and `report`'s from its store.
 * - A minute learns that it belongs to a Downtime Period only when the run reaches ten
 *   minutes, so `member` judges the slice (N-1) slices ago: the windowed ratios lag the
 *   run's start by that much.
 */
import { REQUESTS, type RecordingRule, ratioRecord, requestsRecord } from './names.js';
import { idSelector, ruleLabels, type SloRuleSpec, SUMMED_LABELS } from './slo-spec.js';

/** Per-slice series, named after the slice (`1m` for the SLA's minutes). */
export const sliceErrorsRecord = (slice: string): string => `sloprobe:timeslice_errors:increase${slice}`;
export const sliceRequestsRecord = (slice: string): string => `sloprobe:timeslice_requests:increase${slice}`;
export const sliceRatioRecord = (slice: string): string => `sloprobe:timeslice_error:ratio_rate${slice}`;
export const downtimeMinuteRecord = 'sloprobe:timeslice_downtime_minute:bool';
export const downtimePeriodRecord = 'sloprobe:timeslice_downtime_period:bool';
export const periodMemberRecord = 'sloprobe:timeslice_downtime_period_member:bool';

function sumWithout(expr: string): string {
  return `sum without (${SUMMED_LABELS.join(', ')}) (${expr})`;
}

/** `[9m59s:1m]`: exactly N steps of one slice each, whether or not `now` is on a minute mark. */
function stepsRange(n: number, sliceMinutes: number): string {
  return `[${n * sliceMinutes - 1}m59s:${sliceMinutes}m]`;
}

export function timesliceRecordings(spec: SloRuleSpec, windows: readonly string[]): RecordingRule[] {
  const rules = spec.def.timeslices!;
  const sliceMinutes = Math.max(1, Math.round(rules.sliceMs / 60_000));
  const slice = `${sliceMinutes}m`;
  const n = Math.max(1, rules.minConsecutive);
  const statuses = rules.errorStatuses.join('|');
  const m = spec.matchers;
  const sliceSel = idSelector(spec, slice);
  const labels = ruleLabels(spec, slice);
  const all = sumWithout(`increase(${REQUESTS}{${m}}[${slice}])`);
  const out: RecordingRule[] = [
    { record: sliceRequestsRecord(slice), expr: all, labels },
    {
      record: sliceErrorsRecord(slice),
      expr: `(${sumWithout(`increase(${REQUESTS}{${m},code=~"${statuses}"}[${slice}])`)} or ${all} * 0)`,
      labels,
    },
    {
      record: sliceRatioRecord(slice),
      expr: `${sliceErrorsRecord(slice)}${sliceSel} / (${sliceRequestsRecord(slice)}${sliceSel} > 0)`,
      labels,
    },
    {
      // "greater than five percent": strictly above; a slice without requests has no error
      // rate and is not Downtime (0, so that it ends a run).
      record: downtimeMinuteRecord,
      expr: `(${sliceRatioRecord(slice)}${sliceSel} > bool ${rules.threshold}) or ${sliceRequestsRecord(slice)}${sliceSel} * 0`,
      labels,
    },
    {
      // 1 when the last N slices were all Downtime.
      record: downtimePeriodRecord,
      expr: `(count_over_time((${downtimeMinuteRecord}${sliceSel} == 1)${stepsRange(n, sliceMinutes)}) >= bool ${n}) or ${downtimeMinuteRecord}${sliceSel} * 0`,
      labels,
    },
    {
      // The slice N-1 slices ago is in a Downtime Period when any run of N that ends in the
      // N slices since then covers it.
      record: periodMemberRecord,
      expr: `max_over_time(${downtimePeriodRecord}${sliceSel}${stepsRange(n, sliceMinutes)})`,
      labels,
    },
  ];
  for (const w of windows) {
    out.push({
      record: requestsRecord(w),
      expr: sumWithout(`increase(${REQUESTS}{${m}}[${w}])`),
      labels: ruleLabels(spec, w),
    });
    out.push({
      record: ratioRecord(w),
      // Share of the window's evaluations (taken at a steady interval) whose slice was in a
      // Downtime Period. The period window is the uptime's complement: uptime = 1 - this.
      expr: `avg_over_time(${periodMemberRecord}${sliceSel}[${w}])`,
      labels: ruleLabels(spec, w),
    });
  }
  return out;
}
