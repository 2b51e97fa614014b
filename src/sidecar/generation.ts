/**
 * One `Generation`: everything one config decides about routes, recording and SLOs. The
 * sidecar (src/sidecar.ts) builds one at start and a new one on every reload, and swaps it
 * in while the listeners, the upstream pool, the store and the outbox stay.
 */
import { timesliceErrorStatuses } from '../config/derived.js';
import { routeTableJson } from '../config/route-table-json.js';
import type { ResolvedConfig } from '../config/types.js';
import { DowntimeRuntime } from '../downtime/runtime.js';
import { type AccessLog, createAccessLog } from '../log/access-log.js';
import { fanout } from '../log/fanout.js';
import type { EventSink } from '../notify/event.js';
import { RouteTable } from '../routing/route-table.js';
import { SloRuntime } from '../slo/runtime.js';
import { renderSloMetrics } from '../slo/slo-metrics.js';
import type { Store } from '../store/store.js';
import { configBucketBounds } from '../telemetry/buckets.js';
import type { MetricsRenderer } from '../telemetry/metrics.js';
import type { ObservationSink } from '../telemetry/observation.js';
import { Recorder } from '../telemetry/recorder.js';
import type { SidecarOptions } from './types.js';

const NOOP_SINK: ObservationSink = { observe() {} };

export interface Generation {
  readonly config: ResolvedConfig;
  readonly table: RouteTable;
  readonly recorder: Recorder;
  readonly accessLog: AccessLog;
  readonly sink: ObservationSink;
  readonly slo: SloRuntime | undefined;
  readonly downtime: DowntimeRuntime | undefined;
  readonly routesJson: unknown;
  readonly renderers: MetricsRenderer[];
}

/**
 * `store` is the previous generation's, handed over on a reload (undefined at start: the SLO
 * runtime opens it); `events` gives the outbox that lives in that store.
 */
export function buildGeneration(
  config: ResolvedConfig,
  options: SidecarOptions,
  events: (store: Store) => EventSink,
  store?: Store,
): Generation {
  const { log } = options;
  const now = options.now ?? Date.now;
  const recording = options.recording ?? true;
  const table = new RouteTable(config.routes);
  // The same bounds replay and report read the store with (telemetry/buckets.ts).
  const recorder = new Recorder(table.routes, {
    bucketBoundsSeconds: configBucketBounds(config),
    timesliceErrorStatuses: timesliceErrorStatuses(config),
    now,
    onError: (err: unknown) => log.error({ err }, 'recording failed; the request was not affected'),
  });
  const accessLog = createAccessLog(config.accessLog, table.routes);
  const bounds = recorder.layout.boundsSeconds;
  const slo = recording ? SloRuntime.start(config, { recorder, bounds, log, now, store, events }) : undefined;
  const downtime = slo
    ? new DowntimeRuntime(config, {
        routes: table.routes,
        store: slo.store,
        events: options.events ?? events(slo.store),
        log,
        now,
      })
    : undefined;
  // The per-method recorder only sees requests when some route has a payment method.
  const methods = downtime && downtime.plan.series.length > 0 ? downtime.recorder : undefined;
  return {
    config,
    table,
    recorder,
    accessLog,
    sink: recording ? fanout(methods ? [recorder, accessLog, methods] : [recorder, accessLog]) : NOOP_SINK,
    slo,
    downtime,
    routesJson: routeTableJson(config),
    // One rendering for route and method SLOs: each metric family is written once.
    renderers: slo
      ? [
          () => renderSloMetrics([...slo.current(), ...(downtime?.current() ?? [])]),
          ...(methods && downtime ? [() => downtime.renderCounters()] : []),
        ]
      : [],
  };
}

export async function closeGeneration(g: Generation): Promise<void> {
  g.downtime?.close();
  g.slo?.close();
  await g.accessLog.close();
}
