/**
 * Prometheus families for the SLO statuses of one evaluation (the admin listener appends
 * them to the recorder's). Everything is a gauge recomputed per evaluation; a ratio without
 * traffic has no sample at all, so dashboards show a gap instead of a fake 0 or 100%
 * (docs/sla-definitions.md#no-traffic). The text itself is written by the one Prometheus
 * writer, `PromWriter` in telemetry/exposition.ts.
 *
 * Downtime durations are exported in seconds, not minutes: Prometheus names carry base units
 * and `promtool check metrics` rejects `_minutes` ("use base unit seconds").
 */
import { type LabelPairs, PromWriter } from '../telemetry/exposition.js';
import type { SloStatus } from './status.js';

function base(s: SloStatus): LabelPairs {
  return [
    ['slo', s.name],
    ['sli', s.sli],
  ];
}

/** Writes every SLO family, each with the samples of every status in order. */
export function writeSloMetrics(w: PromWriter, statuses: readonly SloStatus[]): void {
  w.family(
    'sloprobe_slo_objective_ratio',
    'gauge',
    'Objective of the SLO: share of good events (occurrences) or of good minutes (timeslices).',
  );
  for (const s of statuses) w.sample('sloprobe_slo_objective_ratio', base(s), s.objective);

  w.family(
    'sloprobe_slo_error_ratio',
    'gauge',
    'Bad share over the window: bad/valid events, or minutes in Downtime Periods / minutes (timeslices). No sample without traffic.',
  );
  for (const s of statuses) {
    for (const win of s.windows) {
      if (win.errorRatio === null) continue;
      w.sample('sloprobe_slo_error_ratio', [...base(s), ['window', win.window]], win.errorRatio);
    }
  }

  w.family(
    'sloprobe_slo_burn_rate',
    'gauge',
    'Error ratio over the window divided by the error budget (1 - objective).',
  );
  for (const s of statuses) {
    for (const win of s.windows) {
      // A burn rate exists only where a ratio does (docs/sla-definitions.md#burn-rate-alerts).
      if (win.errorRatio === null || win.burnRate === null) continue;
      w.sample('sloprobe_slo_burn_rate', [...base(s), ['window', win.window]], win.burnRate);
    }
  }

  w.family(
    'sloprobe_slo_error_budget_remaining_ratio',
    'gauge',
    'Share of the compliance period error budget still unspent; negative once overspent.',
  );
  for (const s of statuses) w.sample('sloprobe_slo_error_budget_remaining_ratio', base(s), s.budgetRemaining);

  w.family(
    'sloprobe_slo_alert_active',
    'gauge',
    'Multiwindow multi-burn-rate flag: 1 while raised (page: 1h&5m or 6h&30m; ticket: 1d&2h or 3d&6h).',
  );
  for (const s of statuses) {
    w.sample('sloprobe_slo_alert_active', [...base(s), ['severity', 'page']], s.flags.page ? 1 : 0);
    w.sample('sloprobe_slo_alert_active', [...base(s), ['severity', 'ticket']], s.flags.ticket ? 1 : 0);
  }

  w.family(
    'sloprobe_slo_uptime_ratio',
    'gauge',
    'Timeslice SLOs: (minutes in period - minutes in Downtime Periods) / minutes in period.',
  );
  for (const s of statuses) {
    if (s.timeslices) w.sample('sloprobe_slo_uptime_ratio', [['slo', s.name]], s.timeslices.uptimeRatio);
  }

  w.family(
    'sloprobe_slo_downtime_period_seconds',
    'gauge',
    'Timeslice SLOs: time in Downtime Periods (runs of consecutive Downtime minutes long enough to count) this period.',
  );
  for (const s of statuses) {
    const t = s.timeslices;
    if (t) w.sample('sloprobe_slo_downtime_period_seconds', [['slo', s.name]], t.downtimePeriodMinutes * 60);
  }

  w.family(
    'sloprobe_slo_intermittent_downtime_seconds',
    'gauge',
    'Timeslice SLOs: Downtime in runs too short to form a Downtime Period this period (not counted against uptime).',
  );
  for (const s of statuses) {
    const t = s.timeslices;
    if (t)
      w.sample(
        'sloprobe_slo_intermittent_downtime_seconds',
        [['slo', s.name]],
        t.intermittentDowntimeMinutes * 60,
      );
  }
}

/** The SLO families as text (ends with a newline). */
export function renderSloMetrics(statuses: readonly SloStatus[]): string {
  const w = new PromWriter();
  writeSloMetrics(w, statuses);
  return w.text();
}
