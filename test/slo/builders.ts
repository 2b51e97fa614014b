/**
 * Hand-built ResolvedConfig objects and rollups for the SLO engine tests (the engine must not
 * depend on the YAML loader to be tested).
 */
import type {
  CompliancePeriod,
  MaintenancePolicyName,
  MaintenanceWindow,
  ResolvedConfig,
  ResolvedRoute,
  SloDefinition,
  TimesliceRules,
} from '../../src/config/types.js';
import type { MinuteRollup } from '../../src/telemetry/rollup.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** SLI latency bucket bounds in seconds; each latency objective used below is one of them. */
export const BOUNDS: readonly number[] = [0.05, 0.1, 0.2, 0.5, 0.8, 1, 2, 4, 5, 6, 10];

/** The rules of docs/sla-definitions.md#timeslice-error-rate: one-minute slices, HTTP 500, > 5%, >= 10 consecutive minutes, distinct. */
export const PWMB_RULES: TimesliceRules = {
  sliceMs: MINUTE,
  errorStatuses: [500],
  threshold: 0.05,
  minConsecutive: 10,
  distinct: true,
};

export const ROLLING_30D: CompliancePeriod = { kind: 'rolling', ms: 30 * DAY };

export function route(name: string, category: string, latencyMs?: number): ResolvedRoute {
  return {
    index: 0,
    name,
    methods: ['GET'],
    anyMethod: false,
    path: `/${name}`,
    category,
    class: 'transaction-critical',
    latency: latencyMs === undefined ? undefined : { percentile: 0.99, thresholdMs: latencyMs },
    availability: 0.99,
    timeoutMs: undefined,
  };
}

export function availabilitySlo(
  name: string,
  routes: readonly string[],
  opts: Partial<SloDefinition> = {},
): SloDefinition {
  return {
    name,
    sli: 'availability',
    method: 'occurrences',
    objective: 0.99,
    scope: { kind: 'category', name },
    routes,
    latency: undefined,
    timeslices: undefined,
    period: ROLLING_30D,
    generated: true,
    includeSynthetic: false,
    ...opts,
  };
}

export function latencySlo(
  name: string,
  routeName: string,
  thresholdMs: number,
  opts: Partial<SloDefinition> = {},
) {
  return availabilitySlo(name, [routeName], {
    sli: 'latency',
    latency: { percentile: 0.99, thresholdMs },
    scope: { kind: 'route', name: routeName },
    ...opts,
  });
}

export function timesliceSlo(
  name: string,
  routes: readonly string[],
  period: CompliancePeriod,
  opts: Partial<SloDefinition> = {},
) {
  return availabilitySlo(name, routes, {
    method: 'timeslices',
    objective: 0.995,
    timeslices: PWMB_RULES,
    period,
    ...opts,
  });
}

export interface ConfigParts {
  routes?: readonly ResolvedRoute[];
  slos: readonly SloDefinition[];
  maintenancePolicy?: MaintenancePolicyName;
  maintenance?: readonly MaintenanceWindow[];
  minRequests?: number;
  holdMs?: number;
  fees?: ResolvedConfig['fees'];
  period?: CompliancePeriod;
}

export function config(parts: ConfigParts): ResolvedConfig {
  const routes = (parts.routes ?? []).map((r, index) => ({ ...r, index }));
  return {
    source: '<test>',
    upstream: 'http://127.0.0.1:9',
    listen: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    timeouts: { connectMs: 2000, headersMs: 30000, bodyMs: 60000, idleMs: 60000 },
    accessLog: { kind: 'off' },
    classes: new Map(),
    categories: new Map(),
    routes,
    period: parts.period ?? ROLLING_30D,
    slos: parts.slos,
    maintenancePolicy: parts.maintenancePolicy ?? 'none',
    maintenance: parts.maintenance ?? [],
    alerting: { minRequests: parts.minRequests ?? 10, holdMs: parts.holdMs },
    store: { dataDir: ':memory:', minuteRetentionMs: 35 * DAY, hourRetentionMs: 400 * DAY },
    fees: parts.fees,
    webhooks: [],
    probes: [],
  };
}

/** A rollup; unspecified counters are 0, buckets all-zero unless given. */
export function rollup(
  minute: number,
  routeName: string,
  c: Partial<Omit<MinuteRollup, 'minute' | 'route'>>,
): MinuteRollup {
  const good = c.good ?? 0;
  const bad = c.bad ?? 0;
  const excluded = c.excluded ?? 0;
  return {
    minute,
    route: routeName,
    total: c.total ?? good + bad + excluded,
    good,
    bad,
    excluded,
    slow: c.slow ?? 0,
    errors: c.errors ?? 0,
    distinct: c.distinct ?? good + bad,
    buckets: c.buckets ?? new Array<number>(BOUNDS.length + 1).fill(0),
  };
}

/** Buckets with `fast` requests in the first bucket (<= 50 ms) and `n` in the bucket ending at `boundSeconds`. */
export function buckets(fast: number, boundSeconds?: number, n = 0): number[] {
  const b = new Array<number>(BOUNDS.length + 1).fill(0);
  b[0] = fast;
  if (boundSeconds !== undefined) {
    const i = boundSeconds === Number.POSITIVE_INFINITY ? BOUNDS.length : BOUNDS.indexOf(boundSeconds);
    if (i < 0) throw new Error(`no bound ${boundSeconds}`);
    b[i]! += n;
  }
  return b;
}

/** Epoch minute of a UTC date-time. */
export function utcMinute(iso: string): number {
  return Math.floor(Date.parse(iso) / MINUTE);
}

/** Rollups for `count` consecutive minutes starting at `start`, all alike. */
export function minutes(
  start: number,
  count: number,
  routeName: string,
  c: Partial<Omit<MinuteRollup, 'minute' | 'route'>>,
): MinuteRollup[] {
  const out: MinuteRollup[] = [];
  for (let i = 0; i < count; i++) out.push(rollup(start + i, routeName, c));
  return out;
}

export function window(
  id: string,
  startIso: string,
  endIso: string,
  announcedIso: string,
  scope: Partial<Pick<MaintenanceWindow, 'all' | 'routes' | 'categories'>> = { all: true },
): MaintenanceWindow {
  return {
    id,
    startMs: Date.parse(startIso),
    endMs: Date.parse(endIso),
    announcedAtMs: Date.parse(announcedIso),
    all: scope.all ?? false,
    routes: scope.routes ?? [],
    categories: scope.categories ?? [],
  };
}
