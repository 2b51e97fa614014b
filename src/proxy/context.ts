/**
 * What every exchange of one ProxyServer shares: the upstream pool, the current routing,
 * the shutdown state. Also the ServerResponse subclass through which module-level
 * listeners find their exchange without a closure per request.
 */
import type { KeyObject } from 'node:crypto';
import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Observation, ObservationSink } from '../telemetry/observation.js';
import type { Exchange } from './exchange.js';
import type { Pool } from './pool.js';

/**
 * One route table's view of a request: its route, its headers timeout, where its
 * observation goes. An exchange keeps the `Routing` it was routed by until it is recorded,
 * so a route index is only ever read against the table that produced it, however many
 * reloads happen while the request is in flight.
 */
export interface Routing {
  /** Route index for a request (a RouteTable's lookup, bound); must be total. */
  lookup(method: string, path: string): number;
  /** Per-route override of `timeouts.headersMs`. */
  routeTimeoutMs(routeIndex: number): number | undefined;
  /** Receives the observation of every request routed by `lookup`. */
  readonly sink: ObservationSink;
  /** The request's payment-method variant on its route (`Observation.paymentVariant`); default 0. */
  paymentVariant?(routeIndex: number, req: IncomingMessage): number;
  /** Whether the route forwards a GET or HEAD with a body (`allow_body_on_get`); default no. */
  allowsBodyOnGet?(routeIndex: number): boolean;
}

/** Everything an exchange needs from its server; one per ProxyServer. */
export class ProxyContext {
  closing = false;
  /** The drain deadline passed: connections still open are being destroyed by the sidecar. */
  killing = false;
  inflight = 0;
  sinkErrors = 0;
  /** Requests dispatched a second time after the keep-alive race (exchange.ts). */
  retries = 0;
  onDrained: (() => void) | null = null;
  /**
   * Connections that close once their current responses are written (a refusal, or an
   * answer owed after a parse error). A request pipelined behind would never get its
   * answer, so it is not dispatched: a refused request's connection carries no second,
   * smuggled request to the upstream. Rare path (only refusals add to it).
   */
  readonly condemned = new WeakSet<Socket>();
  /**
   * The latest exchange on a connection that waited behind another response (pipelining),
   * so that an answer owed after it is written after it. Rare path.
   */
  readonly lastQueued = new WeakMap<Socket, Exchange>();

  /** The routing new requests get; swapped on reload (`ProxyServer.route`). */
  routing: Routing;

  constructor(
    readonly pool: Pool,
    /** Where the one retry goes: a new connection each time (server.ts says why). */
    readonly retryPool: Pool,
    routing: Routing,
    /** Key of the request digest (digest-exchange.ts); null when no digest is computed. */
    readonly digestKey: KeyObject | null,
    /** Lower-case `host[:port]` of the upstream, default port omitted. */
    readonly upstreamAuthority: string,
    /** Forward the client's Host (`upstream.preserve_host`) rather than the upstream's. */
    readonly preserveHost = false,
    /** Every dispatch's `servername` for an https upstream (tls.ts says why); else undefined. */
    readonly servername: string | undefined = undefined,
    /** `X-Forwarded-Proto`: `https` when the listener serves TLS. */
    readonly forwardedProto: 'http' | 'https' = 'http',
  ) {
    this.routing = routing;
  }

  /** The request's payment-method variant on its route, by the routing that routed it. */
  variantOf(routing: Routing, routeIndex: number, req: IncomingMessage): number {
    if (routing.paymentVariant === undefined) return 0;
    try {
      return routing.paymentVariant(routeIndex, req);
    } catch {
      return 0; // guards a bug only: the reader scans strings and cannot throw on input
    }
  }

  routeOf(routing: Routing, method: string, path: string): number {
    try {
      return routing.lookup(method, path);
    } catch {
      // RouteTable.lookup is total (anything odd is `unmatched`); this only guards a bug.
      try {
        return routing.lookup('', '');
      } catch {
        return 0;
      }
    }
  }

  /** Records `o` through the routing that gave it its route index. */
  observe(routing: Routing, o: Observation): void {
    try {
      routing.sink.observe(o);
    } catch (err) {
      // The sink must not throw (observation.ts); if it does, the request is unaffected.
      if (this.sinkErrors++ === 0) process.emitWarning(`sloprobe: observation sink threw: ${String(err)}`);
    }
  }
}

/** Node's ServerResponse with a slot for its exchange, so listeners need no closure. */
export class ProxyResponse extends ServerResponse<IncomingMessage> {
  exchange: Exchange | null = null;
}
