/**
 * `probes:`: scheduled requests that keep a route without traffic measured
 * (docs/sla-definitions.md#no-traffic).
 */
import type { SchemaObject } from 'ajv';
import { duration, name } from './common.js';

/**
 * A scheduled request through the sidecar's own route table, so that a route without
 * traffic still shows whether it works (docs/sla-definitions.md#no-traffic).
 */
const probe: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['route', 'method', 'path', 'interval', 'expect_status'],
  properties: {
    // The route probed (a `routes[].name`); `path` must route to it for `method`.
    route: name,
    // One HTTP method, upper case: GET, POST, ...
    method: { type: 'string', pattern: '^[A-Z]{1,16}$', 'x-hint': 'an upper-case HTTP method such as GET' },
    // Origin-form target sent to the upstream, query allowed: /hpp/v1/sessions/probe
    path: { type: 'string', minLength: 1 },
    // Minimum time between two starts of this probe, at least 1s (e.g. 30s, 1m).
    interval: duration,
    // Extra request headers (e.g. an API key for a probe account).
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    // Request body, sent as is.
    body: { type: 'string' },
    // The status a working route answers with; anything else makes the probe bad.
    expect_status: { type: 'integer', minimum: 100, maximum: 599, 'x-hint': 'an HTTP status code, 100-599' },
  },
};

/** `probes`: probes for quiet routes; see `probe` above. */
export const probes: SchemaObject = { type: 'array', items: probe };
