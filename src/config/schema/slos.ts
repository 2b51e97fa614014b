/**
 * The SLOs and the rules they are judged by: the compliance period and its time zone,
 * PayWithMyBank's timeslice rules, explicit `slos:`, when a burn-rate flag is raised, and
 * the fees a service credit is computed from.
 */
import type { SchemaObject } from 'ajv';
import { description, duration, latency, name, percent } from './common.js';

/** PayWithMyBank's Downtime rules (docs/sla-definitions.md#downtime-minute); the defaults are the SLA's. */
export const timeslices: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    // Slice length, a whole number of minutes. Default 1m ("ten (10) or more consecutive minutes").
    slice: duration,
    // Statuses that count as errors. Default [500] ("a response with HTTP Status 500").
    error_statuses: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'integer', minimum: 100, maximum: 599, 'x-hint': 'an HTTP status code, 100-599' },
    },
    // A slice is Downtime when errors / distinct requests is greater than this. Default 5%.
    threshold: percent,
    // A Downtime Period is this many or more consecutive Downtime slices. Default 10.
    min_consecutive: { type: 'integer', minimum: 1 },
    // Repeated identical requests (same method, target and body digest) count once. Default true.
    distinct: { type: 'boolean' },
  },
};

const slo: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'sli', 'over'],
  properties: {
    // Unique among all SLOs, including the generated `<category>-availability` and `<route>-latency`.
    name,
    // availability: good = 2xx/3xx/4xx. latency: good = faster than the threshold.
    sli: { enum: ['availability', 'latency'] },
    // occurrences (default): good events / all events. timeslices: good slices / all slices
    // (availability only; docs/sla-definitions.md#timeslice-error-rate).
    method: { enum: ['occurrences', 'timeslices'] },
    // Default: the target's availability objective; for latency SLIs the percentile (p99 -> 99%).
    objective: percent,
    // `all`, or exactly one of `{ route: NAME }`, `{ category: NAME }`, `{ class: NAME }`.
    over: {
      type: ['string', 'object'],
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
      properties: { route: name, category: name, class: name },
      'x-hint': 'all, or exactly one of { route: NAME }, { category: NAME }, { class: NAME }',
    },
    // Latency SLIs: the threshold; default the route's own latency objective.
    latency,
    // Timeslices: overrides of the top-level `timeslices` rules.
    timeslices,
    // Overrides the top-level `period` for this SLO.
    period: duration,
    // Whether probe requests (`probes:`, labelled synthetic="true") count in this SLO.
    // Default: the top-level `include_synthetic`, itself false (out of the SLA figures).
    include_synthetic: { type: 'boolean' },
    description,
  },
};

/** `slos`: extra SLOs next to the generated ones; see `slo` above. */
export const slos: SchemaObject = { type: 'array', items: slo };

/** `period`: compliance period: a rolling duration (`30d`, default) or `calendar-month`. */
export const period: SchemaObject = { type: ['string', 'number'] };

/** `time_zone`: IANA time zone of calendar months and reports. Default UTC. */
export const timeZone: SchemaObject = { type: 'string', minLength: 1 };

/**
 * `include_synthetic`: default of every SLO's `include_synthetic` (generated SLOs included).
 * Default false.
 */
export const includeSynthetic: SchemaObject = { type: 'boolean' };

/**
 * `alerting`: a burn-rate window with fewer requests than `min_requests` (default 10) never
 * raises a flag.
 */
export const alerting: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  // hold: a raised flag clears only after its condition was false this long (default: the
  // short window of the rule that raised it; docs/sla-definitions.md#flag-evidence).
  properties: { min_requests: { type: 'integer', minimum: 0 }, hold: duration },
};

/**
 * `fees`: refundable fees prepaid per month, for the service credit
 * (docs/sla-definitions.md#service-credit). currency default USD.
 */
export const fees: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['monthly'],
  properties: {
    monthly: { type: 'number', minimum: 0 },
    currency: { type: 'string', pattern: '^[A-Z]{3}$', 'x-hint': 'an ISO 4217 code such as USD or EUR' },
  },
};
