/**
 * The sidecar's public surface: what `startSidecar` (src/sidecar.ts) takes and returns.
 * Kept apart so the parts it is built from (this folder) name the options without
 * importing the composition root; src/sidecar.ts re-exports every type here.
 */
import type { AdminEndpoint } from '../admin/server.js';
import type { ResolvedConfig } from '../config/types.js';
import type { DowntimeRuntime } from '../downtime/runtime.js';
import type { AppLog } from '../log/app-log.js';
import type { EventSink } from '../notify/event.js';
import type { ProbeRunner, ProbeTimers } from '../probes/runner.js';
import type { RouteTable } from '../routing/route-table.js';
import type { SloRuntime } from '../slo/runtime.js';
import type { StatusSources } from '../status/sources.js';
import type { HealthSources } from '../telemetry/metrics.js';
import type { Recorder } from '../telemetry/recorder.js';

export interface SidecarOptions {
  readonly log: AppLog;
  /** Switch observation recording off entirely (benchmarks the recording cost). */
  readonly recording?: boolean;
  readonly now?: () => number;
  /** Downtimes for the status views; default: the downtime tracker's and the maintenance windows. */
  readonly statusSources?: (config: ResolvedConfig, runtime: SloRuntime) => StatusSources;
  /**
   * Where downtime events go (`payment.downtime.*`), called inside the store transaction of
   * the change: the notification outbox. Default: dropped.
   */
  readonly events?: EventSink;
  /** Timers of the probe schedule (`probes:`); tests fire them by hand. Default setTimeout. */
  readonly probeTimers?: ProbeTimers;
  /** Counts of config reloads, kept by whoever reloads (`run`); exported on /metrics. */
  readonly configReloads?: HealthSources['configReloads'];
}

/** Where a listener ended up (port 0 resolved). */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** What `reload` did: the settings it could not apply without a restart are named. */
export interface ReloadResult {
  readonly routes: number;
  readonly slos: number;
  readonly needsRestart: readonly string[];
}

export interface Sidecar {
  readonly proxyAddress: ListenAddress;
  readonly adminAddress: ListenAddress;
  /** The current generation's parts (they change on reload). */
  readonly recorder: Recorder;
  readonly table: RouteTable;
  readonly slo: SloRuntime | undefined;
  /** Payment methods and downtimes (undefined when recording is off). */
  readonly downtime: DowntimeRuntime | undefined;
  readonly config: ResolvedConfig;
  /** The current probe schedule (replaced on reload). */
  readonly probes: ProbeRunner;
  /** The admin listener's endpoints, each with whether it needs the bearer token. */
  adminEndpoints(): AdminEndpoint[];
  /**
   * Swaps in a new route map and SLOs (already validated: a bad file never gets here, so
   * the running config stays). Listeners, upstream and store location need a restart.
   */
  reload(config: ResolvedConfig): Promise<ReloadResult>;
  /** Stop accepting, drain in-flight requests up to drainMs, flush the store, close everything. */
  close(drainMs: number): Promise<void>;
}
