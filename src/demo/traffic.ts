/**
 * The demo's gentle client: a steady trickle of Klarna-like calls through the sidecar, more
 * payments and order reads than settlements, with the odd unknown path (so `unmatched` shows
 * up) and the odd malformed body (so 4xx, which docs/sla-definitions.md#availability-occurrences
 * counts as good, show up too).
 */

import { Pool } from 'undici';
import type { ResolvedRoute } from '../config/types.js';
import { UsageError } from '../errors.js';
import { fillTemplate } from './fill-template.js';
import { requestBody } from './payloads.js';
import { mulberry32, pick, type Rng, randomSeed, randomUuid } from './random.js';

export interface TrafficOptions {
  /** Base URL of the proxy; must be a loopback address. */
  readonly target: string;
  readonly routes: readonly ResolvedRoute[];
  /** Requests per second (default 20). */
  readonly rps?: number;
  /** Most requests in flight at once (default 16); beyond it, ticks are skipped, not queued. */
  readonly concurrency?: number;
  readonly seed?: number;
  /** Transport failures (refused, reset) while running; HTTP error statuses are not errors here. */
  readonly onError?: (error: unknown) => void;
}

export interface Traffic {
  /** Requests dispatched so far. */
  readonly sent: number;
  /** Responses received and read to the end, whatever their status. */
  readonly completed: number;
  /** Requests that failed below HTTP while running. */
  readonly failed: number;
  /** Stops sending, abandons requests in flight and closes every socket. */
  stop(): Promise<void>;
}

export const TRAFFIC_DEFAULTS = {
  rps: 20,
  concurrency: 16,
  unknownRate: 0.02,
  badRequestRate: 0.02,
} as const;

/** Where unmatched traffic goes: plainly not a payment API path, so nobody mistakes it for one. */
export const UNKNOWN_PATH_PREFIX = '/demo/unknown/';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const BAD_BODIES = ['', '{"order_amount":', '[]'] as const;
const READ_HEADERS = { accept: 'application/json', 'user-agent': 'sloprobe-demo' };
const WRITE_HEADERS = { ...READ_HEADERS, 'content-type': 'application/json' };
const TICK_MS_MIN = 5;
const TICK_MS_MAX = 100;

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** A proxy listening on every interface (`0.0.0.0`, `::`) is reached, and only reached, through loopback. */
function viaLoopback(url: URL): URL {
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  else if (url.hostname === '[::]') url.hostname = '[::1]';
  return url;
}

/** How often a route is called relative to the others: checkout first, back office last. */
function routeWeight(route: ResolvedRoute): number {
  const text = `${route.name} ${route.path}`.toLowerCase();
  if (text.includes('/ordermanagement/')) {
    const readOnly = !route.anyMethod && route.methods.every((m) => m === 'GET' || m === 'HEAD');
    return readOnly ? 4 : 2;
  }
  if (/settlement|payout/.test(text)) return 0.5;
  if (/dispute/.test(text)) return 1;
  if (/session/.test(text)) return 6;
  if (/payment|authori[sz]ation/.test(text)) return 3;
  if (/token/.test(text)) return 2;
  return 1;
}

function methodFor(route: ResolvedRoute, rng: Rng): string {
  if (route.anyMethod || route.methods.length === 0) return rng() < 0.6 ? 'GET' : 'POST';
  return pick(rng, route.methods);
}

interface Planned {
  readonly method: string;
  readonly path: string;
  readonly body: string | undefined;
  /** The payment-method header a route reads per request, as [name, value]. */
  readonly payment?: readonly [string, string];
}

/** Sends the value a route reads per request (header or query), one of its allowed values. */
function paymentValue(
  route: ResolvedRoute,
  path: string,
  rng: Rng,
): { path: string; payment?: [string, string] } {
  const p = route.payment;
  const sel = p?.methodFrom ?? p?.instrumentFrom?.selector;
  if (!sel) return { path };
  const value = pick(rng, sel.values);
  if (sel.source === 'header') return { path, payment: [sel.name, value] };
  const sep = path.includes('?') ? '&' : '?';
  return { path: `${path}${sep}${encodeURIComponent(sel.name)}=${encodeURIComponent(value)}` };
}

export function startTraffic(opts: TrafficOptions): Traffic {
  let origin: URL;
  try {
    origin = viaLoopback(new URL(opts.target));
  } catch {
    throw new UsageError(`traffic: target "${opts.target}" is not a URL`);
  }
  if (origin.protocol !== 'http:' || !isLoopback(origin.hostname)) {
    throw new UsageError(`traffic: target must be an http:// loopback address, got "${opts.target}"`);
  }
  const rps = opts.rps ?? TRAFFIC_DEFAULTS.rps;
  const concurrency = opts.concurrency ?? TRAFFIC_DEFAULTS.concurrency;
  if (!Number.isFinite(rps) || rps <= 0) throw new UsageError(`traffic: rps must be above 0, got ${rps}`);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new UsageError(`traffic: concurrency must be a whole number above 0, got ${concurrency}`);
  }

  const seed = opts.seed ?? randomSeed();
  const rng = mulberry32(seed);
  // Payment values draw from their own sequence, so route maps without them see the same traffic.
  const payRng = mulberry32(seed ^ 0x0a7e0a7e);
  const routes = opts.routes;
  // Cumulative weights, searched by bisection (same shape as the sidecar's bucket lookup).
  const cumulative = new Float64Array(routes.length);
  let total = 0;
  for (let i = 0; i < routes.length; i++) {
    total += routeWeight(routes[i]!);
    cumulative[i] = total;
  }
  const bodyRoutes = routes.filter((r) => r.anyMethod || r.methods.some((m) => BODY_METHODS.has(m)));

  function weightedRoute(): ResolvedRoute | undefined {
    const x = rng() * total;
    let lo = 0;
    let hi = routes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return routes[lo];
  }

  function plan(): Planned {
    const u = rng();
    if (u < TRAFFIC_DEFAULTS.unknownRate || routes.length === 0) {
      return { method: 'GET', path: UNKNOWN_PATH_PREFIX + randomUuid(rng), body: undefined };
    }
    if (u < TRAFFIC_DEFAULTS.unknownRate + TRAFFIC_DEFAULTS.badRequestRate && bodyRoutes.length > 0) {
      const route = pick(rng, bodyRoutes);
      const methods = route.anyMethod ? ['POST'] : route.methods.filter((m) => BODY_METHODS.has(m));
      return { method: pick(rng, methods), path: fillTemplate(route.path, rng), body: pick(rng, BAD_BODIES) };
    }
    const route = weightedRoute()!;
    const method = methodFor(route, rng);
    const path = fillTemplate(route.path, rng);
    const body = BODY_METHODS.has(method) ? JSON.stringify(requestBody(method, path, rng)) : undefined;
    const withPayment = paymentValue(route, path, payRng);
    return {
      method,
      path: withPayment.path,
      body,
      ...(withPayment.payment ? { payment: withPayment.payment } : {}),
    };
  }

  const pool = new Pool(origin.origin, {
    connections: concurrency,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const pending = new Set<Promise<void>>();
  let sent = 0;
  let completed = 0;
  let failed = 0;
  let stopping = false;
  let stopped: Promise<void> | undefined;

  async function send(p: Planned): Promise<void> {
    try {
      const base = p.body === undefined ? READ_HEADERS : WRITE_HEADERS;
      const headers = p.payment ? { ...base, [p.payment[0]]: p.payment[1] } : base;
      const res = await pool.request({ path: p.path, method: p.method, headers, body: p.body });
      await res.body.dump();
      completed++;
    } catch (error) {
      if (stopping) return;
      failed++;
      opts.onError?.(error);
    }
  }

  function dispatch(): void {
    sent++;
    const p = send(plan());
    pending.add(p);
    // Also on rejection (an onError callback that throws), so nothing goes unhandled.
    const done = () => pending.delete(p);
    p.then(done, done);
  }

  const tickMs = Math.min(TICK_MS_MAX, Math.max(TICK_MS_MIN, 1000 / rps));
  // At most a quarter second of requests at once, so a stalled event loop does not cause a burst.
  const maxCredit = Math.max(1, rps / 4);
  let credit = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    credit = Math.min(maxCredit, credit + ((now - last) * rps) / 1000);
    last = now;
    while (credit >= 1 && pending.size < concurrency) {
      credit--;
      dispatch();
    }
  }, tickMs);

  return {
    get sent() {
      return sent;
    },
    get completed() {
      return completed;
    },
    get failed() {
      return failed;
    },
    stop() {
      if (stopped) return stopped;
      stopping = true;
      clearInterval(timer);
      stopped = pool.destroy().then(async () => {
        await Promise.allSettled(pending);
      });
      return stopped;
    },
  };
}
