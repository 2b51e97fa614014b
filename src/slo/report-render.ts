/**
 * The monthly report as JSON (`--format json`, stable keys) and as an aligned text table for a
 * person (`--format text`). Both render the same `MonthlyReport`.
 */

import { hdrEquivalentRange } from '../telemetry/hdr-layout.js';
import { formatCount } from './count-format.js';
import type { MaintenanceVerdict } from './maintenance.js';
import { humanDuration } from './maintenance.js';
import { isoSeconds } from './period.js';
import type { MonthlyReport, SloReport } from './report.js';
import { downtimePeriodJson, finite, maintenanceJson, periodOutcomeJson } from './slo-json.js';

function sloReportJson(s: SloReport): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    name: s.name,
    sli: s.sli,
    method: s.method,
    objective: s.objective,
    time_zone: s.timeZone,
    start: isoSeconds(s.startMs),
    end: isoSeconds(s.endMs),
    ...periodOutcomeJson(s),
  };
  if (s.latency) {
    doc.threshold_ms = s.latency.thresholdMs ?? null;
    doc.p99_ms = finite(s.latency.p99Ms);
    doc.p99_source = s.latency.p99Source;
    // An HDR p99 is known to a slot, not to the microsecond: its lowest value goes with it.
    if (s.latency.p99Source === 'hdr' && s.latency.p99Ms !== undefined) {
      doc.p99_lowest_ms = hdrEquivalentRange(s.latency.p99Ms * 1000).lowestUs / 1000;
    }
    doc.p99_above_last_bound = s.latency.p99AboveLastBound;
    doc.over_threshold_ratio = s.latency.overThresholdRatio;
  }
  if (s.timeslices) {
    const t = s.timeslices;
    doc.minutes_in_month = t.minutesInMonth;
    doc.uptime_ratio = t.uptimeRatio;
    doc.downtime_periods = t.downtimePeriods.map(downtimePeriodJson);
    doc.downtime_period_minutes = t.downtimePeriodMinutes;
    doc.intermittent_downtime_minutes = t.intermittentDowntimeMinutes;
    doc.service_credit = t.serviceCredit
      ? {
          amount: t.serviceCredit.amount,
          currency: t.serviceCredit.currency,
          monthly_fees: t.serviceCredit.monthlyFees,
        }
      : null;
  }
  return doc;
}

/** `{ month, generated_at, slos: [...], maintenance: { policy, applied, rejected } }`. */
export function reportJson(report: MonthlyReport): Record<string, unknown> {
  return {
    month: report.month,
    generated_at: isoSeconds(report.generatedAtMs),
    slos: report.slos.map(sloReportJson),
    maintenance: {
      policy: report.maintenance.policy,
      applied: report.maintenance.applied.map(maintenanceJson),
      rejected: report.maintenance.rejected.map(maintenanceJson),
    },
  };
}

export function percent(v: number | null, digits = 3): string {
  if (v === null) return '-';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const text = (v * 100).toFixed(digits);
  return `${digits > 0 ? text.replace(/\.?0+$/, '') : text}%`;
}

function minuteStamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

function table(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  numeric: ReadonlySet<number>,
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function status(s: SloReport): string {
  if (s.met === null) return 'no traffic';
  return s.met ? 'met' : 'MISSED';
}

function maintenanceLine(v: MaintenanceVerdict): string {
  const w = v.window;
  const scope = w.all ? 'all routes' : [...w.routes, ...w.categories.map((c) => `category ${c}`)].join(', ');
  const base = `${w.id}  ${minuteStamp(w.startMs)} - ${minuteStamp(w.endMs)} (${humanDuration(w.endMs - w.startMs)})  ${scope}`;
  return v.accepted ? base : `${base}\n      ${v.rule}: ${v.reason}`;
}

/** An HDR p99 as the range of values it stands for, e.g. `199.936-200.063ms`. */
function hdrRangeText(p99Ms: number): string {
  const { lowestUs, highestUs } = hdrEquivalentRange(p99Ms * 1000);
  const ms = (us: number): string => (us / 1000).toFixed(3);
  return lowestUs === highestUs ? `${ms(lowestUs)}ms` : `${ms(lowestUs)}-${ms(highestUs)}ms`;
}

export function renderReportText(report: MonthlyReport): string {
  const out: string[] = [
    `SLA report for ${report.month} (generated ${isoSeconds(report.generatedAtMs)})`,
    '',
  ];
  const rows = report.slos.map((s) => [
    s.name,
    s.sli,
    s.method,
    percent(s.objective),
    formatCount(s.requests),
    formatCount(s.good),
    formatCount(s.bad),
    formatCount(s.excluded),
    percent(s.ratio),
    status(s),
    percent(s.budgetRemaining, 1),
  ]);
  out.push(
    ...table(
      [
        'SLO',
        'SLI',
        'method',
        'objective',
        'requests',
        'good',
        'bad',
        'excluded',
        'SLI %',
        'result',
        'budget left',
      ],
      rows,
      new Set([3, 4, 5, 6, 7, 8, 10]),
    ),
  );

  const latency = report.slos.filter((s) => s.latency);
  if (latency.length > 0) {
    out.push('', 'Latency');
    const lrows = latency.map((s) => {
      const l = s.latency!;
      let p99 = '-';
      if (l.p99Ms !== undefined) {
        const v = `${Math.round(l.p99Ms)}ms`;
        if (l.p99Source === 'hdr') p99 = `${hdrRangeText(l.p99Ms)} (HDR)`;
        else p99 = l.p99AboveLastBound ? `> ${v} (estimate from buckets)` : `~${v} (estimate from buckets)`;
      }
      return [
        s.name,
        l.thresholdMs === undefined ? 'per route' : `${l.thresholdMs}ms`,
        p99,
        percent(l.overThresholdRatio),
      ];
    });
    out.push(
      ...table(['SLO', 'threshold', 'p99', 'over threshold'], lrows, new Set([3])).map((l) => `  ${l}`),
      // docs/sla-definitions.md#latency-p99: "p99 <= T" is "at most 1% slower than T".
      '  The result counts requests slower than the threshold (over threshold <= 1% meets it);',
      '  the p99 is shown for reading only: HDR at 3 significant digits gives the range it lies in.',
    );
  }

  for (const s of report.slos) {
    const t = s.timeslices;
    if (!t) continue;
    out.push(
      '',
      `Timeslices: ${s.name} (${s.timeZone})`,
      `  uptime ${percent(t.uptimeRatio)} of ${formatCount(t.minutesInMonth)} minutes, objective ${percent(s.objective)}: ${status(s)}`,
    );
    if (t.downtimePeriods.length === 0) out.push('  Downtime Periods: none');
    else {
      out.push(`  Downtime Periods (${formatCount(t.downtimePeriodMinutes)} minutes):`);
      for (const p of t.downtimePeriods) {
        out.push(`    ${minuteStamp(p.startMs)} - ${minuteStamp(p.endMs)}  ${formatCount(p.minutes)} min`);
      }
    }
    out.push(`  Downtime minutes not in a Downtime Period: ${formatCount(t.intermittentDowntimeMinutes)}`);
    if (t.serviceCredit) {
      const c = t.serviceCredit;
      out.push(
        `  Service credit: ${formatCount(c.amount)} ${c.currency} (lesser of 10% of fees ${formatCount(c.monthlyFees)} ${c.currency} and 10,000)`,
      );
    }
  }

  const m = report.maintenance;
  out.push('', `Maintenance (policy: ${m.policy})`);
  if (m.applied.length === 0 && m.rejected.length === 0) out.push('  none this month');
  for (const v of m.applied) out.push(`  applied   ${maintenanceLine(v)}`);
  for (const v of m.rejected) out.push(`  REJECTED  ${maintenanceLine(v)}`);
  return `${out.join('\n')}\n`;
}
