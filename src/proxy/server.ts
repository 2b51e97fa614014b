/**
 * The proxy listener: accepts client connections, hands every request to an `Exchange`
 * (exchange.ts) that forwards it to the one configured upstream through an undici Pool,
 * and shuts down gracefully.
 *
 * Decisions where RFC 9110/9112 leave a choice (also in README):
 * - `Host` sent upstream is the upstream's own authority (what a virtual-hosted origin
 *   expects); the client's Host travels in `X-Forwarded-Host`. `preserve_host` forwards the
 *   client's Host instead (checked to be a valid host[:port], else 400).
 * - `X-Forwarded-For` is appended to; `X-Forwarded-Proto` (`https` when the listener
 *   serves TLS, else `http`) and `X-Forwarded-Host` are replaced, so a client cannot forge
 *   them through the sidecar; `Via` is appended to in both directions.
 * - `Expect: 100-continue` is answered by the sidecar as soon as the request passes its
 *   checks, then the body streams upstream; the upstream never sees `Expect`. The price: a
 *   body the upstream would have refused (401, 413) is still sent. Other expectations: 417.
 * - Absolute-form targets naming the upstream, or the address and port the request came
 *   in on, are normalised to origin-form; any other host is refused with 400 (the Host
 *   header does not vouch for a target: target.ts). CONNECT: 405. WebSocket upgrades: 501
 *   (other upgrades, such as h2c, are ignored as RFC 9110 7.8 allows).
 * - Trailers and 1xx interim responses from the upstream are not relayed.
 * - A transfer coding other than `chunked` in a request: 501 (RFC 9112 6.1), rather than
 *   forwarding it intact: undici frames request bodies itself and refuses the field.
 * - Only HTTP/1.0 and HTTP/1.1 request lines are forwarded (Node parses more).
 * - A request pipelined behind a response that closes the connection is not dispatched;
 *   a parse error after complete requests is answered after their responses
 *   (client-error.ts).
 * - A GET, HEAD or OPTIONS without a body whose upstream connection was reset before any
 *   response headers is retried once, on a new connection (the keep-alive race; exchange.ts
 *   says why only these). It is observed once, with the outcome of the attempt that answered.
 * - A connection that sends nothing for `timeouts.client_headers` is closed without an
 *   answer and is not counted as a request.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Pool as UndiciPool } from 'undici';
import type { ListenerTls } from '../config/types.js';
import { onClientError, refuseConnect } from './client-error.js';
import { ProxyContext, ProxyResponse, type Routing } from './context.js';
import { DigestExchange, digestKeyObject } from './digest-exchange.js';
import { Exchange } from './exchange.js';
import {
  CLIENT_HEADERS_TIMEOUT_MS,
  CLIENT_REQUEST_TIMEOUT_MS,
  checkIntervalFor,
  DEFAULT_CONNECTIONS,
  LISTEN_BACKLOG,
  type ProxyOptions,
  parseUpstream,
} from './options.js';
import { Pool } from './pool.js';
import { ENTRY_CONTINUE, ENTRY_EXPECTATION, ENTRY_REQUEST } from './request-plan.js';
import { dispatchServername, listenerSecureOptions, upstreamConnector } from './tls.js';

export type { Routing } from './context.js';

/**
 * The headers timeout on a connection that never sent a byte. Node times such connections
 * out like a slow request and would have them answered 408, but no request was made: a
 * client that opened a connection ahead of need is not a request to answer or to count
 * (it would add one to the unmatched route's traffic per idle connection), and a 408 it
 * did not ask for could be read as the answer to the request it sends next. Closed
 * silently, as nginx closes a connection idle past client_header_timeout.
 */
function isIdleTimeout(err: Error & { code?: string }, socket: Duplex): boolean {
  return err.code === 'ERR_HTTP_REQUEST_TIMEOUT' && (socket as Socket).bytesRead === 0;
}

/** Resolves once no exchange is in flight, or after `ms`. */
function drained(ctx: ProxyContext, ms: number): Promise<void> {
  if (ctx.inflight === 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      ctx.onDrained = null;
      resolve();
    }
    ctx.onDrained = done;
  });
}

export class ProxyServer {
  readonly server: http.Server;
  private readonly ctx: ProxyContext;
  private readonly pool: Pool;
  private readonly retryPool: Pool;
  private closed: Promise<void> | null = null;

  constructor(opts: ProxyOptions) {
    const url = parseUpstream(opts.upstream);
    const t = opts.timeouts;
    const poolOptions: UndiciPool.Options = {
      connections: opts.connections ?? DEFAULT_CONNECTIONS,
      pipelining: 1,
      connect:
        url.protocol === 'https:'
          ? upstreamConnector(url, opts.upstreamTls, t.connectMs)
          : { timeout: t.connectMs },
      headersTimeout: t.headersMs,
      bodyTimeout: t.bodyMs,
    };
    this.pool = new Pool(url.origin, poolOptions);
    // The one retry (exchange.ts) must not land on another kept-alive connection: an
    // upstream or load balancer that closes idle connections closes them in batches, and
    // the next idle one is as likely to be dead as the first. undici's `pipelining: 0`
    // opens a connection per request (`Connection: close`). Connects only when a retry does.
    this.retryPool = new Pool(url.origin, { ...poolOptions, pipelining: 0 });
    const ctx = new ProxyContext(
      this.pool,
      this.retryPool,
      {
        lookup: opts.lookup,
        routeTimeoutMs: opts.routeTimeoutMs,
        sink: opts.sink,
        paymentVariant: opts.paymentVariant,
        allowsBodyOnGet: opts.allowsBodyOnGet,
      },
      digestKeyObject(opts.digest),
      url.host.toLowerCase(),
      opts.preserveHost === true,
      dispatchServername(url, opts.upstreamTls),
      opts.listenerTls ? 'https' : 'http',
    );
    this.ctx = ctx;
    const headersTimeout = opts.client?.headersTimeoutMs ?? t.clientHeadersMs ?? CLIENT_HEADERS_TIMEOUT_MS;
    const serverOptions: http.ServerOptions<typeof IncomingMessage, typeof ProxyResponse> = {
      ServerResponse: ProxyResponse,
      // Checked by the exchange instead, so the 400 is observed like any other request.
      requireHostHeader: false,
      headersTimeout,
      // Node requires requestTimeout >= headersTimeout (0 disables it).
      requestTimeout: Math.max(opts.client?.requestTimeoutMs ?? CLIENT_REQUEST_TIMEOUT_MS, headersTimeout),
      connectionsCheckingInterval: opts.client?.checkIntervalMs ?? checkIntervalFor(headersTimeout),
      noDelay: true,
    };
    const server = opts.listenerTls
      ? https.createServer({ ...serverOptions, ...listenerSecureOptions(opts.listenerTls) })
      : http.createServer(serverOptions);
    server.keepAliveTimeout = t.idleMs;
    // One closure per server, chosen once: the digest variant only when asked for.
    const Ex = ctx.digestKey !== null ? DigestExchange : Exchange;
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      new Ex(ctx, req, res as ProxyResponse).start(ENTRY_REQUEST);
    });
    server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
      new Ex(ctx, req, res as ProxyResponse).start(ENTRY_CONTINUE);
    });
    server.on('checkExpectation', (req: http.IncomingMessage, res: http.ServerResponse) => {
      new Ex(ctx, req, res as ProxyResponse).start(ENTRY_EXPECTATION);
    });
    server.on('connect', (req: http.IncomingMessage, socket) => refuseConnect(ctx, req, socket));
    server.on('clientError', (err, socket) => {
      if (isIdleTimeout(err, socket)) socket.destroy();
      else onClientError(ctx, err, socket);
    });
    // Typed as a plain http.Server for callers; the response class is an internal detail.
    this.server = server as unknown as http.Server;
  }

  /**
   * Routes the requests that arrive from now on by `routing` (a reload). Requests in
   * flight keep the routing they arrived under, and their observations go to its sink.
   */
  route(routing: Routing): void {
    this.ctx.routing = routing;
  }

  /**
   * Replaces the listener's certificate, key and oldest version (a reload): new handshakes
   * use them, connections already open keep theirs. False when the listener is plain HTTP.
   */
  setListenerTls(tls: ListenerTls): boolean {
    if (!(this.server instanceof https.Server)) return false;
    this.server.setSecureContext(listenerSecureOptions(tls));
    return true;
  }

  /** True while listening with the upstream pool open; false once `close` began. */
  get ready(): boolean {
    return this.server.listening && !this.ctx.closing;
  }

  /** Requests received and not yet finished. */
  get inflight(): number {
    return this.ctx.inflight;
  }

  /** How often the sink threw (it must not; each such request was still answered). */
  get sinkErrors(): number {
    return this.ctx.sinkErrors;
  }

  /** Requests retried once after their upstream connection was reset (exchange.ts). */
  get retries(): number {
    return this.ctx.retries;
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    const server = this.server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
        server.off('error', reject);
        resolve(server.address() as AddressInfo);
      });
    });
  }

  /**
   * Graceful: stop accepting, close idle keep-alive connections, let in-flight requests
   * finish for up to `drainMs` (their responses carry `Connection: close`), then destroy
   * the connections left and close the upstream pool. Idempotent. Requests cut at the
   * deadline are observed with `errorReason: 'other'`: the sidecar failed them.
   */
  close(drainMs: number): Promise<void> {
    if (this.closed === null) this.closed = this.shutdown(drainMs);
    return this.closed;
  }

  private async shutdown(drainMs: number): Promise<void> {
    const ctx = this.ctx;
    const server = this.server;
    ctx.closing = true;
    const serverClosed = new Promise<void>((resolve) => {
      server.close(() => resolve());
    });
    server.closeIdleConnections();
    await drained(ctx, drainMs);
    // Idle keep-alive connections whose last response began before close, and whatever
    // did not finish in time (recorded with errorReason 'other', not as client aborts).
    ctx.killing = ctx.inflight > 0;
    server.closeAllConnections();
    await serverClosed;
    // Exchanges on destroyed connections record themselves on their responses' 'close',
    // which may come a tick after the server's; the bound only guards against a bug.
    await drained(ctx, 1_000);
    await Promise.all([this.pool.destroy(), this.retryPool.destroy()]);
  }
}
