/**
 * What the downtime tracker reads from the config (docs/sla-definitions.md#downtime-entity,
 * #downtime-detection): the payment method and instrument of a route or category, static or
 * read per request, and the top-level `downtime:` section.
 */
import type { SchemaObject } from 'ajv';
import { duration, percent } from './common.js';

/** Payment method identifiers (`card`, `fpx`, `netbanking`, `upi`, `wallet`, `emandate`, ...). */
export const METHOD_PATTERN = '^[a-z][a-z0-9_]{0,31}$';
const METHOD_HINT = 'a payment method of lower-case letters, digits and _ (e.g. card, fpx, upi)';
export const methodId: SchemaObject = { type: 'string', pattern: METHOD_PATTERN, 'x-hint': METHOD_HINT };
/** Instrument values: bank and issuer codes, networks, card types, VPA handles. */
export const INSTRUMENT_VALUE_PATTERN = '^[A-Za-z0-9@][A-Za-z0-9@._-]{0,63}$';
export const instrumentValue: SchemaObject = {
  type: 'string',
  pattern: INSTRUMENT_VALUE_PATTERN,
  'x-hint': 'a code of letters, digits and @ . _ - (e.g. HSBC, VISA, credit)',
};
/**
 * A value read per request (never from the body): `{ header: x-payment-method, values: [card, fpx] }`
 * or `{ query: method, values: [...] }`. Values outside the list count as `other`.
 */
const selector = (value: SchemaObject): SchemaObject => ({
  type: 'object',
  additionalProperties: false,
  required: ['values'],
  minProperties: 2,
  maxProperties: 2,
  properties: {
    header: { type: 'string', pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$", 'x-hint': 'a header name' },
    query: { type: 'string', minLength: 1, maxLength: 64 },
    values: { type: 'array', minItems: 1, maxItems: 64, uniqueItems: true, items: value },
  },
  'x-hint': 'a selector such as { header: x-payment-method, values: [card, fpx] }',
});
/** A static method, or one read per request. */
export const paymentMethod: SchemaObject = {
  ...selector(methodId),
  type: ['string', 'object'],
  pattern: METHOD_PATTERN,
  'x-hint': `${METHOD_HINT}, or { header: NAME, values: [...] }`,
};
const instrumentField: SchemaObject = {
  ...selector(instrumentValue),
  type: ['string', 'object'],
  pattern: INSTRUMENT_VALUE_PATTERN,
  'x-hint': 'a code such as HSBC or VISA, or { header: NAME, values: [...] }',
};
/** Curlec's instrument fields (docs/sla-definitions.md#downtime-entity). At most one read per request. */
export const INSTRUMENT_FIELDS = ['issuer', 'network', 'bank', 'card_type', 'vpa_handle', 'wallet'] as const;
export const instrument: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: Object.fromEntries(INSTRUMENT_FIELDS.map((f) => [f, instrumentField])),
};

/**
 * `downtime`: unscheduled downtimes of payment methods
 * (docs/sla-definitions.md#downtime-detection). start_after: consecutive Downtime minutes
 * that start one (default 3); quiet: resolved after this long with no Downtime minute and no
 * page (default 5m); high_error_ratio: `high` severity at or above it (default 50%);
 * retention: how long past downtimes stay listed (default 30d).
 */
export const downtime: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    start_after: { type: 'integer', minimum: 1, maximum: 1440, 'x-hint': 'a number of minutes, 1-1440' },
    quiet: duration,
    high_error_ratio: percent,
    retention: duration,
  },
};
