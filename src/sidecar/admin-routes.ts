/**
 * The admin listener of a sidecar (linkerd2-proxy's shape: the proxy port carries only
 * proxied traffic): /metrics, health and the route map from admin/server.ts, plus the JSON
 * API, the status views and the Downtime API. Every handler reads the generation current
 * at the request, so a reload changes what they answer without touching the listener.
 */
import { AdminServer } from '../admin/server.js';
import { checkAuth, registerDowntimeApi } from '../downtime/api.js';
import { trackerSources } from '../downtime/status-source.js';
import { slosJson } from '../slo/slo-json.js';
import { registerStatusRoutes } from '../status/service.js';
import type { MetricsEndpoint } from '../telemetry/metrics.js';
import type { Generation } from './generation.js';
import type { SidecarOptions } from './types.js';

export interface AdminWiring {
  readonly metrics: MetricsEndpoint;
  /** Whether the proxy listener takes traffic (`/ready`). */
  readonly ready: () => boolean;
  /** The generation current now (it changes on reload). */
  readonly current: () => Generation;
  readonly options: SidecarOptions;
}

/** The admin server with every route registered; not listening yet. */
export function adminServer({ metrics, ready, current, options }: AdminWiring): AdminServer {
  const { log } = options;
  const admin = new AdminServer({
    metrics,
    ready,
    routesJson: () => current().routesJson,
    onError: (err: unknown) => log.error({ err }, 'admin request failed'),
    authorize: (req) => checkAuth(req, current().config.adminToken),
  });
  admin.route('GET', '/v1/slos', () => {
    const gen = current();
    return gen.slo
      ? {
          status: 200,
          json: { ...gen.slo.json(), payment_methods: slosJson(gen.downtime?.current() ?? []).slos },
        }
      : { status: 404, json: { error: 'recording is off: no SLOs are evaluated' } };
  });
  registerStatusRoutes(admin, {
    config: () => current().config,
    slo: () => current().slo,
    sources:
      options.statusSources ??
      ((c, r) =>
        trackerSources(c, r.engine.maintenance, () => current().downtime?.tracker, options.now ?? Date.now)),
    now: options.now,
  });
  registerDowntimeApi(admin, {
    tracker: () => current().downtime?.tracker,
    token: () => current().config.adminToken,
    now: options.now ?? Date.now,
  });
  return admin;
}
