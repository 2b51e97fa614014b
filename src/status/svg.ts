/**
 * Charts drawn by the server as inline SVG: no script, no library, nothing fetched, so the
 * page reads offline, without JavaScript and under a CSP without 'unsafe-inline' (colours
 * come from CSS classes, never from style attributes). Every chart is `role="img"` with a
 * <title> and a <desc> that say in words what the drawing shows.
 */
import { esc } from './html.js';

let seq = 0;
/** Ids unique within one document (the title/desc references of each chart). */
function nextId(prefix: string): string {
  seq = (seq + 1) % 1e9;
  return `${prefix}${seq}`;
}

function open(width: number, height: number, title: string, desc: string, cls: string): string {
  const t = nextId('t');
  const d = nextId('d');
  return (
    `<svg class="${cls}" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" role="img" aria-labelledby="${t} ${d}">` +
    `<title id="${t}">${esc(title)}</title><desc id="${d}">${esc(desc)}</desc>`
  );
}

export type BarKind = 'ok' | 'minor' | 'major' | 'nodata';

export interface Bar {
  readonly kind: BarKind;
  /** The tooltip: date, figure, requests, downtimes. */
  readonly tip: string;
  /** Maintenance on that day: `met` its policy or `broke` it. */
  readonly maintenance: 'met' | 'broke' | undefined;
}

/** The colour rule of a day: met, missed by at most 5 budgets' worth, missed by more, or no data. */
export function barKind(ratio: number | null, objective: number): BarKind {
  if (ratio === null) return 'nodata';
  if (ratio + 1e-12 >= objective) return 'ok';
  return ratio >= 1 - 5 * (1 - objective) ? 'minor' : 'major';
}

/**
 * One bar per day, oldest on the left; maintenance days get a mark under the bar. Bars are
 * not focusable: 90 tab stops per category would bury the page for keyboard users, who get
 * the chart's summary in its <desc> instead.
 */
export function uptimeBars(bars: readonly Bar[], title: string, desc: string): string {
  const w = 10;
  const parts = [open(bars.length * w, 40, title, desc, 'bars')];
  bars.forEach((b, i) => {
    const x = i * w;
    parts.push(
      `<rect class="bar ${b.kind}" x="${x + 1}" y="0" width="${w - 2}" height="30" rx="1"><title>${esc(b.tip)}</title></rect>`,
    );
    if (b.maintenance)
      parts.push(
        `<rect class="maint ${b.maintenance}" x="${x + 1}" y="33" width="${w - 2}" height="5" rx="1"/>`,
      );
  });
  parts.push('</svg>');
  return parts.join('');
}

export interface SeriesPoint {
  readonly t: number;
  readonly v: number | null;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** Chart box in SVG units: small enough that 11-unit labels stay legible on a phone. */
const W = 400;
const H = 170;
const LEFT = 44;
const RIGHT = W - 6;

interface Frame {
  readonly x: (t: number) => number;
  readonly y: (v: number) => number;
  readonly parts: string[];
}

function frame(
  t0: number,
  t1: number,
  vMax: number,
  title: string,
  desc: string,
  yLabels: readonly [number, string][],
): Frame {
  const left = LEFT;
  const bottom = 20;
  const span = Math.max(1, t1 - t0);
  const x = (t: number) => left + ((t - t0) / span) * (RIGHT - left);
  const y = (v: number) => 6 + (1 - Math.min(v, vMax) / vMax) * (H - bottom - 6);
  const parts = [open(W, H, title, desc, 'chart')];
  for (const [v, label] of yLabels) {
    parts.push(`<line class="grid" x1="${left}" x2="${RIGHT}" y1="${fmt(y(v))}" y2="${fmt(y(v))}"/>`);
    parts.push(
      `<text class="axis" x="${left - 4}" y="${fmt(y(v) + 4)}" text-anchor="end">${esc(label)}</text>`,
    );
  }
  const day = (t: number) => new Date(t).toISOString().slice(5, 10);
  const hour = (t: number) => new Date(t).toISOString().slice(11, 16);
  const lbl = t1 - t0 > 2 * 86_400_000 ? day : hour;
  parts.push(`<text class="axis" x="${left}" y="${H - 4}">${esc(lbl(t0))}</text>`);
  parts.push(`<text class="axis" x="${RIGHT}" y="${H - 4}" text-anchor="end">${esc(lbl(t1))}</text>`);
  return { x, y, parts };
}

function path(points: readonly SeriesPoint[], f: Frame): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (p.v === null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${fmt(f.x(p.t))} ${fmt(f.y(p.v))} `;
    pen = true;
  }
  return d.trim();
}

/**
 * Error budget consumed (0 = none, 1 = all of it) over a period against the ideal line,
 * which spends it evenly from the period's start to its end.
 */
export function budgetChart(
  points: readonly SeriesPoint[],
  startMs: number,
  endMs: number,
  title: string,
  desc: string,
): string {
  let top = 1;
  for (const p of points) if (p.v !== null && Number.isFinite(p.v)) top = Math.max(top, p.v);
  top = Math.ceil(top * 4) / 4;
  const labels: [number, string][] = [
    [0, '0%'],
    [top / 2, `${fmt((top / 2) * 100)}%`],
    [top, `${fmt(top * 100)}%`],
  ];
  const f = frame(startMs, endMs, top, title, desc, labels);
  f.parts.push(
    `<line class="ideal" x1="${fmt(f.x(startMs))}" y1="${fmt(f.y(0))}" x2="${fmt(f.x(endMs))}" y2="${fmt(f.y(1))}"/>`,
  );
  if (top > 1)
    f.parts.push(`<line class="limit" x1="${LEFT}" x2="${RIGHT}" y1="${fmt(f.y(1))}" y2="${fmt(f.y(1))}"/>`);
  f.parts.push(`<path class="line" d="${path(points, f)}"/>`, '</svg>');
  return f.parts.join('');
}

/** A measured value (p99 latency in ms) against its objective, a dashed line. */
export function objectiveChart(
  points: readonly SeriesPoint[],
  objective: number,
  startMs: number,
  endMs: number,
  title: string,
  desc: string,
  unit: string,
): string {
  let top = objective * 1.25;
  for (const p of points) if (p.v !== null && Number.isFinite(p.v)) top = Math.max(top, p.v * 1.1);
  const labels: [number, string][] = [
    [0, `0${unit}`],
    [objective, `${fmt(objective)}${unit}`],
    [top, `${fmt(Math.round(top))}${unit}`],
  ];
  const f = frame(startMs, endMs, top, title, desc, labels);
  f.parts.push(
    `<line class="ideal" x1="${LEFT}" x2="${RIGHT}" y1="${fmt(f.y(objective))}" y2="${fmt(f.y(objective))}"/>`,
    `<path class="line" d="${path(points, f)}"/>`,
  );
  for (const p of points)
    if (p.v !== null)
      f.parts.push(
        `<circle class="${p.v > objective ? 'dot over' : 'dot'}" cx="${fmt(f.x(p.t))}" cy="${fmt(f.y(p.v))}" r="2.5"/>`,
      );
  f.parts.push('</svg>');
  return f.parts.join('');
}
