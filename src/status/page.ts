/**
 * The status page (`GET /` and `GET /status` on the admin listener), rendered from one
 * StatusModel: overall state, each SLO category by service class with 90 daily bars, the same
 * bars per payment-method series, each SLO's budget against the ideal line, p99 per hour
 * against each latency objective, downtimes with their updates, and upcoming maintenance
 * with its policy verdict.
 */

import type { SloDefinition } from '../config/types.js';
import { formatCount } from '../slo/count-format.js';
import { percent } from '../slo/report-render.js';
import type { DayFigure } from './daily.js';
import { esc, htmlDocument } from './html.js';
import { concernsSeries, seriesLabel } from './method-daily.js';
import type { MethodBars, StatusModel } from './model.js';
import { affects, type DowntimeView, overlaps } from './sources.js';
import { barSlo, type ComponentStatus, downtimeStatus, overall, STATUS_LABELS, worse } from './state.js';
import { type Bar, barKind, budgetChart, objectiveChart, uptimeBars } from './svg.js';

export function isoMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function dayLabel(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(ms);
}

/** The figure of one day as the SLA defines it, in words. */
export function dayFigureText(f: DayFigure, method: 'occurrences' | 'timeslices'): string {
  if (f.ratio === null) return 'no data (no requests)';
  if (method === 'timeslices')
    return `uptime ${percent(f.ratio)} (${formatCount(f.downtimePeriodMinutes)} Downtime Period minutes, ${formatCount(f.valid)} distinct requests)`;
  return `${percent(f.ratio)} (${formatCount(f.valid - f.bad)} of ${formatCount(f.valid)} requests good)`;
}

/**
 * One bar per day of `daily`, judged against `def`: tooltip with the figure, the requests and
 * the downtimes of that day that `concerns` keeps (cancelled ones never).
 */
export function dayBars(
  m: StatusModel,
  daily: readonly DayFigure[],
  def: SloDefinition,
  concerns: (d: DowntimeView) => boolean,
  labels: readonly string[],
): Bar[] {
  return daily.map((f, k) => {
    const from = f.startMs / 1000;
    const to = f.endMs / 1000;
    const that = m.downtimes.filter((d) => overlaps(d, from, to) && d.status !== 'cancelled' && concerns(d));
    const maint = that.filter((d) => d.policy);
    const incidents = that.filter((d) => !d.policy);
    const parts = [`${labels[k] ?? dayLabel(f.startMs, m.timeZone)}: ${dayFigureText(f, def.method)}`];
    if (f.ratio !== null && f.requests > f.valid) parts.push(`${formatCount(f.requests - f.valid)} excluded`);
    for (const d of incidents) parts.push(`downtime ${d.id} (${d.severity})`);
    for (const d of maint)
      parts.push(`maintenance ${d.id} (${d.policy!.accepted ? 'met policy' : 'broke policy'})`);
    const maintenance =
      maint.length === 0 ? undefined : maint.some((d) => !d.policy!.accepted) ? 'broke' : 'met';
    return { kind: barKind(f.ratio, def.objective), tip: parts.join('; '), maintenance };
  });
}

/** The bars of one category's SLO: tooltip per day with figure, requests and downtimes. */
export function categoryBars(
  m: StatusModel,
  category: string,
  slo: number,
  labels: readonly string[],
): Bar[] {
  return dayBars(m, m.daily[slo] ?? [], m.config.slos[slo]!, (d) => affects(d, category), labels);
}

function barsSummary(bars: readonly Bar[]): string {
  const n = (k: Bar['kind']) => bars.filter((b) => b.kind === k).length;
  return `${n('ok')} days met the objective, ${n('minor') + n('major')} missed it, ${n('nodata')} had no data`;
}

const LEGEND = `<div class="legend"><span><i class="sw ok"></i>met</span><span><i class="sw minor"></i>missed</span><span><i class="sw major"></i>missed by more than 5 budgets</span><span><i class="sw nodata"></i>no data</span><span><i class="sw met"></i>maintenance, met policy</span><span><i class="sw broke"></i>maintenance, broke policy</span></div>`;

function components(m: StatusModel): string {
  const labels = m.days.map((d) => dayLabel(d.startMs, m.timeZone));
  const out: string[] = [
    '<section aria-labelledby="h-components"><h2 id="h-components">Components</h2>',
    LEGEND,
  ];
  for (const cls of m.config.classes.values()) {
    const states = m.states.filter((s) => s.class === cls.name);
    if (states.length === 0) continue;
    out.push(
      `<h3 class="class">${esc(cls.name)} <span class="mute">(objective ${percent(cls.availability)})</span></h3>`,
    );
    for (const s of states) {
      const cat = m.config.categories.get(s.category);
      const slo = barSlo(m.config, s.category);
      out.push(
        `<div class="card" data-category="${esc(s.category)}" data-status="${s.status}"><div class="row"><h3>${esc(s.category)}</h3><span class="state ${s.status}">${STATUS_LABELS[s.status]}</span></div>`,
      );
      if (cat?.description) out.push(`<div class="mute">${esc(cat.description)}</div>`);
      if (s.causes.length > 0) out.push(`<div class="mute">${s.causes.map(esc).join('; ')}</div>`);
      if (slo === undefined) out.push('<div class="mute">No routes in this category.</div>');
      else {
        const def = m.config.slos[slo]!;
        const bars = categoryBars(m, s.category, slo, labels);
        const title = `${s.category}: daily ${def.method === 'timeslices' ? 'uptime' : 'availability'} over ${bars.length} days (${def.name}, objective ${percent(def.objective)})`;
        out.push(uptimeBars(bars, title, barsSummary(bars)));
        out.push(
          `<div class="row mute"><span>${bars.length} days ago</span><span>${esc(def.name)}: ${esc(barsSummary(bars))}</span><span>today</span></div>`,
        );
      }
      out.push('</div>');
    }
  }
  out.push('</section>');
  return out.join('\n');
}

/** A series' state: the worst of its started downtimes, as for a category; operational without one. */
function methodState(m: StatusModel, v: MethodBars): ComponentStatus {
  let status: ComponentStatus = 'operational';
  for (const d of m.downtimes)
    if (d.status === 'started' && concernsSeries(d, v)) status = worse(status, downtimeStatus(d));
  return status;
}

function methods(m: StatusModel): string {
  if (m.methods.length === 0) return '';
  const labels = m.days.map((d) => dayLabel(d.startMs, m.timeZone));
  const out: string[] = ['<section aria-labelledby="h-methods"><h2 id="h-methods">Payment methods</h2>'];
  for (const v of m.methods) {
    const name = seriesLabel(v.series);
    const status = methodState(m, v);
    const bars = dayBars(m, v.daily, v.slo, (d) => concernsSeries(d, v), labels);
    const what = v.slo.method === 'timeslices' ? 'uptime' : 'availability';
    const title = `Payment method ${name}: daily ${what} over ${bars.length} days (objective ${percent(v.slo.objective)})`;
    out.push(
      `<div class="card" data-method="${esc(v.series.name)}" data-status="${status}"><div class="row"><h3>${esc(name)}</h3><span class="state ${status}">${STATUS_LABELS[status]}</span></div>`,
      `<div class="mute">${esc(v.categories.join(', '))} · ${what} objective ${percent(v.slo.objective)}</div>`,
      uptimeBars(bars, title, barsSummary(bars)),
      `<div class="row mute"><span>${bars.length} days ago</span><span>${esc(barsSummary(bars))}</span><span>today</span></div></div>`,
    );
  }
  out.push('</section>');
  return out.join('\n');
}

function budgets(m: StatusModel): string {
  const rows = m.statuses.map(
    (s) =>
      `<tr><td>${esc(s.name)}</td><td>${s.sli}${s.method === 'timeslices' ? ' (timeslices)' : ''}</td><td class="n">${percent(s.objective)}</td><td>${esc(s.periodLabel)}</td><td class="n">${percent(s.ratio)}</td><td class="n">${formatCount(s.requests)}</td><td class="n">${percent(s.budgetRemaining, 1)}</td><td>${s.flags.page ? 'page' : s.flags.ticket ? 'ticket' : ''}</td></tr>`,
  );
  const charts = m.statuses.map((s, i) => {
    const pts = m.budgets[i] ?? [];
    const last = pts[pts.length - 1]?.v;
    const desc =
      last === null || last === undefined
        ? 'No traffic in the period yet: no budget consumed.'
        : `${percent(last, 1)} of the error budget consumed by ${isoMinute(s.evaluatedAtMs)}; the dashed line spends it evenly over the period.`;
    return `<div class="card"><h3>${esc(s.name)}</h3>${budgetChart(pts, s.periodStartMs, s.periodEndMs, `${s.name}: error budget consumed over the ${s.periodLabel} period`, desc)}<div class="mute">${esc(desc)}</div></div>`;
  });
  return `<section aria-labelledby="h-slos"><h2 id="h-slos">Service level objectives</h2>
<div class="scroll"><table><thead><tr><th>SLO</th><th>SLI</th><th class="n">objective</th><th>period</th><th class="n">SLI over period</th><th class="n">requests</th><th class="n">budget left</th><th>flag</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>
<div class="grid2">${charts.join('')}</div></section>`;
}

function latency(m: StatusModel): string {
  if (m.latency.length === 0) return '';
  const cards = m.latency.map((l) => {
    const measured = l.points.filter((p) => p.v !== null);
    const over = measured.filter((p) => p.v! > l.objectiveMs).length;
    const desc =
      measured.length === 0
        ? 'No requests in the last 24 hours.'
        : `p99 per hour over the last 24 hours against the ${l.objectiveMs} ms objective: ${over} of ${measured.length} hours above it${l.estimated ? ' (some hours estimated from the SLI buckets)' : ''}.`;
    const first = l.points[0]?.t ?? m.nowMs;
    return `<div class="card"><h3>${esc(l.route)}</h3>${objectiveChart(l.points, l.objectiveMs, first, m.nowMs, `${l.route}: p99 latency per hour against ${l.objectiveMs} ms`, desc, 'ms')}<div class="mute">${esc(desc)}</div></div>`;
  });
  return `<section aria-labelledby="h-latency"><h2 id="h-latency">Latency, last 24 hours</h2><div class="grid2">${cards.join('')}</div></section>`;
}

function downtimeCard(d: DowntimeView): string {
  const when = `${isoMinute(d.begin * 1000)} to ${d.end === null ? 'ongoing' : isoMinute(d.end * 1000)}`;
  const scope = d.categories.length === 0 ? 'all categories' : d.categories.join(', ');
  const method = d.method ? `, method ${d.method}` : '';
  const updates = [...d.updates]
    .reverse()
    .map(
      (u) =>
        `<li><time datetime="${new Date(u.at * 1000).toISOString()}">${isoMinute(u.at * 1000)}</time> <b>${u.status}</b>: ${esc(u.message)}</li>`,
    )
    .join('');
  const verdict = d.policy
    ? `<div class="${d.policy.accepted ? 'mute' : 'state major_outage'}">${d.policy.accepted ? 'Meets the maintenance policy: excluded from the SLIs.' : `Breaks the maintenance policy (${esc(d.policy.rule ?? '')}): ${esc(d.policy.reason ?? '')}`}</div>`
    : '';
  return `<div class="card" id="downtime-${esc(encodeURIComponent(d.id))}" data-downtime="${esc(d.id)}"><div class="row"><h3>${esc(d.title)}</h3><span class="mute">${d.status}, ${d.severity} severity</span></div><div class="mute">${when}; ${esc(scope)}${esc(method)}</div>${verdict}<ol class="updates">${updates}</ol></div>`;
}

function downtimes(m: StatusModel): string {
  const nowSec = m.nowMs / 1000;
  const past = m.downtimes.filter((d) => d.begin <= nowSec && d.status !== 'scheduled').reverse();
  const upcoming = m.downtimes.filter((d) => d.begin > nowSec && d.status !== 'cancelled');
  return `<section aria-labelledby="h-downtimes"><h2 id="h-downtimes">Downtimes, active and recent</h2>${past.length === 0 ? '<p class="mute">None in the last 90 days.</p>' : past.map(downtimeCard).join('')}</section>
<section aria-labelledby="h-maintenance"><h2 id="h-maintenance">Upcoming maintenance</h2>${upcoming.length === 0 ? '<p class="mute">None scheduled.</p>' : upcoming.map(downtimeCard).join('')}</section>`;
}

export function renderStatusPage(m: StatusModel, nonce: string, refreshSeconds = 60): string {
  const o = overall(m.states);
  const body = `<header><h1>Service status</h1><div class="meta">Updated ${isoMinute(m.nowMs)} · days in ${esc(m.timeZone)} · refreshes every ${refreshSeconds} s</div></header>
<p class="banner ${o.indicator}" role="status" data-indicator="${o.indicator}">${esc(o.description)}</p>
${components(m)}
${methods(m)}
${budgets(m)}
${latency(m)}
${downtimes(m)}
<footer class="mute"><p>Feeds: <a href="/status/history.atom">Atom</a> · <a href="/status/history.rss">RSS</a> · JSON: <a href="/api/v2/summary.json">summary</a> · <a href="/v1/slos">/v1/slos</a> · <a href="/metrics">metrics</a></p></footer>`;
  return htmlDocument({ title: `Status: ${o.description}`, nonce, refreshSeconds, body });
}
