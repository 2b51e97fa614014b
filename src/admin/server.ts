/**
 * The admin listener, apart from the proxy port (as linkerd2-proxy keeps its admin server):
 * metrics, health, readiness and the JSON API. Proxied traffic never reaches it and it never
 * reaches the upstream. Routes are exact paths; the query string is ignored for matching.
 *
 * Reads (`GET`, `HEAD`) are open: Prometheus, probes and status widgets call them without
 * credentials. Every other method changes state, so the server itself asks `authorize`
 * before any such handler runs (a route added later cannot forget it), and refuses them all
 * with 403 when no `authorize` is given. Bind the listener to loopback or a pod-internal
 * address (README, "Admin listener") so that the reads reach only who should see them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a handler answers. `json` is serialised; `body` is sent as is. */
export interface AdminReply {
  readonly status?: number;
  readonly json?: unknown;
  readonly body?: string | Buffer;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A route handler. It may read the request body from `req` (for POST/PUT routes). */
export type AdminHandler = (req: IncomingMessage, url: URL) => AdminReply | Promise<AdminReply>;

export interface AdminServerOptions {
  /** `GET /metrics`: e.g. a MetricsEndpoint. */
  readonly metrics?: { readonly contentType: string; render(): Promise<string> | string };
  /** `GET /readyz` is 200 when this returns true, else 503. Default: always ready. */
  readonly ready?: () => boolean;
  /** `GET /v1/routes`: the resolved route table as a JSON-serialisable value. */
  readonly routesJson?: () => unknown;
  /** Told about handler failures (the client gets a 500 without details). */
  readonly onError?: (err: unknown) => void;
  /**
   * Asked before every handler of a method other than GET and HEAD: undefined lets the
   * request through, a reply (401, 403) answers it instead. Absent: such requests get 403.
   */
  readonly authorize?: (req: IncomingMessage) => AdminReply | undefined;
}

/** One registered endpoint; `prefix` when it answers every path under `path`. */
export interface AdminEndpoint {
  readonly method: string;
  readonly path: string;
  readonly prefix: boolean;
  /** False for GET and HEAD; true for the methods that go through `authorize`. */
  readonly needsToken: boolean;
}

/** The methods that never change state and so stay open. */
export function isReadMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

const NO_WRITES: AdminReply = {
  status: 403,
  json: { error: 'forbidden', message: 'this admin listener accepts no writes: set admin.token' },
};

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';

export class AdminServer {
  private readonly routes = new Map<string, Map<string, AdminHandler>>();
  /** Paths under a prefix (`/v1/payments/downtimes/` + id), tried when no exact path matches. */
  private readonly prefixes = new Map<string, Map<string, AdminHandler>>();
  private readonly server: Server;
  private readonly onError: (err: unknown) => void;
  private readonly authorize: (req: IncomingMessage) => AdminReply | undefined;

  constructor(options: AdminServerOptions = {}) {
    this.onError = options.onError ?? (() => {});
    this.authorize = options.authorize ?? (() => NO_WRITES);
    const ready = options.ready ?? (() => true);
    this.route('GET', '/healthz', () => ({ body: 'ok\n', contentType: TEXT_TYPE }));
    this.route('GET', '/readyz', () =>
      ready()
        ? { body: 'ready\n', contentType: TEXT_TYPE }
        : { status: 503, body: 'not ready\n', contentType: TEXT_TYPE },
    );
    const metrics = options.metrics;
    if (metrics !== undefined) {
      this.route('GET', '/metrics', async () => ({
        body: await metrics.render(),
        contentType: metrics.contentType,
      }));
    }
    const routesJson = options.routesJson;
    if (routesJson !== undefined) this.route('GET', '/v1/routes', () => ({ json: routesJson() }));
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => this.fail(res, err));
    });
    // Scrapers and probes keep connections alive; do not let one stall shutdown.
    this.server.keepAliveTimeout = 5_000;
  }

  /** Registers a handler for an exact path. `GET` also answers `HEAD`. Returns this. */
  route(method: string, path: string, handler: AdminHandler): this {
    let byMethod = this.routes.get(path);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.routes.set(path, byMethod);
    }
    byMethod.set(method.toUpperCase(), handler);
    return this;
  }

  /** Registers a handler for every path under `prefix` (which ends with `/`). Returns this. */
  routePrefix(method: string, prefix: string, handler: AdminHandler): this {
    let byMethod = this.prefixes.get(prefix);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.prefixes.set(prefix, byMethod);
    }
    byMethod.set(method.toUpperCase(), handler);
    return this;
  }

  /** Every registered endpoint, exact paths first (what README's admin table lists). */
  endpoints(): AdminEndpoint[] {
    const out: AdminEndpoint[] = [];
    const add = (table: Map<string, Map<string, AdminHandler>>, prefix: boolean) => {
      for (const [path, byMethod] of table)
        for (const method of byMethod.keys())
          out.push({ method, path, prefix, needsToken: !isReadMethod(method) });
    };
    add(this.routes, false);
    add(this.prefixes, true);
    return out;
  }

  private lookup(pathname: string): Map<string, AdminHandler> | undefined {
    const exact = this.routes.get(pathname);
    if (exact !== undefined) return exact;
    for (const [prefix, byMethod] of this.prefixes) {
      if (pathname.length > prefix.length && pathname.startsWith(prefix)) return byMethod;
    }
    return undefined;
  }

  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        const a = this.server.address() as AddressInfo;
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  /** The bound address, or null before `listen`. */
  get address(): { host: string; port: number } | null {
    const a = this.server.address();
    return a === null || typeof a === 'string' ? null : { host: a.address, port: a.port };
  }

  /** Stops accepting and closes every connection, idle or not. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://admin.invalid');
    } catch {
      send(res, req, { status: 400, json: { error: 'bad_request', message: 'unparsable request target' } });
      return;
    }
    const byMethod = this.lookup(url.pathname);
    if (byMethod === undefined) {
      send(res, req, { status: 404, json: { error: 'not_found', message: 'no such admin endpoint' } });
      return;
    }
    const method = req.method ?? 'GET';
    const handler = byMethod.get(method) ?? (method === 'HEAD' ? byMethod.get('GET') : undefined);
    if (handler === undefined) {
      const allow = [...byMethod.keys()];
      if (allow.includes('GET')) allow.push('HEAD');
      send(res, req, {
        status: 405,
        json: { error: 'method_not_allowed', message: `use ${allow.join(', ')}` },
        headers: { allow: allow.join(', ') },
      });
      return;
    }
    if (!isReadMethod(method)) {
      const denied = this.authorize(req);
      if (denied !== undefined) {
        // The body is not read: close rather than drain what an unauthorised client sends.
        res.shouldKeepAlive = false;
        send(res, req, denied);
        return;
      }
    }
    send(res, req, await handler(req, url));
  }

  private fail(res: ServerResponse, err: unknown): void {
    try {
      this.onError(err);
    } catch {
      // Reporting must not take the listener down.
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.statusCode = 500;
    res.setHeader('content-type', JSON_TYPE);
    res.end(`${JSON.stringify({ error: 'internal', message: 'the admin handler failed' })}\n`);
  }
}

function send(res: ServerResponse, req: IncomingMessage, reply: AdminReply): void {
  let body: string | Buffer;
  let type: string;
  if (reply.json !== undefined) {
    body = `${JSON.stringify(reply.json)}\n`;
    type = reply.contentType ?? JSON_TYPE;
  } else {
    body = reply.body ?? '';
    type = reply.contentType ?? TEXT_TYPE;
  }
  res.statusCode = reply.status ?? 200;
  res.setHeader('content-type', type);
  res.setHeader('cache-control', 'no-store');
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(req.method === 'HEAD' ? undefined : body);
}
