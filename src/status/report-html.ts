/**
 * The monthly SLA report as one self-contained HTML document (`report`/`replay --format
 * html`), a file a merchant can send a provider to claim a credit. The tables render the
 * same MonthlyReport as the text and JSON formats (src/slo/report-render.ts), with the same
 * number formatting; the charts draw the month's days from the same rollups through the
 * same engine (daily.ts), so the budget line ends where the table's "budget left" says.
 */

import { errorBudget } from '../slo/burn.js';
import { formatCount } from '../slo/count-format.js';
import { humanDuration, type MaintenanceVerdict } from '../slo/maintenance.js';
import { isoSeconds } from '../slo/period.js';
import type { MonthlyReport, SloReport } from '../slo/report.js';
import { percent } from '../slo/report-render.js';
import type { DayFigure } from './daily.js';
import { esc, htmlDocument } from './html.js';
import { dayFigureText, isoMinute } from './page.js';
import { type Bar, barKind, budgetChart, objectiveChart, type SeriesPoint, uptimeBars } from './svg.js';

/** The days of the month per SLO (config order), from dailyFigures. */
export interface ReportCharts {
  readonly days: readonly (readonly DayFigure[])[];
}

function result(s: SloReport): string {
  if (s.met === null) return 'no traffic';
  return s.met ? 'met' : 'MISSED';
}

function sloTable(r: MonthlyReport): string {
  const rows = r.slos.map(
    (s) =>
      `<tr data-slo="${esc(s.name)}"><td>${esc(s.name)}</td><td>${s.sli}</td><td>${s.method}</td><td class="n">${percent(s.objective)}</td><td class="n">${formatCount(s.requests)}</td><td class="n">${formatCount(s.good)}</td><td class="n">${formatCount(s.bad)}</td><td class="n">${formatCount(s.excluded)}</td><td class="n sli">${percent(s.ratio)}</td><td class="result">${result(s)}</td><td class="n budget">${percent(s.budgetRemaining, 1)}</td></tr>`,
  );
  return `<section aria-labelledby="h-slos"><h2 id="h-slos">Service level objectives</h2><div class="scroll"><table><thead><tr><th>SLO</th><th>SLI</th><th>method</th><th class="n">objective</th><th class="n">requests</th><th class="n">good</th><th class="n">bad</th><th class="n">excluded</th><th class="n">SLI %</th><th>result</th><th class="n">budget left</th></tr></thead><tbody>${rows.join('')}</tbody></table></div></section>`;
}

function latencyTable(r: MonthlyReport): string {
  const rows = r.slos
    .filter((s) => s.latency)
    .map((s) => {
      const l = s.latency!;
      let p99 = '-';
      if (l.p99Ms !== undefined) {
        const v = `${Math.round(l.p99Ms)}ms`;
        if (l.p99Source === 'hdr') p99 = `${v} (exact, HDR)`;
        else
          p99 = l.p99AboveLastBound ? `&gt; ${v} (estimate from buckets)` : `~${v} (estimate from buckets)`;
      }
      return `<tr><td>${esc(s.name)}</td><td>${l.thresholdMs === undefined ? 'per route' : `${l.thresholdMs}ms`}</td><td class="p99">${p99}</td><td class="n">${percent(l.overThresholdRatio)}</td></tr>`;
    });
  if (rows.length === 0) return '';
  return `<section aria-labelledby="h-latency"><h2 id="h-latency">Latency</h2><div class="scroll"><table><thead><tr><th>SLO</th><th>threshold</th><th>p99</th><th class="n">over threshold</th></tr></thead><tbody>${rows.join('')}</tbody></table></div></section>`;
}

function timeslices(r: MonthlyReport): string {
  const out: string[] = [];
  for (const s of r.slos) {
    const t = s.timeslices;
    if (!t) continue;
    const periods =
      t.downtimePeriods.length === 0
        ? '<p>Downtime Periods: none.</p>'
        : `<table><thead><tr><th>start</th><th>end</th><th class="n">minutes</th></tr></thead><tbody>${t.downtimePeriods
            .map(
              (p) =>
                `<tr class="downtime-period"><td>${isoMinute(p.startMs)}</td><td>${isoMinute(p.endMs)}</td><td class="n">${formatCount(p.minutes)}</td></tr>`,
            )
            .join('')}</tbody></table>`;
    const credit = t.serviceCredit
      ? `<p class="credit">Service credit: <b>${formatCount(t.serviceCredit.amount)} ${esc(t.serviceCredit.currency)}</b> (lesser of 10% of fees ${formatCount(t.serviceCredit.monthlyFees)} ${esc(t.serviceCredit.currency)} and 10,000).</p>`
      : '';
    out.push(
      `<div class="card" data-timeslices="${esc(s.name)}"><h3>Timeslices: ${esc(s.name)} (${esc(s.timeZone)})</h3><p>Uptime <b class="uptime">${percent(t.uptimeRatio)}</b> of ${formatCount(t.minutesInMonth)} minutes, objective ${percent(s.objective)}: ${result(s)}.</p><p>Downtime Periods: ${formatCount(t.downtimePeriodMinutes)} minutes; Downtime minutes not in a Downtime Period: ${formatCount(t.intermittentDowntimeMinutes)}.</p>${periods}${credit}</div>`,
    );
  }
  if (out.length === 0) return '';
  return `<section aria-labelledby="h-ts"><h2 id="h-ts">Monthly uptime (timeslices)</h2>${out.join('')}</section>`;
}

function verdictRow(v: MaintenanceVerdict): string {
  const w = v.window;
  const scope = w.all ? 'all routes' : [...w.routes, ...w.categories.map((c) => `category ${c}`)].join(', ');
  return `<tr class="${v.accepted ? 'applied' : 'rejected'}"><td>${esc(w.id)}</td><td>${isoMinute(w.startMs)} to ${isoMinute(w.endMs)} (${humanDuration(w.endMs - w.startMs)})</td><td>${esc(scope)}</td><td>${v.accepted ? 'applied: excluded from the SLIs' : `REJECTED, ${esc(v.rule ?? '')}: ${esc(v.reason ?? '')}`}</td></tr>`;
}

function maintenance(r: MonthlyReport): string {
  const m = r.maintenance;
  const rows = [...m.applied, ...m.rejected].map(verdictRow).join('');
  return `<section aria-labelledby="h-maint"><h2 id="h-maint">Maintenance (policy: ${esc(m.policy)})</h2>${rows ? `<div class="scroll"><table><thead><tr><th>window</th><th>when</th><th>scope</th><th>verdict</th></tr></thead><tbody>${rows}</tbody></table></div>` : '<p>None this month.</p>'}</section>`;
}

/** Budget consumed at the end of each day, out of the month's whole budget. */
export function monthBudgetPoints(s: SloReport, days: readonly DayFigure[]): SeriesPoint[] {
  const budget = errorBudget(s.objective);
  let valid = 0;
  for (const d of days) valid += d.valid;
  const minutes = s.timeslices?.minutesInMonth ?? 0;
  const points: SeriesPoint[] = [{ t: s.startMs, v: 0 }];
  let bad = 0;
  for (const d of days) {
    bad += s.method === 'timeslices' ? d.downtimePeriodMinutes : d.bad;
    const whole = s.method === 'timeslices' ? budget * minutes : budget * valid;
    points.push({ t: d.endMs, v: whole > 0 ? bad / whole : bad > 0 ? null : 0 });
  }
  return points;
}

function charts(r: MonthlyReport, c: ReportCharts): string {
  const cards = r.slos.map((s, i) => {
    const days = c.days[i] ?? [];
    const bars: Bar[] = days.map((d) => ({
      kind: barKind(d.ratio, s.objective),
      tip: `${new Date(d.startMs).toISOString().slice(0, 10)}: ${dayFigureText(d, s.method)}`,
      maintenance: undefined,
    }));
    const n = (k: Bar['kind']) => bars.filter((b) => b.kind === k).length;
    const barDesc = `${n('ok')} days met the objective, ${n('minor') + n('major')} missed it, ${n('nodata')} had no data`;
    const pts = monthBudgetPoints(s, days);
    const last = pts[pts.length - 1]?.v;
    const budgetDesc =
      last === null || last === undefined
        ? 'No budget consumed.'
        : `${percent(last, 1)} of the month's error budget consumed (budget left ${percent(s.budgetRemaining, 1)}); the dashed line spends it evenly over the month.`;
    let latency = '';
    const threshold = s.latency?.thresholdMs;
    if (s.sli === 'latency' && threshold !== undefined) {
      const lp: SeriesPoint[] = days.map((d) => ({ t: d.startMs, v: d.p99Ms ?? null }));
      const over = lp.filter((p) => p.v !== null && p.v > threshold).length;
      const desc = `Daily p99 (estimated from the SLI buckets) against ${threshold} ms: ${over} of ${lp.filter((p) => p.v !== null).length} days above it.`;
      latency = `${objectiveChart(lp, threshold, s.startMs, s.endMs, `${s.name}: daily p99 latency against ${threshold} ms`, desc, 'ms')}<p class="mute">${esc(desc)}</p>`;
    }
    return `<div class="card"><h3>${esc(s.name)}</h3>${uptimeBars(bars, `${s.name}: daily ${s.sli} in ${r.month}`, barDesc)}<p class="mute">${esc(barDesc)}</p><div class="grid2"><div>${budgetChart(pts, s.startMs, s.endMs, `${s.name}: error budget consumed in ${r.month}`, budgetDesc)}<p class="mute">${esc(budgetDesc)}</p></div>${latency ? `<div>${latency}</div>` : ''}</div></div>`;
  });
  return `<section aria-labelledby="h-charts"><h2 id="h-charts">Charts</h2>${cards.join('')}</section>`;
}

export function renderReportHtml(r: MonthlyReport, c: ReportCharts, nonce: string, source: string): string {
  const body = `<header><h1>SLA report for ${esc(r.month)}</h1><p class="meta">Generated ${isoSeconds(r.generatedAtMs)} from ${esc(source)} by sloprobe. Figures as the SLA defines them: availability is good / all requests with no-traffic periods excluded; timeslice uptime is the month's minutes outside Downtime Periods.</p></header>
${sloTable(r)}
${latencyTable(r)}
${timeslices(r)}
${maintenance(r)}
${charts(r, c)}`;
  return htmlDocument({ title: `SLA report ${r.month}`, nonce, refreshSeconds: 0, body });
}
