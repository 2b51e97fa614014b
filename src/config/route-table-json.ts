/**
 * The resolved route table as JSON: what `GET /v1/routes` on the admin listener serves and
 * `sloprobe check --json` prints. Ratios stay ratios (0.99) and thresholds milliseconds, so
 * a script can compare them with the metrics without parsing "99%" or "200ms".
 */
import type { ResolvedConfig, ValueSelector } from './types.js';

export interface RouteJson {
  name: string;
  /** Upper-case methods, or `["*"]` for a route that takes any method. */
  methods: string[];
  path: string;
  category: string;
  class: string;
  latency: { percentile: number; threshold_ms: number } | null;
  availability: number;
  /** Present only on routes with a payment method: static values, or where they are read. */
  payment_method?: {
    method: string | null;
    read_from: Record<string, unknown> | null;
    instrument: Record<string, string>;
    instrument_read_from: Record<string, unknown> | null;
  };
}

function selectorJson(s: ValueSelector | undefined): Record<string, unknown> | null {
  return s ? { [s.source]: s.name, values: [...s.values] } : null;
}

export function routeTableJson(config: ResolvedConfig): RouteJson[] {
  return config.routes.map((r) => ({
    name: r.name,
    methods: r.anyMethod ? ['*'] : [...r.methods],
    path: r.path,
    category: r.category,
    class: r.class,
    latency: r.latency ? { percentile: r.latency.percentile, threshold_ms: r.latency.thresholdMs } : null,
    availability: r.availability,
    ...(r.payment
      ? {
          payment_method: {
            method: r.payment.method ?? null,
            read_from: selectorJson(r.payment.methodFrom),
            instrument: { ...r.payment.instrument },
            instrument_read_from: r.payment.instrumentFrom
              ? { field: r.payment.instrumentFrom.field, ...selectorJson(r.payment.instrumentFrom.selector) }
              : null,
          },
        }
      : {}),
  }));
}
