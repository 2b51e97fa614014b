/**
 * Prometheus text for the SLO statuses of one evaluation (the admin listener appends it to
 * the registry's output). Everything is a gauge recomputed per evaluation; a ratio without
 * traffic has no sample at all, so dashboards show a gap instead of a fake 0 or 100%.
 *
 * Downtime durations are exported in seconds, not minutes: Prometheus names carry base units
 * and `promtool check metrics` rejects `_minutes` ("use base unit seconds").
 */
import type { SloStatus } from './status.js';

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

class Family {
  private readonly lines: string[] = [];
  constructor(
    private readonly name: string,
    private readonly help: string,
  ) {}

  sample(labels: ReadonlyArray<readonly [string, string]>, value: number): void {
    const l = labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
    this.lines.push(`${this.name}{${l}} ${formatSampleValue(value)}`);
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, ...this.lines);
  }
}

export function renderSloMetrics(statuses: readonly SloStatus[]): string {
  const objective = new Family(
    'sloprobe_slo_objective_ratio',
    'Objective of the SLO: share of good events (occurrences) or of good minutes (timeslices).',
  );
  const errorRatio = new Family(
    'sloprobe_slo_error_ratio',
    'Bad share over the window: bad/valid events, or minutes in Downtime Periods / minutes (timeslices). No sample without traffic.',
  );
  const burn = new Family(
    'sloprobe_slo_burn_rate',
    'Error ratio over the window divided by the error budget (1 - objective).',
  );
  const budget = new Family(
    'sloprobe_slo_error_budget_remaining_ratio',
    'Share of the compliance period error budget still unspent; negative once overspent.',
  );
  const alert = new Family(
    'sloprobe_slo_alert_active',
    'Multiwindow multi-burn-rate flag: 1 while raised (page: 1h&5m or 6h&30m; ticket: 1d&2h or 3d&6h).',
  );
  const uptime = new Family(
    'sloprobe_slo_uptime_ratio',
    'Timeslice SLOs: (minutes in period - minutes in Downtime Periods) / minutes in period.',
  );
  const downtime = new Family(
    'sloprobe_slo_downtime_period_seconds',
    'Timeslice SLOs: time in Downtime Periods (runs of consecutive Downtime minutes long enough to count) this period.',
  );
  const intermittent = new Family(
    'sloprobe_slo_intermittent_downtime_seconds',
    'Timeslice SLOs: Downtime in runs too short to form a Downtime Period this period (not counted against uptime).',
  );

  for (const s of statuses) {
    const base: Array<readonly [string, string]> = [
      ['slo', s.name],
      ['sli', s.sli],
    ];
    objective.sample(base, s.objective);
    for (const w of s.windows) {
      if (w.errorRatio === null) continue;
      const labels = [...base, ['window', w.window] as const];
      errorRatio.sample(labels, w.errorRatio);
      if (w.burnRate !== null) burn.sample(labels, w.burnRate);
    }
    budget.sample(base, s.budgetRemaining);
    alert.sample([...base, ['severity', 'page']], s.flags.page ? 1 : 0);
    alert.sample([...base, ['severity', 'ticket']], s.flags.ticket ? 1 : 0);
    if (s.timeslices) {
      const slo: Array<readonly [string, string]> = [['slo', s.name]];
      uptime.sample(slo, s.timeslices.uptimeRatio);
      downtime.sample(slo, s.timeslices.downtimePeriodMinutes * 60);
      intermittent.sample(slo, s.timeslices.intermittentDowntimeMinutes * 60);
    }
  }
  const out: string[] = [];
  for (const f of [objective, errorRatio, burn, budget, alert, uptime, downtime, intermittent]) f.render(out);
  return `${out.join('\n')}\n`;
}
