/**
 * The PromQL of the exported SLIs, written against the metrics sloprobe itself exposes on
 * /metrics (src/telemetry/exposition.ts), and read back by the importer.
 *
 * Each query is one `sum(metric{matchers})` over a counter: the SLIs are `ratioMetric` with
 * `counter: true`, so the consumer applies its own rate over its own windows. Labels:
 * `route`, `category`, `class` on every request series; `outcome` (good|bad|excluded) and
 * `code` on `sloprobe_requests_total`; `le` on the SLI latency histogram. Probe series
 * (src/probes) carry `synthetic="true"`: an SLO without `include_synthetic` selects
 * `synthetic!="true"`, as the sidecar's engine and the rules of `sloprobe rules` leave
 * them out; one with it selects both, as the engine counts both.
 */
import type { SloDefinition, SloScope } from '../config/types.js';
import { formatLe } from '../telemetry/buckets.js';

export const REQUESTS = 'sloprobe_requests_total';
export const SLI_LATENCY_BUCKET = 'sloprobe_request_sli_latency_seconds_bucket';
export const SLI_LATENCY_COUNT = 'sloprobe_request_sli_latency_seconds_count';

export interface RatioQueries {
  /** The numerator: `good` for latency, `bad` for availability (what the engine counts). */
  readonly numerator: 'good' | 'bad';
  readonly numeratorQuery: string;
  readonly totalQuery: string;
}

export interface Matcher {
  readonly label: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

export interface Selector {
  readonly metric: string;
  readonly matchers: readonly Matcher[];
}

/** The route labels an SLO covers; `all` is every configured route, never `unmatched`. */
export function scopeMatcher(scope: SloScope): string {
  return scope.kind === 'all' ? 'route!="unmatched"' : `${scope.kind}="${scope.name}"`;
}

/** The matcher that leaves probe series out, or none for an SLO that includes them. */
export const NOT_SYNTHETIC = 'synthetic!="true"';

export function sliQueries(slo: SloDefinition): RatioQueries {
  const scope = slo.includeSynthetic
    ? scopeMatcher(slo.scope)
    : `${scopeMatcher(slo.scope)},${NOT_SYNTHETIC}`;
  if (slo.sli === 'latency') {
    // docs/sla-definitions.md#latency-p99: good = answered within the threshold, which is
    // exactly one bucket bound of the SLI histogram; total = every request with a latency.
    const le = formatLe(slo.latency!.thresholdMs / 1000);
    return {
      numerator: 'good',
      numeratorQuery: `sum(${SLI_LATENCY_BUCKET}{${scope},le="${le}"})`,
      totalQuery: `sum(${SLI_LATENCY_COUNT}{${scope}})`,
    };
  }
  if (slo.method === 'timeslices') {
    // docs/sla-definitions.md#timeslice-error-rate: error statuses over requests. The
    // counters count repeated identical requests too; sloprobe's own verdict counts them once
    // (docs/sla-definitions.md#repeated-requests), so a consumer's slices can only be worse.
    const codes = slo.timeslices!.errorStatuses.join('|');
    return {
      numerator: 'bad',
      numeratorQuery: `sum(${REQUESTS}{${scope},code=~"${codes}"})`,
      totalQuery: `sum(${REQUESTS}{${scope}})`,
    };
  }
  // docs/sla-definitions.md#availability-occurrences and #abandoned-requests: bad over good
  // + bad; an excluded (abandoned) request is in neither.
  return {
    numerator: 'bad',
    numeratorQuery: `sum(${REQUESTS}{${scope},outcome="bad"})`,
    totalQuery: `sum(${REQUESTS}{${scope},outcome=~"good|bad"})`,
  };
}

const SELECTOR = /^\s*sum\s*\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}\s*\)\s*$/;
const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$/;

/** `sum(metric{a="b",c=~"x|y"})` -> its metric and matchers; undefined for any other query. */
export function parseSelector(query: unknown): Selector | undefined {
  if (typeof query !== 'string') return undefined;
  const m = SELECTOR.exec(query);
  if (!m) return undefined;
  const matchers: Matcher[] = [];
  for (const part of m[2]!.split(',')) {
    if (part.trim() === '') continue;
    const mm = MATCHER.exec(part);
    if (!mm) return undefined;
    matchers.push({ label: mm[1]!, op: mm[2] as Matcher['op'], value: mm[3]! });
  }
  return { metric: m[1]!, matchers };
}
