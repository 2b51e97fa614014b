/**
 * Hand-built route tables and observations for the telemetry, admin and log tests, so they
 * do not depend on the config loader. Routes follow the latency table of docs/sla-definitions.md#latency-objectives.
 */
import type { ResolvedRoute } from '../../src/config/types.js';
import type { Observation, UpstreamErrorReason } from '../../src/telemetry/observation.js';

export function route(
  index: number,
  name: string,
  options: { method?: string; path?: string; category?: string; class?: string; p99Ms?: number } = {},
): ResolvedRoute {
  return {
    index,
    name,
    methods: options.method === undefined ? [] : [options.method],
    anyMethod: options.method === undefined,
    path: options.path ?? `/${name}`,
    category: options.category ?? 'payment-request',
    class: options.class ?? 'transaction-critical',
    latency: options.p99Ms === undefined ? undefined : { percentile: 0.99, thresholdMs: options.p99Ms },
    availability: 0.99,
    timeoutMs: undefined,
  };
}

/** The latency objectives of docs/sla-definitions.md#latency-objectives as routes, plus the `unmatched` route last. */
export function seedRoutes(): ResolvedRoute[] {
  const rows: Array<[string, string, string, string, number]> = [
    ['hpp-create-session', 'POST', '/hpp/v1/sessions', 'payment-request', 200],
    ['ordermanagement-read', 'GET', '/ordermanagement/*', 'read-only-payment-transaction', 800],
    ['ordermanagement-other', 'POST', '/ordermanagement/*', 'payment-transaction-general', 1000],
    ['settlements-read', 'GET', '/settlements/v1/*', 'settlements', 6000],
    ['disputes', 'POST', '/disputes/v2/*', 'disputes', 4000],
    ['merchantcard-settlement', 'POST', '/merchantcard/v3/settlements', 'settlements', 1000],
    ['customer-token-charge', 'POST', '/customer-token/v1/tokens', 'customer-token-charge', 5000],
  ];
  const routes = rows.map(([name, method, path, category, p99Ms], i) =>
    route(i, name, { method, path, category, p99Ms }),
  );
  routes.push(route(routes.length, 'unmatched', { category: 'unclassified', class: 'unclassified' }));
  return routes;
}

/** 2026-03-02T10:00:00.000Z: a minute boundary, so tests can reason in whole minutes. */
export const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);

export interface ObservationInit {
  routeIndex?: number;
  method?: string;
  path?: string;
  status?: number;
  errorReason?: UpstreamErrorReason | null;
  clientAborted?: boolean;
  startMs?: number;
  sliMs?: number | null;
  durationMs?: number;
  requestId?: string;
  digest?: string | null;
}

export function obs(init: ObservationInit = {}): Observation {
  const sliMs = init.sliMs === undefined ? 10 : init.sliMs;
  return {
    routeIndex: init.routeIndex ?? 0,
    method: init.method ?? 'POST',
    path: init.path ?? '/hpp/v1/sessions',
    status: init.status ?? 200,
    errorReason: init.errorReason ?? null,
    clientAborted: init.clientAborted ?? false,
    startMs: init.startMs ?? T0,
    sliNs: sliMs === null ? -1 : Math.round(sliMs * 1e6),
    durationNs: Math.round((init.durationMs ?? (sliMs ?? 0) + 1) * 1e6),
    requestId: init.requestId ?? 'req-1',
    digest: init.digest ?? null,
  };
}
