/**
 * The seam between the proxy and everything that records: one `Observation` per request,
 * handed to an `ObservationSink` once, when the exchange is over. The proxy's per-request
 * state object implements `Observation` itself, so no extra object is built per request.
 */

export type Outcome = 'good' | 'bad' | 'excluded';

/** Why the sidecar produced a 502/504 itself. `null` when the upstream answered. */
export type UpstreamErrorReason =
  | 'refused'
  | 'reset'
  | 'unreachable'
  | 'timeout_connect'
  | 'timeout_headers'
  | 'timeout_body'
  | 'tls'
  | 'protocol'
  | 'other';

export interface Observation {
  /** Index into the route table (`RouteTable.routes`). */
  readonly routeIndex: number;
  readonly method: string;
  /** The request path without the query string (never logged with its query). */
  readonly path: string;
  /** Status sent to the client; 0 when nothing was sent (client went away first). */
  readonly status: number;
  readonly errorReason: UpstreamErrorReason | null;
  /** The client closed the connection before the response was complete. */
  readonly clientAborted: boolean;
  /** Wall-clock time the request arrived, epoch milliseconds. */
  readonly startMs: number;
  /** SLI latency: request fully received -> upstream response headers, in nanoseconds; -1 if none. */
  readonly sliNs: number;
  /** Total: request arrived -> response fully sent (or abandoned), in nanoseconds. */
  readonly durationNs: number;
  readonly requestId: string;
  /** Hex digest of method, target and body, when distinct-request counting is on; else null. */
  readonly digest: string | null;
  /**
   * Which of its route's payment-method values the request named (src/payments/method-reader.ts):
   * its index in the allowed list, the list's length for `other`; 0 for a static method.
   */
  readonly paymentVariant?: number;
  /**
   * A probe request (src/probes), recorded under its own labels and rollup keys; absent
   * means false (observations built outside the proxy).
   */
  readonly synthetic?: boolean;
}

export interface ObservationSink {
  /** Must never throw: a recording failure is logged once and counted, the request is unaffected. */
  observe(o: Observation): void;
}

/**
 * A plain copy of an observation, optionally re-pointed at another route. The proxy's
 * object is live per-request state: keep a copy, never the object itself.
 */
export function copyObservation(o: Observation, routeIndex: number = o.routeIndex): Observation {
  return {
    routeIndex,
    method: o.method,
    path: o.path,
    status: o.status,
    errorReason: o.errorReason,
    clientAborted: o.clientAborted,
    startMs: o.startMs,
    sliNs: o.sliNs,
    durationNs: o.durationNs,
    requestId: o.requestId,
    digest: o.digest,
    paymentVariant: o.paymentVariant ?? 0,
    synthetic: o.synthetic === true,
  };
}
