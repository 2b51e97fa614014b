/**
 * The recorder: turns each `Observation` into per-route counters, classic histograms, HDR
 * latency windows and per-minute rollups. One `RouteContext` per route is built at start
 * (labels escaped, objective in nanoseconds, arrays sized), so `observe` only indexes into
 * preallocated typed arrays: no closures, label objects or strings per request.
 */
import type { ResolvedRoute } from '../config/types.js';
import { BucketLayout, DEFAULT_LATENCY_BOUNDS_SECONDS, latencyBucketBounds } from './buckets.js';
import { BAD, outcomeCode, sliLatencyNs } from './classify.js';
import { CounterMap } from './counter-map.js';
import { HDR_COUNTS_LENGTH } from './hdr-layout.js';
import {
  escapeLabelValue,
  methodId,
  reasonId,
  requestKey,
  statusCode,
  UPSTREAM_ERROR_REASONS,
} from './labels.js';
import { type LatencyWindow, LatencyWindows, SLICE_MS, type WindowQuantiles } from './latency-windows.js';
import type { Observation, ObservationSink } from './observation.js';
import { type MinuteRollup, syntheticRouteKey } from './rollup.js';
import { RollupBook } from './rollup-book.js';

export interface RecorderOptions {
  /** Base ladder of the SLI histogram in seconds; every latency objective is always added. */
  readonly bucketBoundsSeconds?: readonly number[];
  /** Statuses counted as timeslice errors (docs/sla-definitions.md#timeslice-error-rate: HTTP 500). Default [500]. */
  readonly timesliceErrorStatuses?: readonly number[];
  /** Clock for window reads, epoch ms. Default Date.now. */
  readonly now?: () => number;
  /** Told about the first recording failure (later ones are only counted). */
  readonly onError?: (err: unknown) => void;
  /** Keep HDR latency windows (p50..p99.9 over 1m/5m/all). Default true. */
  readonly latencyWindows?: boolean;
  /** How long after its end a minute stays open for late-finishing requests. Default 10 s. */
  readonly rollupGraceMs?: number;
}

/** Quantiles of one route's SLI latency over one window, in milliseconds. */
export interface LatencyQuantiles {
  readonly window: LatencyWindow;
  /** Samples in the window; the values are 0 when it is 0. */
  readonly count: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

/** Everything recorded for one route; read by the metrics renderer at scrape time. */
export class RouteContext {
  readonly index: number;
  readonly route: ResolvedRoute;
  /** `route="…",category="…",class="…"`, escaped once. */
  readonly labels: string;
  /** `route="…"`, escaped once. */
  readonly routeLabel: string;
  /** Keyed by `requestKey(method, code, outcome)`. */
  readonly requests = new CounterMap();
  /** SLI latency histogram, non-cumulative, `layout.size` buckets. */
  readonly sliBuckets: Float64Array;
  sliSumNs = 0;
  sliCount = 0;
  /** Total duration histogram, same bounds. */
  readonly durationBuckets: Float64Array;
  durationSumNs = 0;
  durationCount = 0;
  /** Indexed like UPSTREAM_ERROR_REASONS. */
  readonly upstreamErrors = new Float64Array(UPSTREAM_ERROR_REASONS.length);
  /** The latency objective in ns; Infinity when the route has none. */
  readonly thresholdNs: number;
  readonly windows: LatencyWindows | null;

  /** Counts probe traffic (src/probes): labels end in `synthetic="true"`, no HDR windows. */
  readonly synthetic: boolean;

  constructor(index: number, route: ResolvedRoute, layout: BucketLayout, hdr: boolean, synthetic = false) {
    this.index = index;
    this.route = route;
    this.synthetic = synthetic;
    const mark = synthetic ? ',synthetic="true"' : '';
    this.routeLabel = `route="${escapeLabelValue(route.name)}"${mark}`;
    this.labels = `route="${escapeLabelValue(route.name)}",category="${escapeLabelValue(route.category)}",class="${escapeLabelValue(route.class)}"${mark}`;
    this.sliBuckets = new Float64Array(layout.size);
    this.durationBuckets = new Float64Array(layout.size);
    this.thresholdNs =
      route.latency === undefined ? Number.POSITIVE_INFINITY : route.latency.thresholdMs * 1e6;
    this.windows = hdr ? new LatencyWindows() : null;
  }
}

function defaultOnError(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  process.emitWarning(`recording an observation failed (further failures are only counted): ${message}`, {
    code: 'SLOPROBE_RECORDING',
  });
}

export class Recorder implements ObservationSink {
  readonly routes: readonly ResolvedRoute[];
  readonly layout: BucketLayout;
  readonly contexts: readonly RouteContext[];
  /**
   * The same routes for probe traffic, chosen once per observation by `synthetic`: a second
   * prebuilt set keeps the request path free of label building. Index `routes.length + i`
   * (their rollup rows follow the organic ones, keyed `<route>~synthetic`).
   */
  readonly syntheticContexts: readonly RouteContext[];
  private readonly errorStatus = new Uint8Array(1000);
  private readonly clock: () => number;
  private readonly onError: (err: unknown) => void;
  private readonly rollups: RollupBook;
  private failures = 0;
  private scratch: Float64Array | null = null;

  constructor(routes: readonly ResolvedRoute[], options: RecorderOptions = {}) {
    this.routes = routes;
    this.layout = new BucketLayout(
      latencyBucketBounds(routes, options.bucketBoundsSeconds ?? DEFAULT_LATENCY_BOUNDS_SECONDS),
    );
    const hdr = options.latencyWindows ?? true;
    this.contexts = routes.map((r, i) => new RouteContext(i, r, this.layout, hdr));
    // No HDR windows for probes: the latency quantiles describe the merchant's traffic.
    this.syntheticContexts = routes.map(
      (r, i) => new RouteContext(routes.length + i, r, this.layout, false, true),
    );
    for (const s of options.timesliceErrorStatuses ?? [500]) {
      if (s >= 0 && s < 1000) this.errorStatus[s] = 1;
    }
    this.clock = options.now ?? Date.now;
    this.onError = options.onError ?? defaultOnError;
    this.rollups = new RollupBook(
      [...routes.map((r) => r.name), ...routes.map((r) => syntheticRouteKey(r.name))],
      this.layout.size,
      options.rollupGraceMs ?? 10_000,
    );
  }

  /**
   * Continues the cumulative counters of `previous`, the recorder a config reload replaces,
   * so that a reload is not a counter reset to Prometheus (`rate()` and `increase()` would
   * lose the increments between the last scrape and the reload). Per route whose name,
   * category and class are unchanged (the same series): its request and upstream-error
   * counters, and its SLI and duration histograms when the bucket bounds are unchanged; a
   * changed bound set changes the `le` series, which then start afresh. The HDR latency
   * windows start afresh too (their hour is carried through the store by the SLO runtime).
   * Returns the number of routes carried.
   */
  carryFrom(previous: Recorder): number {
    const keyOf = (c: RouteContext) => (c.synthetic ? syntheticRouteKey(c.route.name) : c.route.name);
    const byName = new Map([...previous.contexts, ...previous.syntheticContexts].map((c) => [keyOf(c), c]));
    const sameBounds = sameNumbers(previous.layout.boundsSeconds, this.layout.boundsSeconds);
    let carried = 0;
    for (const ctx of [...this.contexts, ...this.syntheticContexts]) {
      const old = byName.get(keyOf(ctx));
      if (old === undefined || old.labels !== ctx.labels) continue;
      old.requests.forEach((key, count) => {
        ctx.requests.increment(key, count);
      });
      addInto(ctx.upstreamErrors, old.upstreamErrors);
      if (sameBounds) {
        addInto(ctx.sliBuckets, old.sliBuckets);
        ctx.sliSumNs += old.sliSumNs;
        ctx.sliCount += old.sliCount;
        addInto(ctx.durationBuckets, old.durationBuckets);
        ctx.durationSumNs += old.durationSumNs;
        ctx.durationCount += old.durationCount;
      }
      if (!ctx.synthetic) carried++;
    }
    this.failures += previous.failures;
    return carried;
  }

  /** The recorder's clock (epoch ms): what window reads use by default. */
  nowMs(): number {
    return this.clock();
  }

  /** Recording failures since start (`sloprobe_recording_errors_total`). */
  get recordingErrors(): number {
    return this.failures;
  }

  /** Closed minute rollups dropped because nobody drained them. */
  get droppedRollups(): number {
    return this.rollups.droppedRollups;
  }

  observe(o: Observation): void {
    try {
      this.record(o);
    } catch (err) {
      this.failures++;
      if (this.failures === 1) {
        try {
          this.onError(err);
        } catch {
          // The reporter itself failed; the count above still tells.
        }
      }
    }
  }

  private record(o: Observation): void {
    const ctx = o.synthetic === true ? this.syntheticContexts[o.routeIndex] : this.contexts[o.routeIndex];
    if (ctx === undefined) throw new RangeError(`route index ${o.routeIndex} is outside the route table`);
    // Clocks can be wrong; a request is still counted, at the recorder's idea of now.
    const startMs = o.startMs > 0 ? o.startMs : this.clock();
    const outcome = outcomeCode(o.status, o.errorReason, o.clientAborted);
    const code = statusCode(o.status);
    ctx.requests.increment(requestKey(methodId(o.method), code, outcome));

    const layout = this.layout;
    const sli = sliLatencyNs(o.sliNs, o.durationNs, outcome);
    let bucket = -1;
    if (sli >= 0) {
      bucket = layout.index(sli);
      ctx.sliBuckets[bucket]!++;
      ctx.sliSumNs += sli;
      ctx.sliCount++;
    }
    const duration = o.durationNs;
    if (duration >= 0) {
      ctx.durationBuckets[layout.index(duration)]!++;
      ctx.durationSumNs += duration;
      ctx.durationCount++;
    }
    // Only failures that made the request bad: an upstream request cancelled because the
    // client went away is not an upstream error.
    if (o.errorReason !== null && outcome === BAD) ctx.upstreamErrors[reasonId(o.errorReason)]!++;
    if (sli >= 0 && ctx.windows !== null) {
      const endMs = duration > 0 ? startMs + duration / 1e6 : startMs;
      ctx.windows.record(sli, Math.floor(endMs / SLICE_MS));
    }
    this.rollups.record(
      ctx.index,
      startMs,
      outcome,
      bucket,
      sli > ctx.thresholdNs,
      this.errorStatus[code] === 1,
      o.digest,
    );
  }

  /**
   * Completed minute rollups not returned before (a minute completes `rollupGraceMs` after
   * it ends). Also rotates the latency windows so the request path rarely has to. The SLO
   * engine / store call this about every second.
   */
  drainRollups(nowMs: number): MinuteRollup[] {
    const tick = Math.floor(nowMs / SLICE_MS);
    for (const ctx of this.contexts) ctx.windows?.advance(tick);
    return this.rollups.drain(nowMs);
  }

  /**
   * Per route, the HDR SLI latency counts of each epoch hour that changed since the last
   * call (completed 10 s slices): the store keeps them so the monthly report's p99 is exact.
   * Re-sends the current hour as it grows; the store replaces per (hour, route).
   */
  drainHourHistograms(): Array<{ hour: number; route: string; counts: Uint32Array }> {
    const out: Array<{ hour: number; route: string; counts: Uint32Array }> = [];
    for (const ctx of this.contexts) {
      ctx.windows?.takeHours((hour, counts) => out.push({ hour, route: ctx.route.name, counts }));
    }
    return out;
  }

  /** The contexts /metrics shows: every organic one, and the synthetic ones probes used. */
  exposedContexts(): RouteContext[] {
    return [...this.contexts, ...this.syntheticContexts.filter((c) => c.requests.size > 0)];
  }

  /** Snapshots of the minutes still open (the in-progress minute and any in its grace). */
  peekCurrent(): MinuteRollup[] {
    return this.rollups.peek();
  }

  /**
   * Raw HDR result of a window (microseconds, one value per LATENCY_PERCENTILES entry), or
   * null when the recorder keeps no latency windows. Valid until the next call.
   */
  windowQuantiles(
    routeIndex: number,
    window: LatencyWindow,
    nowMs: number = this.clock(),
  ): WindowQuantiles | null {
    const ctx = this.contexts[routeIndex];
    if (ctx === undefined) throw new RangeError(`route index ${routeIndex} is outside the route table`);
    if (ctx.windows === null) return null;
    this.scratch ??= new Float64Array(HDR_COUNTS_LENGTH);
    return ctx.windows.quantiles(window, Math.floor(nowMs / SLICE_MS), this.scratch);
  }

  /** p50/p90/p99/p99.9 of a route's SLI latency over a window (completed 10 s slices). */
  quantiles(routeIndex: number, window: LatencyWindow, nowMs: number = this.clock()): LatencyQuantiles {
    const r = this.windowQuantiles(routeIndex, window, nowMs);
    if (r === null) return { window, count: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 };
    const v = r.values;
    return {
      window,
      count: r.count,
      p50Ms: v[0]! / 1000,
      p90Ms: v[1]! / 1000,
      p99Ms: v[2]! / 1000,
      p999Ms: v[3]! / 1000,
      maxMs: r.maxUs / 1000,
    };
  }
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function addInto(target: Float64Array, source: Float64Array): void {
  for (let i = 0; i < target.length && i < source.length; i++) target[i]! += source[i]!;
}
