/**
 * Prometheus text exposition (format 0.0.4) of what the recorder holds, written directly
 * from its typed arrays at scrape time. prom-client's Counter/Histogram would need a label
 * object and a hash lookup per request; here the per-request side stays array increments
 * and all string work happens once per scrape.
 */
import { OUTCOMES } from './classify.js';
import {
  decodeRequestKey,
  escapeHelp,
  escapeLabelValue,
  KNOWN_METHODS,
  UPSTREAM_ERROR_REASONS,
} from './labels.js';
import { LATENCY_WINDOWS } from './latency-windows.js';
import type { Recorder, RouteContext } from './recorder.js';

/** Appends the `# HELP` and `# TYPE` lines of a family. */
export function header(
  out: string[],
  name: string,
  type: 'counter' | 'gauge' | 'histogram' | 'summary',
  help: string,
): void {
  out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
}

/** A sample value: integers as such, other numbers in Go's float syntax (+Inf, NaN). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

/** `quantile` label per LATENCY_PERCENTILES entry (written out: 99.9 / 100 is not 0.999). */
const QUANTILE_LABELS: readonly string[] = ['0.5', '0.9', '0.99', '0.999'];

function histogram(
  out: string[],
  name: string,
  ctx: RouteContext,
  le: readonly string[],
  buckets: Float64Array,
  sumNs: number,
  count: number,
): void {
  let cumulative = 0;
  for (let i = 0; i < buckets.length; i++) {
    cumulative += buckets[i]!;
    out.push(`${name}_bucket{${ctx.labels},le="${le[i]}"} ${cumulative}`);
  }
  out.push(`${name}_sum{${ctx.labels}} ${formatValue(sumNs / 1e9)}`, `${name}_count{${ctx.labels}} ${count}`);
}

/** The `sloprobe_*` families of one recorder, as of `nowMs`. Ends with a newline. */
export function renderRecorder(recorder: Recorder, nowMs: number): string {
  const out: string[] = [];
  const contexts = recorder.contexts;
  const le = recorder.layout.le;

  header(
    out,
    'sloprobe_requests_total',
    'counter',
    'Requests by route, method, status code and SLI outcome (good: answered 2xx/3xx/4xx; bad: 5xx, proxy failures or no answer; excluded: abandoned by the client before any response).',
  );
  for (const ctx of contexts) {
    ctx.requests.forEach((key, count) => {
      const k = decodeRequestKey(key);
      out.push(
        `sloprobe_requests_total{${ctx.labels},method="${KNOWN_METHODS[k.method]}",code="${k.code}",outcome="${OUTCOMES[k.outcome]}"} ${count}`,
      );
    });
  }

  header(
    out,
    'sloprobe_request_sli_latency_seconds',
    'histogram',
    'SLI latency: request fully received by the proxy to response headers received from the upstream (a request the proxy answered itself counts until that answer). Bounds include every latency objective.',
  );
  for (const ctx of contexts) {
    histogram(
      out,
      'sloprobe_request_sli_latency_seconds',
      ctx,
      le,
      ctx.sliBuckets,
      ctx.sliSumNs,
      ctx.sliCount,
    );
  }

  header(
    out,
    'sloprobe_request_duration_seconds',
    'histogram',
    'Total time from request arrival to response fully sent or abandoned.',
  );
  for (const ctx of contexts) {
    histogram(
      out,
      'sloprobe_request_duration_seconds',
      ctx,
      le,
      ctx.durationBuckets,
      ctx.durationSumNs,
      ctx.durationCount,
    );
  }

  // A `summary` (quantiles only, no _sum/_count: per-window counts are not monotonic, the
  // cumulative ones are in the histograms above). Prometheus only allows a `quantile` label
  // on summaries; as a gauge it fails `promtool check metrics`.
  header(
    out,
    'sloprobe_route_latency_seconds',
    'summary',
    'SLI latency quantiles from HDR histograms (3 significant digits) over completed 10 s slices: window 1m = last 60 s, 5m = last 5 to 6 minutes, all = since start. Absent while a window is empty.',
  );
  for (const ctx of contexts) {
    for (const window of LATENCY_WINDOWS) {
      const q = recorder.windowQuantiles(ctx.index, window, nowMs);
      if (q === null || q.count === 0) continue;
      for (let i = 0; i < q.values.length; i++) {
        // Straight from whole microseconds so 159103 µs prints as 0.159103.
        out.push(
          `sloprobe_route_latency_seconds{${ctx.routeLabel},quantile="${QUANTILE_LABELS[i]}",window="${window}"} ${formatValue(q.values[i]! / 1e6)}`,
        );
      }
    }
  }

  header(
    out,
    'sloprobe_upstream_errors_total',
    'counter',
    'Upstream failures that made a request bad (the proxy answered 502/504 itself, or the response broke off), by reason.',
  );
  for (const ctx of contexts) {
    for (let i = 0; i < UPSTREAM_ERROR_REASONS.length; i++) {
      out.push(
        `sloprobe_upstream_errors_total{${ctx.routeLabel},reason="${UPSTREAM_ERROR_REASONS[i]}"} ${ctx.upstreamErrors[i]}`,
      );
    }
  }

  header(
    out,
    'sloprobe_recording_errors_total',
    'counter',
    'Observations that could not be recorded (the requests themselves were served).',
  );
  out.push(`sloprobe_recording_errors_total ${recorder.recordingErrors}`);
  return `${out.join('\n')}\n`;
}

/** `name{label="value"} 1`-style info gauge lines with HELP/TYPE. */
export function renderInfo(name: string, help: string, labels: Record<string, string>, value = 1): string {
  const out: string[] = [];
  header(out, name, 'gauge', help);
  const l = Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
    .join(',');
  out.push(l ? `${name}{${l}} ${formatValue(value)}` : `${name} ${formatValue(value)}`);
  return `${out.join('\n')}\n`;
}
