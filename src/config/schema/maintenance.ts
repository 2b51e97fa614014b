/**
 * `maintenance:`: the scheduled maintenance windows excluded from the SLOs, and the
 * provider policy they are checked against.
 */
import type { SchemaObject } from 'ajv';
import { description, name } from './common.js';
import { INSTRUMENT_FIELDS, instrumentValue, methodId } from './payments.js';

const window: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'start', 'end', 'announced_at'],
  properties: {
    id: name,
    // RFC 3339 with an offset: 2025-03-01T02:00:00Z. `start` < `end`.
    start: { type: 'string' },
    end: { type: 'string' },
    // When the window was communicated; the policy checks the notice period against it.
    announced_at: { type: 'string' },
    // What the window covers: route names, category names, or `all: true` (one at least).
    routes: { type: 'array', minItems: 1, uniqueItems: true, items: name },
    categories: { type: 'array', minItems: 1, uniqueItems: true, items: name },
    all: { type: 'boolean' },
    // Payment methods the window announces as a scheduled downtime (Downtime API, webhooks).
    methods: { type: 'array', minItems: 1, uniqueItems: true, items: methodId },
    // Static instrument of those downtimes, e.g. { bank: MB2U }.
    instrument: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: Object.fromEntries(INSTRUMENT_FIELDS.map((f) => [f, instrumentValue])),
    },
    description,
  },
};

/**
 * `maintenance`: scheduled maintenance. policy: klarna (<= 5 occasions and 15 hours a year,
 * announced 7 days ahead), paywithmybank (announced 8 hours ahead, <= 4 hours or inside
 * 00:00-04:00 Pacific), none (default: every window is excluded). Windows that break it
 * still count.
 */
export const maintenance: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    policy: { enum: ['klarna', 'paywithmybank', 'none'] },
    windows: { type: 'array', items: window },
  },
};
