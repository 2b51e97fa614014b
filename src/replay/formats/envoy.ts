/**
 * Envoy access logs (https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage):
 * the default format string
 *
 *   [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
 *   %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
 *   %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
 *   "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
 *
 * and JSON logs (`json_format`) with the keys of the same fields as Istio names them:
 * `start_time`, `method`, `path`, `response_code`, `response_flags`, `duration`,
 * `upstream_service_time`.
 *
 * - `%START_TIME%` is the request's start (the arrival the sidecar keys on), RFC 3339 with
 *   milliseconds by default, or epoch digits when configured as `%START_TIME(%s)%`.
 * - `%RESPONSE_CODE%` 0 means no response was started; with the `DC` flag (downstream
 *   connection termination) the client went away first: abandoned
 *   (docs/sla-definitions.md#abandoned-requests); otherwise the request failed, bad.
 * - Upstream failure flags (`UF`, `UT`, `UR`, `UC`, `UPE`, `UH`, `URX`) on a 2xx-4xx answer
 *   mean the client got a cut or substituted response: counted as the sidecar counts an
 *   upstream error after the headers.
 * - Latency: `x-envoy-upstream-service-time` (time to the upstream's response headers, the
 *   sidecar's SLI), else `%DURATION%` (until the last byte to the client).
 */
import type { UpstreamErrorReason } from '../../telemetry/observation.js';
import type { LogRecord } from '../fields.js';
import {
  bad,
  type LineFormat,
  millis,
  resetRecord,
  setMethod,
  setStatusText,
  setTime,
  targetPath,
} from './common.js';
import { compileTemplate, matchTemplate } from './template.js';

export const ENVOY_DEFAULT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"';

export const ENVOY_LATENCY_SOURCES = [
  'Envoy x-envoy-upstream-service-time (time to the upstream response headers: the sidecar SLI)',
  'Envoy %DURATION% (until the last byte to the client; includes the client)',
];

const OPERATOR = /%([A-Z_]+(?:\([^)]*\))?(?::\d+)?)%/g;

/** The upstream failure a response flag names, or null. */
function flagError(flags: string): UpstreamErrorReason | null {
  if (flags === '-' || flags === '') return null;
  for (const f of flags.split(',')) {
    switch (f) {
      case 'UF':
      case 'UH':
        return 'refused';
      case 'UT':
        return 'timeout_headers';
      case 'UR':
      case 'UC':
      case 'UPE':
      case 'URX':
        return 'reset';
    }
  }
  return null;
}

function fill(
  time: string,
  method: string,
  path: string,
  code: string,
  flags: string,
  duration: string,
  upstream: string,
  zone: string,
  out: LogRecord,
): boolean {
  resetRecord(out);
  if (!setTime(time, zone, out, 'START_TIME')) return false;
  const p = targetPath(path);
  if (method === '' || method === '-' || p === undefined) return bad(out, 'no request method or path');
  setMethod(method, out);
  out.path = p;
  if (!setStatusText(code, out, 'RESPONSE_CODE')) return false;
  const f = flags.split(',');
  if (out.status === 0) out.clientAborted = f.includes('DC');
  else out.error = flagError(flags);
  const up = millis(upstream);
  if (up >= 0) {
    out.latencyMs = up;
    out.source = 0;
  } else {
    const d = millis(duration);
    if (d >= 0) {
      out.latencyMs = d;
      out.source = 1;
    }
  }
  return true;
}

export function envoyFormat(zone: string): LineFormat {
  const t = compileTemplate(ENVOY_DEFAULT, OPERATOR);
  const at = (n: string) => t.fields.indexOf(n);
  const [iTime, iMethod, iPath, iCode, iFlags, iDuration, iUpstream] = [
    at('START_TIME'),
    at('REQ(:METHOD)'),
    at('REQ(X-ENVOY-ORIGINAL-PATH?:PATH)'),
    at('RESPONSE_CODE'),
    at('RESPONSE_FLAGS'),
    at('DURATION'),
    at('RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)'),
  ] as const;
  const starts = new Int32Array(t.fields.length);
  const ends = new Int32Array(t.fields.length);
  return {
    name: 'envoy',
    latencySources: ENVOY_LATENCY_SOURCES,
    parse(line, start, end, out) {
      if (line.charCodeAt(start) === 123) return envoyJson(line, start, end, zone, out);
      if (!matchTemplate(t, line, start, end, starts, ends))
        return bad(out, 'does not match the Envoy default format');
      const v = (i: number) => line.slice(starts[i]!, ends[i]!);
      return fill(v(iTime), v(iMethod), v(iPath), v(iCode), v(iFlags), v(iDuration), v(iUpstream), zone, out);
    },
  };
}

function envoyJson(line: string, start: number, end: number, zone: string, out: LogRecord): boolean {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line.slice(start, end));
  } catch {
    return bad(out, 'not valid JSON');
  }
  if (typeof o !== 'object' || o === null) return bad(out, 'not a JSON object');
  const s = (k: string) => (o[k] === undefined || o[k] === null ? '-' : String(o[k]));
  if (o.start_time === undefined) return bad(out, 'no "start_time"');
  if (o.response_code === undefined) return bad(out, 'no "response_code"');
  return fill(
    s('start_time'),
    s('method'),
    s('path'),
    s('response_code'),
    s('response_flags'),
    s('duration'),
    s('upstream_service_time'),
    zone,
    out,
  );
}
