/**
 * Label values with a bounded set: methods, upstream error reasons, status codes, and the
 * integer keys the recorder counts under. Resolving a label to a small integer on the hot
 * path keeps counters in typed arrays; strings are only rebuilt at scrape time.
 */
import type { UpstreamErrorReason } from './observation.js';

/**
 * Methods that keep their own `method` label value. Anything else (WebDAV verbs, typos,
 * lower-case spellings) is `OTHER`, so a client cannot create label values at will.
 */
export const KNOWN_METHODS: readonly string[] = [
  'OTHER',
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'TRACE',
  'CONNECT',
];

export function methodId(method: string): number {
  // A switch over literals compiles to pointer compares for the interned strings node's
  // HTTP parser hands out; a Map lookup would hash instead.
  switch (method) {
    case 'GET':
      return 1;
    case 'HEAD':
      return 2;
    case 'POST':
      return 3;
    case 'PUT':
      return 4;
    case 'DELETE':
      return 5;
    case 'PATCH':
      return 6;
    case 'OPTIONS':
      return 7;
    case 'TRACE':
      return 8;
    case 'CONNECT':
      return 9;
    default:
      return 0;
  }
}

export const UPSTREAM_ERROR_REASONS: readonly UpstreamErrorReason[] = [
  'refused',
  'reset',
  'unreachable',
  'timeout_connect',
  'timeout_headers',
  'timeout_body',
  'tls',
  'protocol',
  'other',
];

export function reasonId(reason: UpstreamErrorReason): number {
  const i = UPSTREAM_ERROR_REASONS.indexOf(reason);
  return i < 0 ? UPSTREAM_ERROR_REASONS.length - 1 : i;
}

/** The `code` label: the 3-digit status, or 0 when no valid status was sent. */
export function statusCode(status: number): number {
  return status >= 100 && status <= 999 && (status | 0) === status ? status : 0;
}

/** Counter key of (method, status code, outcome): fits an int32 (max 29_999). */
export function requestKey(method: number, code: number, outcome: number): number {
  return (method * 1000 + code) * 3 + outcome;
}

export function decodeRequestKey(key: number): { method: number; code: number; outcome: number } {
  const outcome = key % 3;
  const rest = (key - outcome) / 3;
  return { method: Math.floor(rest / 1000), code: rest % 1000, outcome };
}

/** Escapes a label value for the Prometheus text format (backslash, quote, newline). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escapes HELP text (backslash and newline only). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
