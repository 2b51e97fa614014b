/**
 * A route as the route table and everything after it (recorder, engine, exposition) sees
 * it: resolved by the config loader (src/config), with the category and class defaults
 * already applied. Defined here, not in src/config, so that routing depends on nothing in
 * src/config while the config loader uses routing's path templates.
 */

/** `latency: { p99: 200ms }` -> { percentile: 0.99, thresholdMs: 200 }. */
export interface LatencyObjective {
  readonly percentile: number;
  readonly thresholdMs: number;
}

export interface ResolvedRoute {
  /** Position in the route table; the `unmatched` route comes after the configured ones. */
  readonly index: number;
  readonly name: string;
  /** Upper-case methods; empty when `anyMethod`. */
  readonly methods: readonly string[];
  readonly anyMethod: boolean;
  /** The path as written: `/hpp/v1/sessions`, `/orders/{order_id}`, `/ordermanagement/*`. */
  readonly path: string;
  readonly category: string;
  readonly class: string;
  readonly latency: LatencyObjective | undefined;
  /** Availability objective as a ratio (route override, else category, else class). */
  readonly availability: number;
  /** Per-route override of `timeouts.headersMs`. */
  readonly timeoutMs: number | undefined;
  /** The payment method the route serves (route over category); absent when none is set. */
  readonly payment?: PaymentSpec;
  /** `allow_body_on_get`: a GET or HEAD with a body is forwarded, not refused; absent when off. */
  readonly allowBodyOnGet?: true;
}

// ---- Payment methods (Curlec's downtime entity: docs/sla-definitions.md#downtime-entity) ----

/** Where a per-request value is read: a request header (lower-case name) or a query parameter. */
export interface ValueSelector {
  readonly source: 'header' | 'query';
  readonly name: string;
  /** The allowed values; anything else (or nothing) counts as `other`, so cardinality stays bounded. */
  readonly values: readonly string[];
}

/** What the instrument fields of a downtime say: issuer, network, bank, card_type, vpa_handle, ... */
export type Instrument = Readonly<Record<string, string>>;

export interface PaymentSpec {
  /** Static method (`card`, `fpx`, ...), or undefined when `methodFrom` reads it per request. */
  readonly method: string | undefined;
  readonly methodFrom: ValueSelector | undefined;
  /** Static instrument fields. */
  readonly instrument: Instrument;
  /** At most one instrument field read per request (never together with `methodFrom`). */
  readonly instrumentFrom: { readonly field: string; readonly selector: ValueSelector } | undefined;
}

export const UNMATCHED_ROUTE = 'unmatched';
export const UNCLASSIFIED = 'unclassified';
