/**
 * A resolved config's SLOs as OpenSLO v1 documents: one DataSource (the Prometheus that
 * scrapes sloprobe), one Service, the burn-rate alerts as AlertCondition + AlertPolicy pairs
 * with one AlertNotificationTarget, then an SLI and an SLO per sloprobe SLO.
 *
 * Mapping (docs/sla-definitions.md anchors in parentheses):
 * - occurrences -> `budgetingMethod: Occurrences`, objective -> `target`
 *   (availability-occurrences, latency-p99);
 * - timeslices -> `Timeslices` with `timeSliceWindow` = the slice and `timeSliceTarget` =
 *   1 - threshold: a slice is good when its error rate is at most the threshold, i.e. its
 *   success ratio at least 1 - threshold (timeslice-error-rate, downtime-minute). A Downtime
 *   Period's minimum run and the distinct-request rule have no OpenSLO field: annotations
 *   (downtime-period, repeated-requests);
 * - `period: 30d` -> rolling `timeWindow`; `calendar-month` -> `1M` calendar-aligned in
 *   the config's time zone (monthly-uptime);
 * - each multiwindow rule -> one AlertCondition (`burnrate`, `gt` the factor over the long
 *   window; the short window, which OpenSLO cannot express, in an annotation) and one
 *   AlertPolicy, as the spec allows one condition per policy (burn-rate-alerts).
 */
import { basename, extname } from 'node:path';
import type { CompliancePeriod, ResolvedConfig, SloDefinition } from '../config/types.js';
import { formatDuration, formatPercent } from '../config/units.js';
import { burnFactor } from '../slo/burn.js';
import { ALERT_RULES, type AlertRule } from '../slo/windows.js';
import { sliQueries } from './queries.js';
import { ANNOTATION, API_VERSION, type OpenSloDocument, objectName, round12, shorthand } from './spec.js';

export interface ExportOptions {
  /** The Service's name; default: the config file's name. */
  readonly service?: string | undefined;
  /** Where the DataSource says Prometheus is. */
  readonly prometheusUrl: string;
}

export const DATA_SOURCE = 'sloprobe-prometheus';
export const NOTIFICATION_TARGET = 'sloprobe-flag-log';
/** A calendar month's burn factors use 30 days; the engine uses each month's real length. */
const CALENDAR_MONTH_MINUTES = 30 * 1440;
/** Any month start aligns a `1M` window; the spec wants a date and time without zone. */
const CALENDAR_START = '2020-01-01 00:00:00';

export function exportOpenSlo(config: ResolvedConfig, options: ExportOptions): OpenSloDocument[] {
  const service = objectName(options.service ?? basename(config.source, extname(config.source)));
  const docs: OpenSloDocument[] = [
    doc('DataSource', DATA_SOURCE, {
      description: "The Prometheus that scrapes the sloprobe sidecar's /metrics (admin listener).",
      type: 'Prometheus',
      connectionDetails: { url: options.prometheusUrl },
    }),
    doc('Service', service, {
      description: `The API behind the sloprobe sidecar configured by ${basename(config.source)} (upstream ${config.upstream}).`,
    }),
    doc('AlertNotificationTarget', NOTIFICATION_TARGET, {
      description:
        'sloprobe writes one slo_flag JSON line on stderr when a flag is raised or cleared, and sets sloprobe_slo_alert_active{severity}.',
      target: 'log',
    }),
  ];
  const periods = new Map<string, CompliancePeriod>();
  for (const slo of config.slos) periods.set(periodTag(slo.period), slo.period);
  for (const [tag, period] of periods) {
    for (const rule of ALERT_RULES) docs.push(...alertDocuments(rule, tag, period));
  }
  const used = new Set<string>();
  for (const slo of config.slos) {
    let name = objectName(slo.name);
    // Two sloprobe names can map to one object name (`a.b` and `a-b`): keep them apart.
    if (used.has(name)) name = objectName(`${slo.name}~`);
    used.add(name);
    docs.push(sliDocument(slo, name), sloDocument(slo, name, service));
  }
  return docs;
}

function doc(
  kind: string,
  name: string,
  spec: Record<string, unknown>,
  annotations?: Record<string, string>,
): OpenSloDocument {
  return {
    apiVersion: API_VERSION,
    kind,
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec,
  };
}

function periodTag(period: CompliancePeriod): string {
  return period.kind === 'rolling' ? shorthand(period.ms) : '1M';
}

function alertName(rule: AlertRule, tag: string): string {
  return objectName(`${rule.id}-${tag === '1M' ? 'calendar-month' : tag}`);
}

function alertDocuments(rule: AlertRule, tag: string, period: CompliancePeriod): OpenSloDocument[] {
  const periodMinutes = period.kind === 'rolling' ? period.ms / 60_000 : CALENDAR_MONTH_MINUTES;
  const factor = round12(burnFactor(rule.budgetPercent, periodMinutes, rule.longMinutes));
  const name = alertName(rule, tag);
  const long = shorthand(rule.longMinutes * 60_000);
  const description =
    `Burn rate over ${long} and over ${rule.shortWindow} both above ${factor} (${rule.budgetPercent}% of a ` +
    `${period.kind === 'rolling' ? tag : '30-day month'} budget in ${long}), with enough requests and the ` +
    'evidence rule (docs/sla-definitions.md#burn-rate-alerts, #flag-evidence).';
  const annotations = { [ANNOTATION.rule]: rule.id, [ANNOTATION.shortWindow]: rule.shortWindow };
  return [
    doc(
      'AlertCondition',
      name,
      {
        description,
        severity: rule.severity,
        // No alertAfter: its default is 0m ("defaults to `0m`"), which is not a positive
        // duration-shorthand, and sloprobe raises a flag as soon as both windows burn.
        condition: { kind: 'burnrate', op: 'gt', threshold: factor, lookbackWindow: long },
      },
      annotations,
    ),
    doc('AlertPolicy', name, {
      description: `sloprobe's ${rule.id} flag (${rule.severity}).`,
      // A flag is logged when raised and when cleared; a window without traffic never
      // raises one (docs/sla-definitions.md#no-traffic).
      alertWhenNoData: false,
      alertWhenResolved: true,
      alertWhenBreaching: true,
      conditions: [{ conditionRef: name }],
      notificationTargets: [{ targetRef: NOTIFICATION_TARGET }],
    }),
  ];
}

function metricSource(query: string) {
  return { metricSource: { metricSourceRef: DATA_SOURCE, type: 'Prometheus', spec: { query } } };
}

function sliDocument(slo: SloDefinition, name: string): OpenSloDocument {
  const q = sliQueries(slo);
  const what =
    slo.sli === 'latency'
      ? `requests answered within ${slo.latency!.thresholdMs}ms (SLI latency at the edge) over requests with a latency`
      : slo.method === 'timeslices'
        ? `requests answered ${slo.timeslices!.errorStatuses.join('/')} over requests, per slice`
        : 'requests answered 5xx or not at all over requests answered';
  return doc(
    'SLI',
    name,
    {
      description: `${slo.sli} of ${scopeText(slo)}: ${what}.`,
      ratioMetric: {
        counter: true,
        [q.numerator]: metricSource(q.numeratorQuery),
        total: metricSource(q.totalQuery),
      },
    },
    { [ANNOTATION.name]: slo.name },
  );
}

function sloDocument(slo: SloDefinition, name: string, service: string): OpenSloDocument {
  const annotations: Record<string, string> = {
    [ANNOTATION.name]: slo.name,
    [ANNOTATION.generated]: String(slo.generated),
  };
  if (slo.latency) annotations[ANNOTATION.latencyPercentile] = String(slo.latency.percentile);
  const objective: Record<string, unknown> = {
    displayName: `${formatPercent(slo.objective)} ${slo.sli}`,
    target: slo.objective,
  };
  if (slo.timeslices) {
    objective.timeSliceTarget = round12(1 - slo.timeslices.threshold);
    objective.timeSliceWindow = shorthand(slo.timeslices.sliceMs);
    annotations[ANNOTATION.minConsecutive] = String(slo.timeslices.minConsecutive);
    annotations[ANNOTATION.distinct] = String(slo.timeslices.distinct);
  }
  const tag = periodTag(slo.period);
  return doc(
    'SLO',
    name,
    {
      description: `${formatPercent(slo.objective)} ${slo.sli} of ${scopeText(slo)} over ${slo.period.kind === 'rolling' ? `a rolling ${formatDuration(slo.period.ms)}` : `each calendar month (${slo.period.timeZone})`}.`,
      service,
      indicatorRef: name,
      timeWindow: [
        slo.period.kind === 'rolling'
          ? { duration: tag, isRolling: true }
          : {
              duration: '1M',
              calendar: { startTime: CALENDAR_START, timeZone: slo.period.timeZone },
              isRolling: false,
            },
      ],
      budgetingMethod: slo.method === 'timeslices' ? 'Timeslices' : 'Occurrences',
      objectives: [objective],
      alertPolicies: ALERT_RULES.map((rule) => ({ alertPolicyRef: alertName(rule, tag) })),
    },
    annotations,
  );
}

function scopeText(slo: SloDefinition): string {
  return slo.scope.kind === 'all' ? 'all routes' : `${slo.scope.kind} ${slo.scope.name}`;
}
