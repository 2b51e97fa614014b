/**
 * What `GET /metrics` returns: prom-client's default process metrics (standard names, no
 * prefix, so existing Node dashboards work), build and config info, the recorder's
 * `sloprobe_*` families, the sidecar's own health, then whatever extra renderers were
 * registered (the SLO families plug in here). Every `sloprobe_*` line is written by
 * `PromWriter` (exposition.ts).
 *
 * Health counters are read at scrape time from the parts that keep them (proxy, access log,
 * recorder, store, SLO engine and runtime), through `HealthSources`. A reload replaces some
 * of those parts; what the replaced ones counted is carried over here, so every health
 * counter stays monotonic across reloads, like the request counters a reload keeps.
 */
import type { Registry } from 'prom-client';
import { UNMATCHED_ROUTE } from '../config/types.js';
import type { EngineStats } from '../slo/engine.js';
import { PromWriter, writeInfo, writeRecorder } from './exposition.js';
import { newRegistry, registerProcessMetrics } from './process-metrics.js';
import type { Recorder } from './recorder.js';

/** Renders more metric families (with PromWriter); must return complete families ending with a newline. */
export type MetricsRenderer = () => string;

/**
 * Where the sidecar's own health is read. Every part is optional (recording off has no store
 * or engine); a missing part exports no family. Shapes are structural so that telemetry does
 * not depend on the proxy, log or store modules.
 */
export interface HealthSources {
  /** Lives across reloads. */
  readonly proxy?: { readonly sinkErrors: number; readonly retries: number };
  readonly accessLog?: { readonly droppedLines: number };
  /** Handed from one SLO runtime to the next on reload: the same object keeps counting. */
  readonly store?: {
    readonly writeFailures: number;
    readonly droppedRows: number;
    readonly pendingRows: number;
  };
  readonly engine?: { stats(): EngineStats };
  /** The SLO runtime's evaluation loop. */
  readonly evaluation?: { readonly evaluationFailures: number };
  /** Config reloads (SIGHUP, `--watch-config`), kept by `run` across reloads. */
  readonly configReloads?: {
    readonly success: number;
    readonly failure: number;
    /** When the running config was loaded: at start, then at each successful reload. Epoch ms. */
    readonly lastSuccessMs: number;
  };
}

export interface MetricsEndpointOptions {
  readonly recorder: Recorder;
  /** sloprobe's version for `sloprobe_build_info`. */
  readonly version?: string;
  /** Default process/Node metrics from prom-client. Default true. */
  readonly processMetrics?: boolean;
  readonly renderers?: readonly MetricsRenderer[];
  readonly health?: HealthSources;
  /** Clock for the latency windows; default: the recorder's. */
  readonly now?: () => number;
  /** Told when a renderer throws; the scrape still succeeds without that renderer's part. */
  readonly onError?: (err: unknown) => void;
}

const LINT_FAILING_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** The Prometheus text format the endpoint speaks. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type RollupResult = Exclude<keyof EngineStats, 'transitionErrors'>;

/** `result` label of `sloprobe_engine_rollups_total` per engine counter (complete by type). */
const ROLLUP_RESULTS: Readonly<Record<RollupResult, string>> = {
  ingested: 'ingested',
  replaced: 'replaced',
  unknownRoutes: 'unknown_route',
  tooOld: 'too_old',
  staleResends: 'stale_resend',
  invalid: 'invalid',
};
const ROLLUP_KEYS = Object.keys(ROLLUP_RESULTS) as RollupResult[];

function zeroStats(): Record<keyof EngineStats, number> {
  const z = { transitionErrors: 0 } as Record<keyof EngineStats, number>;
  for (const k of ROLLUP_KEYS) z[k] = 0;
  return z;
}

/** What replaced parts counted before a reload. */
class Carried {
  accessLogDroppedLines = 0;
  rollupsDropped = 0;
  storeWriteFailures = 0;
  storeDroppedRows = 0;
  evaluationFailures = 0;
  sinkErrors = 0;
  retries = 0;
  readonly engine = zeroStats();

  /** Adds what each part of `old` that `next` does not keep had counted. */
  add(old: HealthSources, next: HealthSources, oldRecorder: Recorder, nextRecorder: Recorder): void {
    if (oldRecorder !== nextRecorder) this.rollupsDropped += oldRecorder.droppedRollups;
    if (old.proxy && old.proxy !== next.proxy) {
      this.sinkErrors += old.proxy.sinkErrors;
      this.retries += old.proxy.retries;
    }
    if (old.accessLog && old.accessLog !== next.accessLog)
      this.accessLogDroppedLines += old.accessLog.droppedLines;
    if (old.store && old.store !== next.store) {
      this.storeWriteFailures += old.store.writeFailures;
      this.storeDroppedRows += old.store.droppedRows;
    }
    if (old.engine && old.engine !== next.engine) {
      const s = old.engine.stats();
      for (const k of Object.keys(this.engine) as (keyof EngineStats)[]) this.engine[k] += s[k];
    }
    if (old.evaluation && old.evaluation !== next.evaluation)
      this.evaluationFailures += old.evaluation.evaluationFailures;
  }
}

export class MetricsEndpoint {
  readonly contentType = PROMETHEUS_CONTENT_TYPE;
  /** prom-client registry: register extra prom-client metrics here if that is simpler. */
  readonly registry: Registry = newRegistry();
  private recorder: Recorder;
  private renderers: MetricsRenderer[];
  private health: HealthSources;
  private readonly carried = new Carried();
  private readonly now: () => number;
  private readonly onError: (err: unknown) => void;
  private staticPart = '';
  private readonly version: string;

  constructor(options: MetricsEndpointOptions) {
    this.recorder = options.recorder;
    this.renderers = [...(options.renderers ?? [])];
    this.health = options.health ?? {};
    this.now = options.now ?? (() => this.recorder.nowMs());
    this.onError = options.onError ?? (() => {});
    if (options.processMetrics ?? true) {
      registerProcessMetrics(this.registry);
      // Gauges named `_total` fail `promtool check metrics`; each is the sum of the labelled
      // gauge kept beside it (nodejs_active_handles{type} etc.), so nothing is lost.
      for (const name of LINT_FAILING_DEFAULTS) this.registry.removeSingleMetric(name);
    }
    this.version = options.version ?? 'unknown';
    this.staticPart = this.renderStatic();
  }

  /**
   * Serves another recorder, renderers and health parts from now on (a config reload). The
   * process metrics keep their registry; request counters the new recorder carried over
   * continue; health counters of replaced parts continue from their last value.
   */
  swap(recorder: Recorder, renderers: readonly MetricsRenderer[], health: HealthSources = this.health): void {
    this.carried.add(this.health, health, this.recorder, recorder);
    this.recorder = recorder;
    this.renderers = [...renderers];
    this.health = health;
    this.staticPart = this.renderStatic();
  }

  private renderStatic(): string {
    const configured = this.recorder.routes.filter((r) => r.name !== UNMATCHED_ROUTE).length;
    const w = new PromWriter();
    writeInfo(w, 'sloprobe_build_info', 'sloprobe build information.', {
      version: this.version,
      nodejs: process.version,
    });
    writeInfo(
      w,
      'sloprobe_config_routes',
      'Routes in the loaded route map (without unmatched).',
      {},
      configured,
    );
    return w.text();
  }

  /** Appends a renderer (e.g. the SLO families); its output follows everything else. */
  addRenderer(renderer: MetricsRenderer): void {
    this.renderers.push(renderer);
  }

  /** The full exposition text. */
  async render(): Promise<string> {
    let text = await this.registry.metrics();
    if (text !== '' && !text.endsWith('\n')) text += '\n';
    const w = new PromWriter();
    writeRecorder(w, this.recorder, this.now());
    this.writeHealth(w);
    text += this.staticPart + w.text();
    for (const renderer of this.renderers) {
      try {
        const part = renderer();
        text += part.endsWith('\n') || part === '' ? part : `${part}\n`;
      } catch (err) {
        this.onError(err);
      }
    }
    return text;
  }

  /** The sidecar's own health families (README, Metrics: "the sidecar's own health"). */
  private writeHealth(w: PromWriter): void {
    const h = this.health;
    const c = this.carried;
    if (h.proxy) {
      w.single(
        'sloprobe_upstream_retries_total',
        'counter',
        'Requests sent again after the upstream reset a connection before answering (safe methods without a body, once).',
        c.retries + h.proxy.retries,
      );
      w.single(
        'sloprobe_observation_sink_errors_total',
        'counter',
        'Observations the recording sinks threw on (the request was served, the observation may be missing from metrics, SLOs and the access log).',
        c.sinkErrors + h.proxy.sinkErrors,
      );
    }
    w.single(
      'sloprobe_rollups_dropped_total',
      'counter',
      'Closed minute rollups dropped because the SLO runtime did not collect them in time: their requests are missing from the store and the SLOs.',
      c.rollupsDropped + this.recorder.droppedRollups,
    );
    if (h.accessLog) {
      w.single(
        'sloprobe_access_log_dropped_lines_total',
        'counter',
        'Access-log lines dropped because the destination could not keep up or failed.',
        c.accessLogDroppedLines + h.accessLog.droppedLines,
      );
    }
    if (h.store) {
      w.single(
        'sloprobe_store_write_failures_total',
        'counter',
        'Failed writes of minute rollups to the store (the rows are kept in memory and retried).',
        c.storeWriteFailures + h.store.writeFailures,
      );
      w.single(
        'sloprobe_store_dropped_rows_total',
        'counter',
        'Minute rollups given up after failed store writes, beyond the bounded in-memory backlog.',
        c.storeDroppedRows + h.store.droppedRows,
      );
      w.single(
        'sloprobe_store_pending_rows',
        'gauge',
        'Minute rollups waiting in memory for the store to accept writes again.',
        h.store.pendingRows,
      );
    }
    if (h.engine) {
      const s = h.engine.stats();
      w.family(
        'sloprobe_engine_rollups_total',
        'counter',
        'Minute rollups the SLO engine received, by result: ingested (new), replaced (a re-sent minute), unknown_route, too_old (older than the engine holds), stale_resend (re-sent too late; the first counts stand), invalid.',
      );
      for (const k of ROLLUP_KEYS) {
        w.sample('sloprobe_engine_rollups_total', [['result', ROLLUP_RESULTS[k]]], c.engine[k] + s[k]);
      }
      w.single(
        'sloprobe_engine_transition_errors_total',
        'counter',
        'Exceptions thrown while reporting an SLO flag transition (the flag itself changed).',
        c.engine.transitionErrors + s.transitionErrors,
      );
    }
    if (h.configReloads) {
      // Prometheus's own convention (prometheus_config_last_reload_success_timestamp_seconds):
      // alert on a failure count that rises, or on a timestamp older than the last deploy.
      const r = h.configReloads;
      w.family(
        'sloprobe_config_reload_total',
        'counter',
        'Config reloads (SIGHUP or --watch-config) by result: success (applied), failure (refused or failed: the running config stays).',
      );
      w.sample('sloprobe_config_reload_total', [['result', 'success']], r.success);
      w.sample('sloprobe_config_reload_total', [['result', 'failure']], r.failure);
      w.single(
        'sloprobe_config_last_reload_success_timestamp_seconds',
        'gauge',
        'When the running config was loaded, Unix seconds: at start, then at each successful reload.',
        r.lastSuccessMs / 1000,
      );
    }
    if (h.evaluation) {
      w.single(
        'sloprobe_slo_evaluation_failures_total',
        'counter',
        'SLO evaluation ticks that failed (flush to the store, ingest or evaluate); the proxy kept serving.',
        c.evaluationFailures + h.evaluation.evaluationFailures,
      );
    }
  }
}
