/**
 * The fleet's per-minute, per-route rollups read back from Prometheus: the same shape the
 * store keeps (MinuteRollup), so `report --prometheus` runs the very engine and report code
 * of `report` on the counts of every replica.
 *
 * Counters are read raw, one series per replica, at every minute mark (a 60 s-step range
 * query), and differenced here: a value below the previous one is a restart (the counter
 * began again at 0), a series that appears mid-range began at 0. No increase(): it
 * extrapolates to the window's edges, and a report must add up to the requests served.
 * The counts of one minute are those scraped between its two marks, so a request is filed
 * under the minute of the first scrape after it (at most one scrape interval late).
 *
 * Prometheus cannot see two things the store has: which requests were identical repeats
 * (timeslice error rates divide by all requests here, docs/sla-definitions.md#repeated-requests)
 * and the HDR histograms (p99 is estimated from the buckets).
 */
import { timesliceErrorStatuses } from '../config/derived.js';
import type { ResolvedConfig } from '../config/types.js';
import { type Matcher, quote, regexLiteral, renderMatchers } from '../rules/selector.js';
import { BucketLayout, configBucketBounds } from '../telemetry/buckets.js';
import { type MinuteRollup, routeOfKey, syntheticRouteKey } from '../telemetry/rollup.js';
import { MINUTE_MS } from '../time.js';
import type { PrometheusApi, PromSeries } from './prometheus-api.js';

/** One day of minute marks per range query, well under Prometheus' 11,000 points. */
const CHUNK_MINUTES = 1440;

interface Acc {
  total: number;
  good: number;
  bad: number;
  excluded: number;
  errors: number;
  /** Cumulative SLI latency counts per `le`, as Prometheus stores them. */
  readonly cum: Float64Array;
}

function seriesKey(metric: Readonly<Record<string, string>>): string {
  return Object.keys(metric)
    .sort()
    .map((k) => `${k}=${metric[k]}`)
    .join('\u0000');
}

/** Counter deltas per minute mark of every series, carried across chunks. */
export class Differ {
  private readonly last = new Map<string, number>();
  constructor(private readonly firstMinute: number) {}

  /** Calls `add(minute, delta)` for each step of `s` whose counter moved. */
  each(s: PromSeries, add: (minute: number, delta: number) => void): void {
    const key = seriesKey(s.metric);
    let prev = this.last.get(key);
    for (const [t, text] of s.values) {
      const v = Number(text);
      if (!Number.isFinite(v)) continue;
      const mark = Math.round((t * 1000) / MINUTE_MS);
      if (prev === undefined) {
        // A series present at the very first mark was counting before the range: that is
        // its baseline. One that shows up later began at 0 in between.
        if (mark > this.firstMinute && v > 0) add(mark - 1, v);
      } else if (v >= prev) {
        if (v > prev) add(mark - 1, v - prev);
      } else {
        add(mark - 1, v);
      }
      prev = v;
    }
    if (prev !== undefined) this.last.set(key, prev);
  }
}

export async function prometheusRollups(
  api: PrometheusApi,
  cfg: ResolvedConfig,
  selector: readonly Matcher[],
  fromMinute: number,
  toMinute: number,
): Promise<MinuteRollup[]> {
  const layout = new BucketLayout(configBucketBounds(cfg));
  const leIndex = new Map(layout.le.map((le, i) => [le, i]));
  const routes = new Map(cfg.routes.map((r) => [r.name, r]));
  const errorStatuses = new Set(timesliceErrorStatuses(cfg).map(String));
  const routeRe = cfg.routes.map((r) => regexLiteral(r.name)).join('|');
  const sel = [renderMatchers(selector), `route=~${quote(routeRe)}`].filter((m) => m !== '').join(',');
  const accs = new Map<string, Acc>();
  const acc = (minute: number, route: string): Acc => {
    const k = `${minute}\u0000${route}`;
    let a = accs.get(k);
    if (!a) {
      a = { total: 0, good: 0, bad: 0, excluded: 0, errors: 0, cum: new Float64Array(layout.size) };
      accs.set(k, a);
    }
    return a;
  };

  const requests = new Differ(fromMinute);
  const buckets = new Differ(fromMinute);
  for (let start = fromMinute; start < toMinute; start += CHUNK_MINUTES) {
    // Marks start..end inclusive; the next chunk starts at this end, whose values the
    // differs already hold, so nothing is counted twice.
    const end = Math.min(toMinute, start + CHUNK_MINUTES);
    const [s, e] = [(start * MINUTE_MS) / 1000, (end * MINUTE_MS) / 1000];
    for (const series of await api.queryRange(`sloprobe_requests_total{${sel}}`, s, e, 60)) {
      const { route = '', outcome, code = '' } = series.metric;
      if (!routes.has(route)) continue;
      // Probe series (synthetic="true") become the route's probe rows, as the sidecar keeps them.
      const key = series.metric.synthetic === 'true' ? syntheticRouteKey(route) : route;
      requests.each(series, (minute, d) => {
        const a = acc(minute, key);
        a.total += d;
        if (outcome === 'good') a.good += d;
        else if (outcome === 'bad') a.bad += d;
        else a.excluded += d;
        if (errorStatuses.has(code)) a.errors += d;
      });
    }
    for (const series of await api.queryRange(
      `sloprobe_request_sli_latency_seconds_bucket{${sel}}`,
      s,
      e,
      60,
    )) {
      const i = leIndex.get(series.metric.le ?? '');
      const route = series.metric.route ?? '';
      if (i === undefined || !routes.has(route)) continue;
      const key = series.metric.synthetic === 'true' ? syntheticRouteKey(route) : route;
      buckets.each(series, (minute, d) => {
        acc(minute, key).cum[i]! += d;
      });
    }
  }

  const out: MinuteRollup[] = [];
  for (const [k, a] of accs) {
    const [m, route] = k.split('\u0000') as [string, string];
    const r = routes.get(routeOfKey(route).route)!;
    const counts: number[] = [];
    for (let i = 0; i < a.cum.length; i++) counts.push(Math.max(0, a.cum[i]! - (i > 0 ? a.cum[i - 1]! : 0)));
    const measured = a.cum[a.cum.length - 1]!;
    let slow = 0;
    if (r.latency !== undefined) {
      const i = leIndex.get(String(r.latency.thresholdMs / 1000));
      if (i !== undefined) slow = Math.max(0, measured - a.cum[i]!);
    }
    out.push({
      minute: Number(m),
      route,
      total: a.total,
      good: a.good,
      bad: a.bad,
      excluded: a.excluded,
      slow,
      errors: a.errors,
      distinct: a.total,
      buckets: counts,
    });
  }
  return out.sort((x, y) => x.minute - y.minute);
}
