/**
 * Prometheus text exposition (format 0.0.4), and the one place in sloprobe that writes it:
 * every `sloprobe_*` family (requests, latency, SLOs, the sidecar's own health) goes through
 * `PromWriter`, so escaping, value syntax and HELP/TYPE lines are decided once.
 *
 * The recorder's families are written directly from its typed arrays at scrape time.
 * prom-client's Counter/Histogram would need a label object and a hash lookup per request;
 * here the per-request side stays array increments and all string work happens once per
 * scrape. (prom-client still renders the standard `process_*`/`nodejs_*` metrics.)
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

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** Label pairs in output order; values are escaped by the writer. */
export type LabelPairs = ReadonlyArray<readonly [string, string]>;

/** A sample value: integers as such, other numbers in Go's float syntax (+Inf, NaN). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

/** `k1="v1",k2="v2"` with the values escaped; '' without labels. */
export function labelText(labels: LabelPairs): string {
  let out = '';
  for (const [k, v] of labels) out += `${out === '' ? '' : ','}${k}="${escapeLabelValue(v)}"`;
  return out;
}

/**
 * Collects families as text lines. Call `family` once per metric name, then its samples;
 * `text()` joins them. Families with no samples still print HELP and TYPE, which tells a
 * reader the metric exists but has nothing to report (an SLO window without traffic).
 */
export class PromWriter {
  private readonly out: string[] = [];

  /** The `# HELP` and `# TYPE` lines of a family. */
  family(name: string, type: MetricType, help: string): this {
    this.out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    return this;
  }

  /** One sample with label text already escaped (prebuilt per route at load), or ''. */
  line(name: string, labels: string, value: number): this {
    this.out.push(
      labels === '' ? `${name} ${formatValue(value)}` : `${name}{${labels}} ${formatValue(value)}`,
    );
    return this;
  }

  /** One sample from label pairs. */
  sample(name: string, labels: LabelPairs, value: number): this {
    return this.line(name, labelText(labels), value);
  }

  /** A family with a single unlabelled sample: the common shape of a health counter. */
  single(name: string, type: 'counter' | 'gauge', help: string, value: number): this {
    return this.family(name, type, help).line(name, '', value);
  }

  get empty(): boolean {
    return this.out.length === 0;
  }

  /** Everything written, one line each, ending with a newline ('' when nothing was written). */
  text(): string {
    return this.out.length === 0 ? '' : `${this.out.join('\n')}\n`;
  }
}

/** `quantile` label per LATENCY_PERCENTILES entry (written out: 99.9 / 100 is not 0.999). */
const QUANTILE_LABELS: readonly string[] = ['0.5', '0.9', '0.99', '0.999'];

function histogram(
  w: PromWriter,
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
    w.line(`${name}_bucket`, `${ctx.labels},le="${le[i]}"`, cumulative);
  }
  w.line(`${name}_sum`, ctx.labels, sumNs / 1e9).line(`${name}_count`, ctx.labels, count);
}

/** Writes the `sloprobe_*` families of one recorder, as of `nowMs`. */
export function writeRecorder(w: PromWriter, recorder: Recorder, nowMs: number): void {
  // Synthetic contexts only once a probe used them: no empty twin of every series.
  const contexts = recorder.exposedContexts();
  const le = recorder.layout.le;

  w.family(
    'sloprobe_requests_total',
    'counter',
    'Requests by route, method, status code and SLI outcome (good: answered 2xx/3xx/4xx; bad: 5xx, proxy failures or no answer; excluded: abandoned by the client before any response).',
  );
  for (const ctx of contexts) {
    ctx.requests.forEach((key, count) => {
      const k = decodeRequestKey(key);
      w.line(
        'sloprobe_requests_total',
        `${ctx.labels},method="${KNOWN_METHODS[k.method]}",code="${k.code}",outcome="${OUTCOMES[k.outcome]}"`,
        count,
      );
    });
  }

  w.family(
    'sloprobe_request_sli_latency_seconds',
    'histogram',
    'SLI latency: request fully received by the proxy to response headers received from the upstream (a request the proxy answered itself counts until that answer). Bounds include every latency objective.',
  );
  for (const ctx of contexts) {
    histogram(w, 'sloprobe_request_sli_latency_seconds', ctx, le, ctx.sliBuckets, ctx.sliSumNs, ctx.sliCount);
  }

  w.family(
    'sloprobe_request_duration_seconds',
    'histogram',
    'Total time from request arrival to response fully sent or abandoned.',
  );
  for (const ctx of contexts) {
    histogram(
      w,
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
  w.family(
    'sloprobe_route_latency_seconds',
    'summary',
    'SLI latency quantiles from HDR histograms (3 significant digits) over completed 10 s slices: window 1m = last 60 s, 5m = last 5 to 6 minutes, all = since start. Absent while a window is empty.',
  );
  for (const ctx of recorder.contexts) {
    for (const window of LATENCY_WINDOWS) {
      const q = recorder.windowQuantiles(ctx.index, window, nowMs);
      if (q === null || q.count === 0) continue;
      for (let i = 0; i < q.values.length; i++) {
        // Straight from whole microseconds so 159103 µs prints as 0.159103.
        w.line(
          'sloprobe_route_latency_seconds',
          `${ctx.routeLabel},quantile="${QUANTILE_LABELS[i]}",window="${window}"`,
          q.values[i]! / 1e6,
        );
      }
    }
  }

  w.family(
    'sloprobe_upstream_errors_total',
    'counter',
    'Upstream failures that made a request bad (the proxy answered 502/504 itself, or the response broke off), by reason.',
  );
  for (const ctx of contexts) {
    for (let i = 0; i < UPSTREAM_ERROR_REASONS.length; i++) {
      w.line(
        'sloprobe_upstream_errors_total',
        `${ctx.routeLabel},reason="${UPSTREAM_ERROR_REASONS[i]}"`,
        ctx.upstreamErrors[i]!,
      );
    }
  }

  w.single(
    'sloprobe_recording_errors_total',
    'counter',
    'Observations that could not be recorded (the requests themselves were served).',
    recorder.recordingErrors,
  );
}

/** The recorder's families as text (ends with a newline). */
export function renderRecorder(recorder: Recorder, nowMs: number): string {
  const w = new PromWriter();
  writeRecorder(w, recorder, nowMs);
  return w.text();
}

/** A `name{label="value"} 1`-style info gauge with HELP/TYPE. */
export function writeInfo(
  w: PromWriter,
  name: string,
  help: string,
  labels: Record<string, string>,
  value = 1,
): void {
  w.family(name, 'gauge', help).sample(name, Object.entries(labels), value);
}
