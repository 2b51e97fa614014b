/**
 * Where downtime and alert events go: signed `webhooks:` and `notify.email`
 * (docs/sla-definitions.md#downtime-webhooks).
 */
import type { SchemaObject } from 'ajv';
import { name } from './common.js';

/** The events a webhook endpoint or the mail notifier receives (at least one, no repeats). */
const events: SchemaObject = {
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: { type: 'string' },
  'x-hint': 'a list of events such as [payment.downtime.started, slo.alert.raised]',
};

/** One webhook endpoint (docs/sla-definitions.md#downtime-webhooks). */
const webhook: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['url', 'events'],
  properties: {
    url: { type: 'string', 'x-hint': 'an http or https URL such as "https://example.com/hooks/sloprobe"' },
    // `whsec_<base64>` (Standard Webhooks) or any other string (used as raw bytes).
    secret: { type: 'string' },
    secret_env: {
      type: 'string',
      'x-hint': 'the name of an environment variable, e.g. SLOPROBE_WEBHOOK_SECRET',
    },
    events,
    account_id: { type: 'string', minLength: 1 },
  },
};

/**
 * `webhooks`: signed webhooks from the outbox: url (http/https), secret or secret_env (the
 * name of an environment variable holding it), the events to send, account_id for the envelope.
 */
export const webhooks: SchemaObject = { type: 'array', items: webhook };

/** One email subscriber of `notify.email`. */
const subscriber: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['address'],
  properties: {
    address: { type: 'string', minLength: 3, 'x-hint': 'an email address such as "oncall@example.com"' },
    // Only downtimes of methods served by routes of these categories / of these methods.
    categories: { type: 'array', minItems: 1, uniqueItems: true, items: name },
    methods: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', minLength: 1 },
      'x-hint': 'a list of payment methods such as [card, upi]',
    },
    // Default: the three payment.downtime.* events; slo.alert.raised|cleared on request.
    events,
  },
};

/** `notify.email`: SMTP settings and subscribers (docs/sla-definitions.md#downtime-webhooks). */
const email: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['host', 'from', 'subscribers'],
  properties: {
    host: { type: 'string', minLength: 1, 'x-hint': 'the SMTP server, e.g. "smtp.example.com"' },
    // Default 465 when secure, else 587.
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    // true: TLS from the first byte (SMTPS, port 465). false (default): STARTTLS as `starttls` says.
    secure: { type: 'boolean' },
    // required (default): refuse a server without STARTTLS; opportunistic: upgrade when offered;
    // off: never upgrade (a relay on loopback).
    starttls: { enum: ['required', 'opportunistic', 'off'] },
    user: { type: 'string', minLength: 1 },
    // The name of the environment variable holding the SMTP password (never the password itself).
    password_env: {
      type: 'string',
      'x-hint': 'the name of an environment variable, e.g. SLOPROBE_SMTP_PASSWORD',
    },
    from: { type: 'string', minLength: 3, 'x-hint': 'the From address, e.g. "sloprobe@example.com"' },
    subscribers: { type: 'array', minItems: 1, items: subscriber },
  },
};

/** `notify`: the same downtime events by email: notify.email (SMTP settings, subscribers). */
export const notify: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: { email },
};
