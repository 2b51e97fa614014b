/**
 * How a ProxyServer is configured: its options, the defaults it falls back on, and the
 * checks on the upstream origin it is given, apart from the listener itself (server.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { ListenerTls, Timeouts, UpstreamTls } from '../config/types.js';
import { ErrorCodes, SloprobeError } from '../errors.js';
import type { ObservationSink } from '../telemetry/observation.js';

export interface ProxyOptions {
  /** Origin, http or https, without a path: `http://127.0.0.1:9000`. */
  upstream: string;
  timeouts: Timeouts;
  /** Route index for a request (a RouteTable's lookup, bound); must be total. */
  lookup(method: string, path: string): number;
  /** Per-route override of `timeouts.headersMs`. */
  routeTimeoutMs(routeIndex: number): number | undefined;
  /**
   * Called exactly once per request, whatever happens to it, with a route index from
   * `lookup` (or from the `Routing` that `route()` swapped in before the request arrived).
   */
  sink: ObservationSink;
  /**
   * The request's payment-method variant on its route (`Observation.paymentVariant`); default
   * 0. Part of the first routing like `lookup`: without it every request of the first config
   * generation would count as its route's first method until a reload swapped a routing in.
   */
  paymentVariant?(routeIndex: number, req: IncomingMessage): number;
  /** Whether a route forwards a GET or HEAD with a body (`Routing.allowsBodyOnGet`); default no. */
  allowsBodyOnGet?(routeIndex: number): boolean;
  /**
   * Compute `Observation.digest` (HMAC-SHA-256 of method, target and body) with this key,
   * or with a random per-process key when `true`. Off by default.
   */
  digest?: boolean | Buffer;
  /** Connections to the upstream (undici Pool). */
  connections?: number;
  /**
   * Client-side limits, `CLIENT_*_TIMEOUT_MS` by default. Node checks them every
   * `checkIntervalMs` (its default, 30 s, unless set): tests that need a request cut short
   * to end quickly lower all three.
   */
  client?: { headersTimeoutMs?: number; requestTimeoutMs?: number; checkIntervalMs?: number };
  /** https upstreams: CAs, client certificate, SNI, oldest version (tls.ts). Default: public roots. */
  upstreamTls?: UpstreamTls | undefined;
  /** Forward the client's Host instead of the upstream's own (`upstream.preserve_host`). */
  preserveHost?: boolean;
  /** Serve HTTPS on the proxy listener; `setListenerTls` replaces the certificate. */
  listenerTls?: ListenerTls | undefined;
}

/** Default size of the upstream pool; one in-flight request per connection (no pipelining). */
export const DEFAULT_CONNECTIONS = 128;

/**
 * Client-side limits (Slowloris and slow uploads). Node's defaults, stated: 60 s to send
 * the request headers (`timeouts.client_headers`), 5 min for the whole request including
 * its body. Bytes trickling in do not extend either: both run from the start of the request
 * (for a connection's first request, from the moment it connected).
 */
export const CLIENT_HEADERS_TIMEOUT_MS = 60_000;
export const CLIENT_REQUEST_TIMEOUT_MS = 300_000;

/**
 * How often Node looks for connections past those limits. Its default, every 30 s, lets a
 * slowloris client hold a connection up to 30 s past the headers timeout (90 s instead of
 * 60); a quarter of the timeout keeps the overshoot to 25 % (every 15 s by default). The
 * check is one walk of Node's list of connections with a request under way, in C++.
 */
export function checkIntervalFor(headersTimeoutMs: number): number {
  return Math.min(30_000, Math.max(250, Math.floor(headersTimeoutMs / 4)));
}

export function parseUpstream(upstream: string): URL {
  let url: URL;
  try {
    url = new URL(upstream);
  } catch (cause) {
    throw new SloprobeError(ErrorCodes.UPSTREAM, `upstream "${upstream}" is not a URL`, {
      cause,
      exitCode: 2,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SloprobeError(ErrorCodes.UPSTREAM, `upstream "${upstream}" must be http:// or https://`, {
      exitCode: 2,
    });
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.username !== '') {
    throw new SloprobeError(
      ErrorCodes.UPSTREAM,
      `upstream "${upstream}" must be an origin (scheme, host, port) without path, query or credentials`,
      { exitCode: 2 },
    );
  }
  return url;
}

/**
 * Pending-connection queue asked of the kernel (which caps it at net.core.somaxconn). Node's
 * default of 511 overflowed when 5,000 clients connected at once (bench/connections.ts:
 * ~390,000 TcpExtListenOverflows over four runs): a dropped handshake completes only on the
 * client's SYN retry 1, 3, 7 or 15 s later, or is reset. The queue fills because Node's libuv
 * (1.46 in Node 20.20) accepts one connection per event-loop turn, and a saturated sidecar
 * turns its loop only 30-200 times a second (strace: one accept4 per epoll_pwait, never an
 * EAGAIN; 3,300 queued connections drained at ~150/s while nginx, same wrk, accepted 5,000 in
 * 0.1 s). 4096 is Linux's default somaxconn: the queue holds them while they wait.
 */
export const LISTEN_BACKLOG = 4096;
