/**
 * The composition root: builds every part from one ResolvedConfig and wires them
 * together. `run`, `demo` and the integration tests all start the sidecar through here.
 *
 *   proxy --Observation--> recorder (+ access log)
 *   every second: recorder minutes --> store (SQLite) + SLO engine --> /metrics, /v1/slos, flag log
 *
 * What a config decides about routes and SLOs lives in one `Generation` (sidecar/generation.ts);
 * `reload()` builds a new one and swaps it in while the listeners and the upstream pool stay
 * up (what it cannot apply, and requests that cross it: sidecar/reload.ts). The admin
 * listener's routes are in sidecar/admin-routes.ts, the public types in sidecar/types.ts.
 */
import { needsRequestDigest } from './config/derived.js';
import type { ResolvedConfig } from './config/types.js';
import { type EventSink, NO_EVENTS } from './notify/event.js';
import { Outbox } from './notify/outbox.js';
import { categoriesByMethod } from './payments/method-categories.js';
import { ProbeResults } from './probes/results.js';
import { ProbeRunner } from './probes/runner.js';
import { ProxyServer, type Routing } from './proxy/server.js';
import { adminServer } from './sidecar/admin-routes.js';
import { buildGeneration, closeGeneration, type Generation } from './sidecar/generation.js';
import { remapped, restartOnly } from './sidecar/reload.js';
import { digestKeyFor, listenError } from './sidecar/startup.js';
import type { ListenAddress, ReloadResult, Sidecar, SidecarOptions } from './sidecar/types.js';
import type { Store } from './store/store.js';
import { type HealthSources, MetricsEndpoint, type MetricsRenderer } from './telemetry/metrics.js';
import { VERSION } from './version.js';

export type { ListenAddress, ReloadResult, Sidecar, SidecarOptions } from './sidecar/types.js';

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
  const admin = adminServer({ metrics, ready: () => proxy.ready, current: () => gen, options });

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
