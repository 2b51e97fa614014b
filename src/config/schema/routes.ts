/**
 * The route map and what it is judged against: SLA service classes, the SLO categories
 * routes belong to, and each route's method, path and objectives.
 */
import type { SchemaObject } from 'ajv';
import { description, duration, latency, name, nameMap, percent } from './common.js';
import { instrument, paymentMethod } from './payments.js';

/**
 * `classes`: SLA service classes (docs/sla-definitions.md#service-classes):
 * `NAME: { availability: 99%, description? }`.
 */
export const classes: SchemaObject = nameMap({
  type: 'object',
  additionalProperties: false,
  required: ['availability'],
  properties: { availability: percent, description },
});

/**
 * `categories`: SLO categories (docs/sla-definitions.md#slo-categories):
 * `NAME: { class: CLASS, availability?: override, description? }`.
 */
export const categories: SchemaObject = nameMap({
  type: 'object',
  additionalProperties: false,
  required: ['class'],
  properties: {
    class: name,
    availability: percent,
    payment_method: paymentMethod,
    instrument,
    description,
  },
});

const route: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'method', 'path', 'category'],
  properties: {
    // Unique; the `route` label of every metric. `unmatched` is reserved for traffic no route matches.
    name,
    // One method (`POST`), a list (`[PUT, PATCH]`) or "*" (quoted: a bare * is YAML alias syntax).
    // Beside routes naming methods on the same path, a "*" route takes the other methods.
    method: {
      type: ['string', 'array'],
      minItems: 1,
      items: { type: 'string' },
      'x-hint': 'one method, a list of methods, or "*"',
    },
    // Exact (`/hpp/v1/sessions`), template (`/orders/{order_id}`, each parameter a whole
    // segment) or prefix (`/ordermanagement/*`, the `*` last). Static segments beat
    // parameters, and any template beats a prefix.
    path: { type: 'string', minLength: 1 },
    // The SLO category (a key of `categories`).
    category: name,
    // Optional override of the category's service class.
    class: name,
    // Optional latency objective, `{ p99: 200ms }`: at most 1% of requests slower than 200ms.
    latency,
    // Optional availability objective; default: the category's, else its class's.
    availability: percent,
    // Optional per-route override of `timeouts.headers`.
    timeout: duration,
    // Forward a GET or HEAD that carries a body (refused with 400 otherwise): for APIs
    // that take a search document on GET.
    allow_body_on_get: { type: 'boolean' },
    // The payment method the route serves (overrides the category's): `card`, or read per
    // request: `{ header: x-payment-method, values: [card, fpx] }` (anything else is `other`).
    payment_method: paymentMethod,
    // Static instrument `{ issuer, network, bank, card_type, vpa_handle, wallet }`; at most one
    // field (and not together with a per-request method) may be a selector as above.
    instrument,
    // Free text (the operation's summary); shown nowhere else.
    description,
  },
};

/** `routes`: the route map, matched by specificity (not by order); see `route` above. */
export const routes: SchemaObject = { type: 'array', items: route };
