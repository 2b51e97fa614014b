/**
 * The demo's stand-in for a payment API: answers the configured routes with Klarna-like JSON,
 * with a small steady share of 5xx and of responses slower than the route's latency
 * objective, so that every number sloprobe exports moves. Bad input gets a 4xx, which the
 * availability rule counts as good ("responses having status code being 2xx, 3xx and 4xx",
 * docs/sla-definitions.md#availability-occurrences).
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResolvedRoute } from '../config/types.js';
import { UsageError } from '../errors.js';
import { errorBody, responseBody, successStatus } from './payloads.js';
import { mulberry32, type Rng, randomSeed } from './random.js';

export interface MockUpstreamOptions {
  readonly routes: readonly ResolvedRoute[];
  /** Loopback unless asked otherwise: the mock is never meant to be reachable from outside. */
  readonly host?: string;
  readonly port?: number;
  /** Share of matched requests answered 500 or 503. */
  readonly errorRate?: number;
  /** Share of matched requests delayed past the route's latency objective. */
  readonly slowRate?: number;
  readonly seed?: number;
  /**
   * Multiplies the delay actually waited; 0 answers at once (tests, benchmarks). The delay
   * reported in `x-mock-delay-ms` is the intended one, before scaling.
   */
  readonly timeScale?: number;
}

export interface MockUpstream {
  readonly url: string;
  readonly port: number;
  /**
   * Fail the requests of one payment method with HTTP 500 (null: recover): all of them, or
   * `share` of them (0.3: 3 in every 10, counted, not drawn, so the random faults stay as
   * seeded). Also over HTTP: `PUT /__mock/fail/{method}[?share=0.3]` and `DELETE /__mock/fail`.
   */
  failMethod(method: string | null, share?: number): void;
  /** The method failing now, or null. */
  readonly failing: string | null;
  close(): Promise<void>;
}

/** The mock's own control routes (never a configured route: no payment API lives under it). */
export const MOCK_CONTROL_PREFIX = '/__mock/fail';

/** The payment method a request names on its route: the static one, or the one read per request. */
export function requestMethod(
  route: ResolvedRoute,
  req: IncomingMessage,
  target: string,
): string | undefined {
  const p = route.payment;
  if (!p) return undefined;
  const from = p.methodFrom;
  if (!from) return p.method;
  const raw =
    from.source === 'header'
      ? req.headers[from.name]
      : new URLSearchParams(target.includes('?') ? target.slice(target.indexOf('?') + 1) : '').get(from.name);
  return typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
}

/** Response header carrying the delay the mock meant to add, in whole milliseconds. */
export const MOCK_DELAY_HEADER = 'x-mock-delay-ms';

export const MOCK_DEFAULTS = { errorRate: 0.01, slowRate: 0.02 } as const;

/** What a route without a latency objective is treated as, for choosing its delays. */
const DEFAULT_THRESHOLD_MS = 500;
const MAX_BODY_BYTES = 1 << 20;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

interface CompiledRoute {
  readonly route: ResolvedRoute;
  readonly pattern: RegExp;
  readonly prefix: boolean;
  /** Per segment: 0 static, 1 parameter; compared left to right for specificity. */
  readonly shape: readonly number[];
}

function compile(route: ResolvedRoute): CompiledRoute {
  const prefix = route.path.endsWith('*');
  const body = prefix ? route.path.slice(0, -1).replace(/\/$/, '') : route.path;
  let source = '';
  for (const part of body.split(/(\{[^}]*\}|\*)/)) {
    if (part === '*' || part.startsWith('{')) source += '[^/]+';
    else source += part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  }
  const shape = body
    .split('/')
    .slice(1)
    .map((s) => (s.includes('{') || s === '*' ? 1 : 0));
  return { route, pattern: new RegExp(`^${source}${prefix ? '(?:/.*)?' : ''}$`), prefix, shape };
}

/**
 * Specific before general, as the sidecar routes: templates before prefixes, a static
 * segment before a parameter, a longer prefix first, named methods before "*".
 */
function bySpecificity(a: CompiledRoute, b: CompiledRoute): number {
  if (a.prefix !== b.prefix) return a.prefix ? 1 : -1;
  const n = Math.min(a.shape.length, b.shape.length);
  for (let i = 0; i < n; i++) {
    const d = a.shape[i]! - b.shape[i]!;
    if (d !== 0) return d;
  }
  return b.shape.length - a.shape.length || Number(a.route.anyMethod) - Number(b.route.anyMethod);
}

function allows(route: ResolvedRoute, method: string): boolean {
  return route.anyMethod || route.methods.includes(method);
}

function checkRatio(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new UsageError(`mock upstream: ${name} must be between 0 and 1, got ${value}`);
  }
  return value;
}

async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Keep reading past the limit (and drop it) so the connection stays usable for keep-alive.
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  return size > MAX_BODY_BYTES ? 'too-large' : Buffer.concat(chunks);
}

function isJsonObject(body: Buffer): boolean {
  if (body.length === 0) return false;
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

export async function startMockUpstream(opts: MockUpstreamOptions): Promise<MockUpstream> {
  const errorRate = checkRatio('errorRate', opts.errorRate ?? MOCK_DEFAULTS.errorRate);
  const slowRate = checkRatio('slowRate', opts.slowRate ?? MOCK_DEFAULTS.slowRate);
  const timeScale = opts.timeScale ?? 1;
  if (!Number.isFinite(timeScale) || timeScale < 0) {
    throw new UsageError(`mock upstream: timeScale must be 0 or more, got ${timeScale}`);
  }
  const seed = opts.seed ?? randomSeed();
  // Faults draw from their own sequence, so a seed gives the same errors and delays whichever
  // routes are called; bodies and ids draw from another.
  const faults: Rng = mulberry32(seed);
  const rng: Rng = mulberry32(seed ^ 0x5eed5eed);
  const table = opts.routes.map(compile).sort(bySpecificity);
  const timers = new Set<NodeJS.Timeout>();
  let methodDown: string | null = null;
  let downShare = 1;
  let downCount = 0;
  const setDown = (method: string | null, share = 1) => {
    methodDown = method;
    downShare = checkRatio('share', share);
    downCount = 0;
  };
  // Of every 10 requests of the failing method, the first share x 10 fail.
  const failsNow = () => (downCount++ % 10) + 1 <= Math.round(downShare * 10);

  function send(res: ServerResponse, status: number, body: object, delayMs: number): void {
    const payload = JSON.stringify(body);
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      [MOCK_DELAY_HEADER]: Math.round(delayMs),
    };
    if (status === 503) headers['retry-after'] = 1;
    const write = () => {
      if (!res.destroyed) res.writeHead(status, headers).end(payload);
    };
    const waitMs = delayMs * timeScale;
    if (waitMs <= 0) {
      write();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      write();
    }, waitMs);
    timers.add(timer);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const method = req.method ?? 'GET';
    const target = req.url ?? '';
    if (!target.startsWith('/')) {
      return send(res, 400, errorBody('BAD_VALUE', 'Invalid request target', rng), 0);
    }
    const q = target.indexOf('?');
    const pathname = q === -1 ? target : target.slice(0, q);
    if (pathname === MOCK_CONTROL_PREFIX || pathname.startsWith(`${MOCK_CONTROL_PREFIX}/`)) {
      const method = pathname.slice(MOCK_CONTROL_PREFIX.length + 1);
      const share = Number(new URLSearchParams(q === -1 ? '' : target.slice(q + 1)).get('share') ?? 1);
      if (req.method === 'DELETE') setDown(null);
      else if (req.method === 'PUT' && /^[a-z][a-z0-9_]{0,31}$/.test(method) && share >= 0 && share <= 1)
        setDown(method, share);
      else
        return send(
          res,
          400,
          errorBody('BAD_VALUE', 'PUT /__mock/fail/{method} or DELETE /__mock/fail', rng),
          0,
        );
      return send(res, 200, { failing: methodDown }, 0);
    }

    let onPath: CompiledRoute | undefined;
    let match: CompiledRoute | undefined;
    for (const c of table) {
      if (!c.pattern.test(pathname)) continue;
      onPath ??= c;
      if (allows(c.route, method)) {
        match = c;
        break;
      }
    }
    if (match === undefined) {
      if (onPath === undefined) return send(res, 404, errorBody('NOT_FOUND', 'No such resource', rng), 0);
      res.setHeader('allow', onPath.route.methods.join(', '));
      return send(res, 405, errorBody('METHOD_NOT_ALLOWED', `${method} is not allowed here`, rng), 0);
    }

    const failingMethod = methodDown;
    // Four draws per matched request, whatever the outcome, so the sequence stays aligned.
    const failing = faults() < errorRate;
    const failStatus = faults() < 0.5 ? 500 : 503;
    const slow = faults() < slowRate;
    const u = faults();
    const threshold = match.route.latency?.thresholdMs ?? DEFAULT_THRESHOLD_MS;
    // Typical answers take 4-24% of the objective (mostly the low end); slow ones 110-200%.
    const delayMs = slow ? threshold * (1.1 + 0.9 * u) : threshold * (0.04 + 0.2 * u * u);

    if (failingMethod !== null && requestMethod(match.route, req, target) === failingMethod && failsNow()) {
      return send(res, 500, errorBody('INTERNAL_ERROR', 'The payment method is unavailable', rng), delayMs);
    }
    if (failing) {
      const code = failStatus === 500 ? 'INTERNAL_ERROR' : 'TEMPORARILY_UNAVAILABLE';
      return send(res, failStatus, errorBody(code, 'Please try again later', rng), delayMs);
    }
    if (body === 'too-large') return send(res, 413, errorBody('BAD_VALUE', 'Body too large', rng), delayMs);
    if (BODY_METHODS.has(method) && !isJsonObject(body)) {
      return send(res, 400, errorBody('BAD_VALUE', 'Request body must be a JSON object', rng), delayMs);
    }
    send(res, successStatus(method), responseBody(method, pathname, rng), delayMs);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // The client went away mid-body: nothing left to answer.
      res.destroy();
    });
  });

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    failMethod(method: string | null, share?: number) {
      setDown(method, share);
    },
    get failing() {
      return methodDown;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
