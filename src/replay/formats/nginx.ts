/**
 * nginx access logs (https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format):
 * the predefined `combined` format, any named `log_format` given as `--nginx-format`, and
 * JSON logs (`log_format x escape=json '{"time":"$time_iso8601",...}'`).
 *
 * The fields replay reads, by variable:
 * - time: `$time_local` (CLF), `$time_iso8601`, `$msec` (epoch seconds with ms). nginx
 *   writes them when the line is logged, at the end of the request; the sidecar keys on
 *   the arrival (docs/sla-definitions.md#server-side-timestamps), so `$request_time`, when
 *   logged, is taken off.
 * - request: `$request` (`GET /p?q HTTP/1.1`), or `$request_method` with `$request_uri`
 *   or `$uri`.
 * - `$status`. 499 is nginx's "client closed the request" before a response: replay counts
 *   it as abandoned (docs/sla-definitions.md#abandoned-requests), as the sidecar does.
 * - latency, the closest to the sidecar's SLI (time to the upstream's response headers)
 *   first: `$upstream_header_time`, then `$upstream_response_time` (the whole upstream
 *   response), then `$request_time` (includes the client's own sending and receiving). A
 *   request nginx answered itself (`-` upstream) counts with `$request_time`, as the
 *   sidecar counts its own 502/504 with its total time. Several upstreams tried
 *   (`0.010, 0.020 : 0.005`) add up.
 */
import type { LogRecord } from '../fields.js';
import {
  bad,
  type LineFormat,
  requestLine,
  resetRecord,
  secondsToMs,
  setMethod,
  setStatusText,
  setTime,
  targetPath,
} from './common.js';
import { compileTemplate, matchTemplate, type Template } from './template.js';

export const NGINX_COMBINED =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';
/** `combined` with the two timings most setups append; tried before plain `combined`. */
export const NGINX_COMBINED_TIMED = `${NGINX_COMBINED} $request_time $upstream_response_time`;

const VARIABLE = /\$\{([a-z0-9_]+)\}|\$([a-z0-9_]+)/gi;

const TIME_VARS = ['time_iso8601', 'time_local', 'msec'];
const LATENCY_VARS = ['upstream_header_time', 'upstream_response_time', 'request_time'];
export const NGINX_LATENCY_SOURCES = [
  'nginx $upstream_header_time (time to the upstream response headers: the sidecar SLI)',
  'nginx $upstream_response_time (the whole upstream response; closest to the sidecar SLI)',
  'nginx $request_time (includes the client; nginx answered itself or logged no upstream time)',
];

/** Where each variable replay reads sits in a format, -1 when absent. */
interface Slots {
  time: number;
  timeVar: string;
  request: number;
  method: number;
  uri: number;
  status: number;
  latency: number[];
}

function slotsOf(names: readonly string[]): Slots {
  const at = (n: string) => names.indexOf(n);
  const timeVar = TIME_VARS.find((v) => at(v) >= 0) ?? '';
  return {
    time: timeVar ? at(timeVar) : -1,
    timeVar,
    request: at('request'),
    method: at('request_method'),
    uri: at('request_uri') >= 0 ? at('request_uri') : at('uri'),
    status: at('status'),
    latency: LATENCY_VARS.map(at),
  };
}

/** Why a format cannot be replayed, or undefined. */
function missing(s: Slots): string | undefined {
  if (s.time < 0) return 'it has no $time_local, $time_iso8601 or $msec';
  if (s.request < 0 && (s.method < 0 || s.uri < 0))
    return 'it has no $request (nor $request_method with $request_uri or $uri)';
  if (s.status < 0) return 'it has no $status';
  return undefined;
}

/** Sum of the numbers in `0.010, 0.020 : 0.005`, in ms; NaN when none (all `-`). */
function upstreamMs(text: string): number {
  if (text.indexOf(',') < 0 && text.indexOf(':') < 0) return secondsToMs(text);
  let sum = Number.NaN;
  for (const part of text.split(/[,:]/)) {
    const ms = secondsToMs(part.trim());
    if (!Number.isNaN(ms)) sum = Number.isNaN(sum) ? ms : sum + ms;
  }
  return sum;
}

/** Fills `out` from the variables' values (`value(slot)`); shared by text and JSON. */
function fill(s: Slots, value: (slot: number) => string | undefined, zone: string, out: LogRecord): boolean {
  resetRecord(out);
  if (s.request >= 0) {
    if (!requestLine(value(s.request) ?? '', out)) return false;
  } else {
    const m = value(s.method) ?? '';
    const path = targetPath(value(s.uri) ?? '');
    if (m === '' || m === '-' || path === undefined) return bad(out, 'no request method or path');
    setMethod(m, out);
    out.path = path;
  }
  const status = value(s.status) ?? '';
  if (!setStatusText(status, out, '$status')) return false;
  if (out.status === 499) {
    out.status = 0;
    out.clientAborted = true;
  }
  if (!setTime(value(s.time) ?? '', zone, out, `$${s.timeVar}`)) return false;
  const requestMs = s.latency[2]! >= 0 ? secondsToMs(value(s.latency[2]!) ?? '') : Number.NaN;
  // Logged at the end: back to the arrival.
  if (requestMs >= 0) out.timeMs = Math.floor(out.timeMs - requestMs);
  for (let k = 0; k < 3; k++) {
    const slot = s.latency[k]!;
    if (slot < 0) continue;
    const ms = k === 2 ? requestMs : upstreamMs(value(slot) ?? '');
    if (ms >= 0) {
      out.latencyMs = ms;
      out.source = k;
      break;
    }
  }
  return true;
}

function textFormat(templates: readonly Template[], zone: string): LineFormat {
  const slots = templates.map((t) => slotsOf(t.fields));
  const width = Math.max(...templates.map((t) => t.fields.length), 1);
  const starts = new Int32Array(width);
  const ends = new Int32Array(width);
  return {
    name: 'nginx',
    latencySources: NGINX_LATENCY_SOURCES,
    parse(line, start, end, out) {
      for (let i = 0; i < templates.length; i++) {
        if (!matchTemplate(templates[i]!, line, start, end, starts, ends)) continue;
        return fill(slots[i]!, (k) => line.slice(starts[k]!, ends[k]!), zone, out);
      }
      return bad(out, 'does not match the nginx log_format');
    },
  };
}

/** JSON lines whose keys are mapped to variables (`{"t":"$msec"}` maps t to msec). */
function jsonFormat(keyOf: ReadonlyMap<string, string> | undefined, zone: string): LineFormat {
  const names = keyOf
    ? [...keyOf.keys()]
    : [...TIME_VARS, 'request', 'request_method', 'request_uri', 'uri', 'status', ...LATENCY_VARS];
  const keys = names.map((n) => keyOf?.get(n) ?? n);
  const slots = slotsOf(names);
  return {
    name: 'nginx',
    latencySources: NGINX_LATENCY_SOURCES,
    parse(line, start, end, out) {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(line.slice(start, end));
      } catch {
        return bad(out, 'not valid JSON');
      }
      if (typeof o !== 'object' || o === null) return bad(out, 'not a JSON object');
      const value = (k: number): string | undefined => {
        const key = keys[k]!;
        // escape=json keys are often the variables with their `$`.
        const v = o[key] ?? o[`$${key}`];
        return v === undefined || v === null ? undefined : String(v);
      };
      if (!keyOf) {
        // Keys named after the variables: the time is whichever of them the line has.
        const t = TIME_VARS.find((v) => o[v] !== undefined || o[`$${v}`] !== undefined);
        if (t === undefined) return bad(out, 'no time_iso8601, time_local or msec key');
        const own = { ...slots, time: names.indexOf(t), timeVar: t };
        if (o.request === undefined && o.$request === undefined) own.request = -1;
        if (own.request < 0 && (o.request_uri ?? o.$request_uri) === undefined)
          own.uri = names.indexOf('uri');
        return fill(own, value, zone, out);
      }
      return fill(slots, value, zone, out);
    },
  };
}

/**
 * The nginx format for a `log_format` string (default: `combined`, with or without the two
 * timings appended). Throws Error with the reason when the format lacks a field replay needs.
 */
export function nginxFormat(logFormat: string | undefined, zone: string): LineFormat {
  if (logFormat === undefined) {
    return textFormat(
      [compileTemplate(NGINX_COMBINED_TIMED, VARIABLE), compileTemplate(NGINX_COMBINED, VARIABLE)],
      zone,
    );
  }
  const text = logFormat.trim();
  if (text === 'json') return jsonFormat(undefined, zone);
  if (text.startsWith('{')) {
    // "key":"$var" and "key":$var pairs of an escape=json format.
    const keyOf = new Map<string, string>();
    for (const m of text.matchAll(/"([^"]+)"\s*:\s*"?\$\{?([a-z0-9_]+)\}?"?/gi)) keyOf.set(m[2]!, m[1]!);
    const why = missing(slotsOf([...keyOf.keys()]));
    if (why) throw new Error(`--nginx-format cannot be replayed: ${why}`);
    return jsonFormat(keyOf, zone);
  }
  const t = compileTemplate(text === 'combined' ? NGINX_COMBINED : text, VARIABLE);
  const why = missing(slotsOf(t.fields));
  if (why) throw new Error(`--nginx-format cannot be replayed: ${why}`);
  return textFormat([t], zone);
}
