/**
 * The composition root: builds every part from one ResolvedConfig and wires them
 * together. `run`, `demo` and the integration tests all start the sidecar through here.
 *
 *   proxy --Observation--> recorder (+ access log)
 *   every second: recorder minutes --> store (SQLite) + SLO engine --> /metrics, /v1/slos, flag log
 *
 * What a config decides about routes and SLOs lives in one `Generation`; `reload()` builds
 * a new one and swaps it in while the listeners and the upstream pool stay up.
 */
import { type AdminEndpoint, AdminServer } from './admin/server.js';
import { needsRequestDigest, timesliceErrorStatuses } from './config/derived.js';
import { routeTableJson } from './config/route-table-json.js';
import type { ResolvedConfig, UpstreamTls } from './config/types.js';
import { checkAuth, registerDowntimeApi } from './downtime/api.js';
import { DowntimeRuntime } from './downtime/runtime.js';
import { trackerSources } from './downtime/status-source.js';
import { ErrorCodes, SloprobeError } from './errors.js';
import { type AccessLog, createAccessLog } from './log/access-log.js';
import type { AppLog } from './log/app-log.js';
import { fanout } from './log/fanout.js';
import { type EventSink, NO_EVENTS } from './notify/event.js';
import { Outbox } from './notify/outbox.js';
import { categoriesByMethod } from './payments/method-categories.js';
import { ProbeResults } from './probes/results.js';
import { ProbeRunner, type ProbeTimers } from './probes/runner.js';
import { ProxyServer, type Routing } from './proxy/server.js';
import { RouteTable } from './routing/route-table.js';
import { SloRuntime } from './slo/runtime.js';
import { slosJson } from './slo/slo-json.js';
import { renderSloMetrics } from './slo/slo-metrics.js';
import { registerStatusRoutes } from './status/service.js';
import type { StatusSources } from './status/sources.js';
import { DIGEST_KEY_ENV, resolveDigestKey } from './store/digest-key.js';
import type { Store } from './store/store.js';
import { configBucketBounds } from './telemetry/buckets.js';
import { type HealthSources, MetricsEndpoint, type MetricsRenderer } from './telemetry/metrics.js';
import { copyObservation, type Observation, type ObservationSink } from './telemetry/observation.js';
import { Recorder } from './telemetry/recorder.js';
import { VERSION } from './version.js';

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

const NOOP_SINK: ObservationSink = { observe() {} };

/** Everything one config decides about routes, recording and SLOs. */
interface Generation {
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

function buildGeneration(
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

async function closeGeneration(g: Generation): Promise<void> {
  g.downtime?.close();
  g.slo?.close();
  await g.accessLog.close();
}

/** Settings the running listeners, pool and store were built from. */
function restartOnly(a: ResolvedConfig, b: ResolvedConfig): string[] {
  const out: string[] = [];
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  if (a.upstream !== b.upstream) out.push('upstream');
  if (!sameUpstreamTls(a.upstreamTls, b.upstreamTls)) out.push('upstream.tls');
  if ((a.preserveHost ?? false) !== (b.preserveHost ?? false)) out.push('upstream.preserve_host');
  // A listener's certificate is replaced in place (reload); only switching TLS on or off restarts.
  if ((a.listenTls === undefined) !== (b.listenTls === undefined)) out.push('listen.tls');
  if (!same(a.listen, b.listen)) out.push('listen');
  if (!same(a.admin, b.admin)) out.push('admin');
  if (!same(a.timeouts, b.timeouts)) out.push('timeouts');
  if (a.store.dataDir !== b.store.dataDir) out.push('data_dir');
  if (a.store.digestKey !== b.store.digestKey) out.push('digest_key');
  if (
    a.store.minuteRetentionMs !== b.store.minuteRetentionMs ||
    a.store.hourRetentionMs !== b.store.hourRetentionMs
  )
    out.push('retention');
  if (needsRequestDigest(a) !== needsRequestDigest(b)) out.push('timeslices.distinct');
  const hooks = (c: ResolvedConfig) =>
    c.webhooks.map((w) => [w.url, w.events, w.accountId, w.secret.reveal()]);
  if (!same(hooks(a), hooks(b))) out.push('webhooks');
  if (!same(a.email ?? null, b.email ?? null) || a.email?.password?.reveal() !== b.email?.password?.reveal())
    out.push('notify.email');
  return out;
}

/** Same trust, identity and versions (file contents, not just paths: a rotated file is a change). */
function sameUpstreamTls(a: UpstreamTls | undefined, b: UpstreamTls | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.ca?.pem === b.ca?.pem &&
    a.cert?.pem === b.cert?.pem &&
    a.key?.pem.reveal() === b.key?.pem.reveal() &&
    a.servername === b.servername &&
    a.minVersion === b.minVersion
  );
}

/**
 * A request routed by an older generation carries a route index of that generation's
 * table: re-point it at the route of the same name (or `unmatched`). Only requests in
 * flight across a reload take this path, so the copy is rare.
 */
function remapped(o: Observation, from: RouteTable, to: RouteTable): Observation {
  const name = from.routes[o.routeIndex]?.name;
  const index = to.routes.findIndex((r) => r.name === name);
  return copyObservation(o, index >= 0 ? index : to.unmatchedIndex);
}

/** A listener that cannot bind says which one, where, and what to do. */
function listenError(err: unknown, which: string, at: { host: string; port: number }): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${at.host}:${at.port}`;
  if (code === 'EADDRINUSE') {
    return new SloprobeError(
      ErrorCodes.LISTEN,
      `${which} ${where} is already in use (another sloprobe?); choose another with --${which} HOST:PORT`,
      { cause: err },
    );
  }
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return new SloprobeError(
      ErrorCodes.LISTEN,
      `${which} ${where}: cannot bind (${code}); check --${which}`,
      {
        cause: err,
      },
    );
  }
  return err;
}

/** The access log's digest key (store/digest-key.ts); a per-process one is said in the log. */
function digestKeyFor(config: ResolvedConfig, log: AppLog): Buffer {
  const { key, source } = resolveDigestKey({
    dataDir: config.store.dataDir,
    configKey: config.store.digestKey,
  });
  if (source === 'process') {
    log.warn(
      `access-log digests use a random key for this process (data_dir is :memory: and neither digest_key nor ${DIGEST_KEY_ENV} is set): digests of two runs never match, so replay cannot de-duplicate across restarts`,
    );
  }
  // Nothing logged otherwise: a start refused later (the store's single-writer lock) must
  // not have logged a line first.
  return key;
}

export async function startSidecar(config: ResolvedConfig, options: SidecarOptions): Promise<Sidecar> {
  const { log } = options;
  // Before anything opens: a bad key must stop the start with nothing to close.
  const digest = needsRequestDigest(config) ? digestKeyFor(config, log) : false;
  // The outbox (webhooks and email) lives in the store the first SLO runtime opens, and
  // outlives reloads (they hand the same store over). Neither configured: events go nowhere.
  let outbox: Outbox | undefined;
  const events = (store: Store): EventSink => {
    if (config.webhooks.length === 0 && !config.email) return NO_EVENTS;
    if (!outbox && store.file === ':memory:')
      log.warn(
        'webhooks and email with data_dir :memory: are not durable: pending deliveries are lost on restart',
      );
    outbox ??= new Outbox({
      store,
      endpoints: config.webhooks,
      email: config.email,
      categoriesOf: categoriesByMethod(config.routes),
      log,
      now: options.now,
    });
    return outbox;
  };
  let gen = buildGeneration(config, options, events);

  /**
   * How `g` routes the proxy's requests. Each exchange keeps the Routing it arrived under,
   * so its route index always belongs to `g.table`; only the recording side follows the
   * reloads, into whichever generation is current when the request ends.
   */
  function routingOf(g: Generation): Routing {
    return {
      lookup: (method, path) => g.table.lookup(method, path),
      routeTimeoutMs: (i) => g.table.routes[i]?.timeoutMs,
      paymentVariant: (i, req) => g.downtime?.variantOf(i, req) ?? 0,
      allowsBodyOnGet: (i) => g.table.routes[i]?.allowBodyOnGet === true,
      sink: {
        observe(o) {
          const now = gen;
          if (now === g) now.sink.observe(o);
          else now.sink.observe(remapped(o, g.table, now.table));
        },
      },
    };
  }
  const proxy = new ProxyServer({
    upstream: config.upstream,
    upstreamTls: config.upstreamTls,
    preserveHost: config.preserveHost,
    listenerTls: config.listenTls,
    timeouts: config.timeouts,
    ...routingOf(gen),
    digest,
  });

  // Where /metrics reads the sidecar's own health; the endpoint carries the counts of the
  // parts a reload replaces.
  const healthOf = (g: Generation): HealthSources => ({
    proxy,
    accessLog: g.accessLog,
    store: g.slo?.store,
    engine: g.slo?.engine,
    evaluation: g.slo,
    configReloads: options.configReloads,
  });
  // Families of the long-lived parts, kept across reloads.
  const probeResults = new ProbeResults();
  const lasting: MetricsRenderer[] = [
    () => outbox?.renderMetrics() ?? '',
    () => (gen.config.probes.length > 0 ? probeResults.renderMetrics() : ''),
  ];
  const metrics = new MetricsEndpoint({
    recorder: gen.recorder,
    version: VERSION,
    renderers: [...lasting, ...gen.renderers],
    health: healthOf(gen),
    now: options.now,
    onError: (err: unknown) => log.error({ err }, 'metrics rendering failed'),
  });
  const admin = new AdminServer({
    metrics,
    ready: () => proxy.ready,
    routesJson: () => gen.routesJson,
    onError: (err: unknown) => log.error({ err }, 'admin request failed'),
    authorize: (req) => checkAuth(req, gen.config.adminToken),
  });
  admin.route('GET', '/v1/slos', () =>
    gen.slo
      ? {
          status: 200,
          json: { ...gen.slo.json(), payment_methods: slosJson(gen.downtime?.current() ?? []).slos },
        }
      : { status: 404, json: { error: 'recording is off: no SLOs are evaluated' } },
  );
  registerStatusRoutes(admin, {
    config: () => gen.config,
    slo: () => gen.slo,
    sources:
      options.statusSources ??
      ((c, r) =>
        trackerSources(c, r.engine.maintenance, () => gen.downtime?.tracker, options.now ?? Date.now)),
    now: options.now,
  });
  registerDowntimeApi(admin, {
    tracker: () => gen.downtime?.tracker,
    token: () => gen.config.adminToken,
    now: options.now ?? Date.now,
  });

  let proxyAddress: ListenAddress;
  let adminAddress: ListenAddress;
  let listener = 'admin';
  try {
    adminAddress = await admin.listen(config.admin.host, config.admin.port);
    listener = 'listen';
    const p = await proxy.listen(config.listen.host, config.listen.port);
    proxyAddress = { host: p.address, port: p.port };
  } catch (err) {
    await admin.close().catch(() => {});
    await proxy.close(0).catch(() => {});
    await outbox?.close();
    await closeGeneration(gen);
    throw listenError(err, listener, listener === 'admin' ? config.admin : config.listen);
  }
  // Probes call the proxy listener itself (probes/runner.ts says why), so they start once it listens.
  const probesFor = (c: ResolvedConfig, previous?: ProbeRunner): ProbeRunner =>
    new ProbeRunner({
      previous,
      probes: c.probes,
      listen: proxyAddress,
      tls: config.listenTls !== undefined,
      results: probeResults,
      log,
      now: options.now,
      timers: options.probeTimers,
    }).start();
  let probes = probesFor(config);

  return {
    proxyAddress,
    adminAddress,
    get recorder() {
      return gen.recorder;
    },
    get table() {
      return gen.table;
    },
    get slo() {
      return gen.slo;
    },
    get downtime() {
      return gen.downtime;
    },
    get config() {
      return gen.config;
    },
    get probes() {
      return probes;
    },
    adminEndpoints: () => admin.endpoints(),
    async reload(next: ResolvedConfig): Promise<ReloadResult> {
      const needsRestart = restartOnly(config, next);
      // Re-read at load: a rotated listener certificate applies to the next handshakes.
      if (next.listenTls) proxy.setListenerTls(next.listenTls);
      // The old runtime flushes its minutes to the store and hands it over; the new one
      // restores its windows from it (the data dir and retention stay until a restart).
      const old = gen;
      // Stopped first: the new tracker reads the open downtimes the old one last wrote.
      old.downtime?.close();
      const store = old.slo?.handOver();
      const fresh = buildGeneration(next, options, events, store);
      // Synchronous up to the swap: no observation reaches the old recorder after this.
      fresh.recorder.carryFrom(old.recorder);
      gen = fresh;
      proxy.route(routingOf(fresh));
      metrics.swap(fresh.recorder, [...lasting, ...fresh.renderers], healthOf(fresh));
      await old.accessLog.close();
      // The old schedule stops; its request in flight (if any) still counts, and the new
      // one starts after it, keeping each probe's last start (probes/runner.ts).
      const oldProbes = probes;
      oldProbes.retire();
      probes = probesFor(next, oldProbes);
      void oldProbes.close();
      return { routes: next.routes.length, slos: next.slos.length, needsRestart };
    },
    async close(drainMs: number) {
      // Draining: no probe starts from here on; one in flight ends through the drain.
      probes.stop();
      await proxy.close(drainMs);
      await probes.close();
      // Before the store closes: an attempt in flight is aborted and stays pending.
      await outbox?.close();
      await closeGeneration(gen);
      await admin.close();
    },
  };
}
