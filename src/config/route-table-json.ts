/**
 * The resolved route table as JSON: what `GET /v1/routes` on the admin listener serves and
 * `sloprobe check --json` prints. Ratios stay ratios (0.99) and thresholds milliseconds, so
 * a script can compare them with the metrics without parsing "99%" or "200ms".
 */
import type { ResolvedConfig } from './types.js';

export interface RouteJson {
  name: string;
  /** Upper-case methods, or `["*"]` for a route that takes any method. */
  methods: string[];
  path: string;
  category: string;
  class: string;
  latency: { percentile: number; threshold_ms: number } | null;
  availability: number;
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
  }));
}
