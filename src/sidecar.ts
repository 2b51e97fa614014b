/**
 * The composition root: builds every part from one ResolvedConfig and wires them
 * together. `run`, `demo` and the integration tests all start the sidecar through here.
 *
 *   proxy --Observation--> recorder (+ access log)
 *   every second: recorder minutes --> store (SQLite) + SLO engine --> /metrics, /v1/slos, flag log
 */
import { AdminServer } from './admin/server.js';
import { needsRequestDigest, sloLatencyThresholdsSeconds, timesliceErrorStatuses } from './config/derived.js';
import { routeTableJson } from './config/route-table-json.js';
import type { ResolvedConfig } from './config/types.js';
import { createAccessLog } from './log/access-log.js';
import type { AppLog } from './log/app-log.js';
import { fanout } from './log/fanout.js';
import { ProxyServer } from './proxy/server.js';
import { RouteTable } from './routing/route-table.js';
import { SloRuntime } from './slo/runtime.js';
import { DEFAULT_LATENCY_BOUNDS_SECONDS } from './telemetry/buckets.js';
import { MetricsEndpoint } from './telemetry/metrics.js';
import type { ObservationSink } from './telemetry/observation.js';
import { Recorder } from './telemetry/recorder.js';
import { VERSION } from './version.js';

export interface SidecarOptions {
  readonly log: AppLog;
  /** Switch observation recording off entirely (benchmarks the recording cost). */
  readonly recording?: boolean;
  readonly now?: () => number;
}

/** Where a listener ended up (port 0 resolved). */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface Sidecar {
  readonly proxyAddress: ListenAddress;
  readonly adminAddress: ListenAddress;
  readonly recorder: Recorder;
  readonly table: RouteTable;
  readonly slo: SloRuntime | undefined;
  /** Stop accepting, drain in-flight requests up to drainMs, flush the store, close everything. */
  close(drainMs: number): Promise<void>;
}

const NOOP_SINK: ObservationSink = { observe() {} };

export async function startSidecar(config: ResolvedConfig, options: SidecarOptions): Promise<Sidecar> {
  const { log } = options;
  const now = options.now ?? Date.now;
  const recording = options.recording ?? true;
  const table = new RouteTable(config.routes);
  // The recorder adds every route's objective to these; SLO-level latency thresholds are
  // added here, so that every threshold the engine judges by is exactly one bucket bound.
  const recorder = new Recorder(table.routes, {
    bucketBoundsSeconds: [...DEFAULT_LATENCY_BOUNDS_SECONDS, ...sloLatencyThresholdsSeconds(config)],
    timesliceErrorStatuses: timesliceErrorStatuses(config),
    now,
    onError: (err: unknown) => log.error({ err }, 'recording failed; the request was not affected'),
  });
  const accessLog = createAccessLog(config.accessLog, table.routes);
  const sink = recording ? fanout([recorder, accessLog]) : NOOP_SINK;

  const bounds = recorder.layout.boundsSeconds;
  const slo = recording ? SloRuntime.start(config, { recorder, bounds, log, now }) : undefined;

  const proxy = new ProxyServer({
    upstream: config.upstream,
    timeouts: config.timeouts,
    lookup: (method, path) => table.lookup(method, path),
    routeTimeoutMs: (i) => table.routes[i]?.timeoutMs,
    sink,
    digest: needsRequestDigest(config),
  });

  const metrics = new MetricsEndpoint({
    recorder,
    version: VERSION,
    renderers: slo ? [() => slo.renderMetrics()] : [],
    now,
    onError: (err: unknown) => log.error({ err }, 'metrics rendering failed'),
  });
  const routesJson = routeTableJson(config);
  const admin = new AdminServer({
    metrics,
    ready: () => proxy.ready,
    routesJson: () => routesJson,
    onError: (err: unknown) => log.error({ err }, 'admin request failed'),
  });
  if (slo) admin.route('GET', '/v1/slos', () => ({ status: 200, json: slo.json() }));

  let proxyAddress: ListenAddress;
  let adminAddress: ListenAddress;
  try {
    adminAddress = await admin.listen(config.admin.host, config.admin.port);
    const p = await proxy.listen(config.listen.host, config.listen.port);
    proxyAddress = { host: p.address, port: p.port };
  } catch (err) {
    await admin.close().catch(() => {});
    await proxy.close(0).catch(() => {});
    slo?.close();
    await accessLog.close();
    throw err;
  }

  return {
    proxyAddress,
    adminAddress,
    recorder,
    table,
    slo,
    async close(drainMs: number) {
      await proxy.close(drainMs);
      slo?.close();
      await admin.close();
      await accessLog.close();
    },
  };
}
