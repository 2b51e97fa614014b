/**
 * The payment-method series of one config, resolved at load: every (method, instrument)
 * a route can be counted under, numbered once, and per route the table from the value read
 * per request (its index in the allowed list, `other` last) to a series. The request path
 * then only does `seriesOf[route][variant]`: no string building, no map lookup.
 *
 * Memory: every series is two SLOs in the method engine, about 0.55 MB for a 30-day period
 * (measured: 64 series, 35 MB), hence at most 64 values in a per-request list (config/schema/payments.ts).
 *
 * A series is what a downtime is about (docs/sla-definitions.md#downtime-entity): `card`,
 * or `card` with `{ network: VISA }`. Two routes with the same method and instrument share
 * one series, so a checkout split over several routes is judged as one method.
 */
import type { Instrument, ResolvedRoute } from '../config/types.js';
import { OTHER_VALUE } from '../config/types.js';

export interface MethodSeries {
  readonly index: number;
  /** `method:card`, `method:card/network=VISA`: the SLO and label name. */
  readonly name: string;
  readonly method: string;
  readonly instrument: Instrument;
  /** The strictest availability objective of the routes counted under it. */
  readonly availability: number;
  readonly routes: readonly string[];
}

export interface MethodPlan {
  readonly series: readonly MethodSeries[];
  /** Per route index: variant -> series index; empty for a route without a payment method. */
  readonly seriesOf: readonly Int32Array[];
  /** Per route index: the latency objective in ns (Infinity when none), for latency-only degradation. */
  readonly thresholdNs: Float64Array;
}

/** Fields in a fixed order so the same instrument always gives the same key. */
export function seriesName(method: string, instrument: Instrument): string {
  const fields = Object.keys(instrument).sort();
  if (fields.length === 0) return `method:${method}`;
  return `method:${method}/${fields.map((f) => `${f}=${instrument[f]}`).join(',')}`;
}

interface Variant {
  readonly method: string;
  readonly instrument: Instrument;
}

function variants(route: ResolvedRoute): Variant[] {
  const p = route.payment;
  if (!p) return [];
  if (p.methodFrom) {
    return [...p.methodFrom.values, OTHER_VALUE].map((method) => ({ method, instrument: p.instrument }));
  }
  const method = p.method ?? OTHER_VALUE;
  const from = p.instrumentFrom;
  if (from) {
    return [...from.selector.values, OTHER_VALUE].map((v) => ({
      method,
      instrument: { ...p.instrument, [from.field]: v },
    }));
  }
  return [{ method, instrument: p.instrument }];
}

/** `routes` in route-table order (the `unmatched` route included, it has no method). */
export function planMethods(routes: readonly ResolvedRoute[]): MethodPlan {
  const byName = new Map<string, { series: MethodSeries; routes: string[]; availability: number }>();
  const seriesOf: Int32Array[] = [];
  const thresholdNs = new Float64Array(routes.length);
  routes.forEach((route, i) => {
    thresholdNs[i] = route.latency ? route.latency.thresholdMs * 1e6 : Number.POSITIVE_INFINITY;
    const vs = variants(route);
    const table = new Int32Array(vs.length);
    vs.forEach((v, j) => {
      const name = seriesName(v.method, v.instrument);
      let entry = byName.get(name);
      if (!entry) {
        const series = {
          index: byName.size,
          name,
          method: v.method,
          instrument: v.instrument,
          availability: 0,
          routes: [],
        };
        entry = { series, routes: [], availability: 0 };
        byName.set(name, entry);
      }
      if (!entry.routes.includes(route.name)) entry.routes.push(route.name);
      entry.availability = Math.max(entry.availability, route.availability);
      table[j] = entry.series.index;
    });
    seriesOf.push(table);
  });
  const series = [...byName.values()].map((e) => ({
    ...e.series,
    availability: e.availability,
    routes: e.routes,
  }));
  return { series, seriesOf, thresholdNs };
}
