/**
 * The building blocks every section of the config schema uses: names (which become metric
 * label values), durations, percentages, free-text descriptions and latency objectives.
 */
import type { SchemaObject } from 'ajv';

/** Names of classes, categories, routes, SLOs and windows; they become metric label values. */
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$';
const NAME_HINT = 'a name of letters, digits and . _ - : (e.g. hpp-create-session)';

export const name: SchemaObject = { type: 'string', pattern: NAME_PATTERN, 'x-hint': NAME_HINT };
export const nameMap = (value: SchemaObject): SchemaObject => ({
  type: 'object',
  propertyNames: { pattern: NAME_PATTERN, 'x-hint': NAME_HINT },
  additionalProperties: value,
});
/** `250ms`, `2s`, `5m`, `1h`, `30d` (compound `1h30m` too). Numbers reach the resolver so it can say "try 200ms". */
export const duration: SchemaObject = { type: ['string', 'number'] };
/** `99.5%` or `0.995`. */
export const percent: SchemaObject = { type: ['string', 'number'] };
export const description: SchemaObject = { type: 'string' };
/** `{ p99: 200ms }`: exactly one percentile key (p50, p90, p95, p99, p99.9, ...) and its threshold. */
export const latency: SchemaObject = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  propertyNames: { pattern: '^p\\d{1,2}(\\.\\d+)?$', 'x-hint': 'a percentile: p50, p90, p95, p99 or p99.9' },
  additionalProperties: duration,
  'x-hint': 'exactly one percentile and its threshold, e.g. { p99: 200ms }',
};
