/**
 * What every exchange of one ProxyServer shares: the upstream pool, the route lookup, the
 * sink, the shutdown state. Also the ServerResponse subclass through which module-level
 * listeners find their exchange without a closure per request.
 */
import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Observation, ObservationSink } from '../telemetry/observation.js';
import type { Exchange } from './exchange.js';
import type { Pool } from './pool.js';

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

  constructor(
    readonly pool: Pool,
    readonly lookup: (method: string, path: string) => number,
    readonly routeTimeoutMs: (routeIndex: number) => number | undefined,
    readonly sink: ObservationSink,
    readonly digest: boolean,
    /** Lower-case `host[:port]` of the upstream, default port omitted. */
    readonly upstreamAuthority: string,
    readonly paymentVariant?: (routeIndex: number, req: IncomingMessage) => number,
  ) {}

  variantOf(routeIndex: number, req: IncomingMessage): number {
    if (this.paymentVariant === undefined) return 0;
    try {
      return this.paymentVariant(routeIndex, req);
    } catch {
      return 0; // guards a bug only: the reader scans strings and cannot throw on input
    }
  }

  routeOf(method: string, path: string): number {
    try {
      return this.lookup(method, path);
    } catch {
      // RouteTable.lookup is total (anything odd is `unmatched`); this only guards a bug.
      try {
        return this.lookup('', '');
      } catch {
        return 0;
      }
    }
  }

  observe(o: Observation): void {
    try {
      this.sink.observe(o);
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
