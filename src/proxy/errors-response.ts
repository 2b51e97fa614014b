/**
 * Responses the sidecar writes itself: upstream failures (502/504) and refusals (4xx/501).
 * All rare paths, so clarity wins over allocation here. Bodies are small JSON documents
 * that always name the request id, so a client can quote it to the operator.
 */
import type { UpstreamErrorReason } from '../telemetry/observation.js';

/** Error codes (Node's `code` or undici's `UND_ERR_*`) and the reason each one maps to. */
const REASON_BY_CODE: Readonly<Record<string, UpstreamErrorReason>> = {
  UND_ERR_CONNECT_TIMEOUT: 'timeout_connect',
  ETIMEDOUT: 'timeout_connect',
  UND_ERR_HEADERS_TIMEOUT: 'timeout_headers',
  UND_ERR_BODY_TIMEOUT: 'timeout_body',
  ECONNREFUSED: 'refused',
  // undici's SocketError ("other side closed") is the upstream closing mid-exchange.
  UND_ERR_SOCKET: 'reset',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
  EAI_FAIL: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETUNREACH: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'protocol',
  UND_ERR_HEADERS_OVERFLOW: 'protocol',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'protocol',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls',
  CERT_HAS_EXPIRED: 'tls',
  CERT_NOT_YET_VALID: 'tls',
  ERR_TLS_CERT_ALTNAME_INVALID: 'tls',
};

function codeOf(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && e.code !== '') return e.code;
  // Happy-eyeballs connects fail with an AggregateError whose members carry the codes.
  if (Array.isArray(e.errors) && e.errors.length > 0) return codeOf(e.errors[0]);
  if (e.cause !== undefined && e.cause !== err) return codeOf(e.cause);
  return '';
}

/**
 * undici's error for a response llhttp refused (a bad status line, header or chunk size).
 * It means to carry `code: 'HPE_*'`, but undici 7 looks the llhttp error number up in a
 * name-to-number table and so leaves `code` undefined; the class name is what is reliable.
 */
function isParserError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'HTTPParserError';
}

/**
 * undici reports a response it will not accept as a SocketError, the class of "other side
 * closed": a 100 Continue nobody asked for (the sidecar never forwards `Expect`), a
 * response with no request outstanding, an unasked-for upgrade. Those are the upstream
 * breaking the protocol, not the connection dropping, and must not be retried as a
 * keep-alive race. Only the message tells them apart (test/faults pins it).
 */
function isBadResponse(err: unknown): boolean {
  const message = (err as { message?: unknown }).message;
  return message === 'bad response' || message === 'bad upgrade';
}

/** Maps an undici or socket error to the reason recorded in the Observation. */
export function upstreamErrorReason(err: unknown): UpstreamErrorReason {
  const code = codeOf(err);
  if (code === 'UND_ERR_SOCKET' && isBadResponse(err)) return 'protocol';
  const known = REASON_BY_CODE[code];
  if (known !== undefined) return known;
  if (code.startsWith('HPE_') || isParserError(err)) return 'protocol';
  if (code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.startsWith('CERT_')) return 'tls';
  return 'other';
}

/** 504 for the three upstream timeouts, 502 for everything else (RFC 9110 15.6.3, 15.6.5). */
export function statusForReason(reason: UpstreamErrorReason): 502 | 504 {
  return reason === 'timeout_connect' || reason === 'timeout_headers' || reason === 'timeout_body'
    ? 504
    : 502;
}

/** `{"error":"upstream_unavailable"|"upstream_timeout","reason":...,"request_id":...}` */
export function upstreamErrorBody(reason: UpstreamErrorReason, requestId: string): string {
  const error = statusForReason(reason) === 504 ? 'upstream_timeout' : 'upstream_unavailable';
  return JSON.stringify({ error, reason, request_id: requestId });
}

/** Why the sidecar refused a request without contacting the upstream. */
export type RefusalReason =
  | 'foreign_host'
  | 'malformed_target'
  | 'missing_host'
  | 'multiple_host'
  | 'connect_not_allowed'
  | 'method_not_allowed'
  | 'body_not_allowed'
  | 'upgrade_not_supported'
  | 'expectation_failed'
  | 'bad_request'
  | 'ambiguous_framing'
  | 'unsupported_version'
  | 'transfer_coding_not_supported'
  | 'header_too_large'
  | 'request_timeout';

export const REFUSAL_STATUS: Readonly<Record<RefusalReason, number>> = {
  foreign_host: 400,
  malformed_target: 400,
  missing_host: 400,
  multiple_host: 400,
  connect_not_allowed: 405,
  method_not_allowed: 405,
  body_not_allowed: 400,
  upgrade_not_supported: 501,
  expectation_failed: 417,
  bad_request: 400,
  ambiguous_framing: 400,
  unsupported_version: 400,
  transfer_coding_not_supported: 501,
  header_too_large: 431,
  request_timeout: 408,
};

export function refusalBody(reason: RefusalReason, requestId: string): string {
  const error = REFUSAL_STATUS[reason] === 501 ? 'not_implemented' : 'bad_request';
  return JSON.stringify({ error, reason, request_id: requestId });
}

/**
 * Methods a 405 advertises (RFC 9110 15.5.6 requires `Allow`). The sidecar forwards any
 * method but CONNECT and TRACE; these are the ones payment APIs use.
 */
export const ALLOW = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

/** Headers of a response the sidecar writes itself through a ServerResponse. */
export function ownResponseHeaders(
  status: number,
  body: string,
  requestId: string,
  close: boolean,
): string[] {
  const headers = [
    'content-type',
    'application/json',
    'content-length',
    String(Buffer.byteLength(body)),
    'cache-control',
    'no-store',
    'x-request-id',
    requestId,
  ];
  if (close) headers.push('connection', 'close');
  if (status === 405) headers.push('allow', ALLOW);
  return headers;
}

const REASON_PHRASE: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
};

/**
 * A complete HTTP/1.1 response for a socket that has no usable ServerResponse (a CONNECT,
 * or a request Node's parser rejected). Always `Connection: close`: after a parse error
 * the connection's framing cannot be trusted.
 */
export function rawRefusal(reason: RefusalReason, requestId: string): string {
  const status = REFUSAL_STATUS[reason];
  const body = refusalBody(reason, requestId);
  const allow = status === 405 ? `Allow: ${ALLOW}\r\n` : '';
  return (
    `HTTP/1.1 ${status} ${REASON_PHRASE[status] ?? 'Error'}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Cache-Control: no-store\r\n${allow}X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`
  );
}
