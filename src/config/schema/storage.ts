/**
 * What the sidecar writes and keeps: the access log and the key of its `digest`, the
 * embedded store's directory and how long it keeps rollups.
 */
import type { SchemaObject } from 'ajv';
import { duration } from './common.js';

/**
 * `access_log`: off | stdout | a file path (JSON lines, one per request). Default stdout.
 * Not stderr: that carries the sidecar's own log. Relative paths are relative to the working
 * directory.
 */
export const accessLog: SchemaObject = {
  type: 'string',
  minLength: 1,
  'x-hint': 'off, stdout or a file path',
};

/**
 * `data_dir`: directory of the embedded store, or `:memory:`. Default ./.sloprobe-data
 * (relative to the working directory).
 */
export const dataDir: SchemaObject = { type: 'string', minLength: 1 };

/**
 * `digest_key`: secret that keys the access log's `digest` (HMAC-SHA-256), at least 16
 * characters. Default: SLOPROBE_DIGEST_KEY, else <data_dir>/digest.key (created with mode 0600).
 */
export const digestKey: SchemaObject = {
  type: 'string',
  minLength: 16,
  'x-hint': 'at least 16 characters, e.g. from openssl rand -hex 32',
};

/**
 * `retention`: how long the store keeps minute rollups (default 35d) and hourly rollups
 * (default 400d).
 */
export const retention: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: { minutes: duration, hours: duration },
};
