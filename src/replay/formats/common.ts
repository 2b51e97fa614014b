/**
 * What the foreign log formats share: request lines, request targets, CLF and epoch
 * timestamps, seconds to milliseconds, and the `LineFormat` each format module builds.
 *
 * Replay keys every line on the time the request arrived (docs/sla-definitions.md#server-side-timestamps),
 * as the sidecar's own log does. Formats that only write the time the line was written
 * (nginx `$time_local`, `$msec`, `$time_iso8601`) are moved back by the request's total
 * time when the line has it.
 */
import { maskPans } from '../../privacy/pan.js';
import { zonedTimeToEpoch } from '../../slo/period.js';
import type { LogRecord } from '../fields.js';
import { parseRfc3339 } from '../time.js';

/** One input format: a parser into the shared record, and what its latency means. */
export interface LineFormat {
  /** The --input-format name. */
  readonly name: string;
  /** Names of the latencies the parser can give, indexed by `LogRecord.source`. */
  readonly latencySources: readonly string[];
  /** Parses s[start, end); false with `out.problem` set for a line that does not parse. */
  parse(s: string, start: number, end: number, out: LogRecord): boolean;
}

export function resetRecord(out: LogRecord): void {
  out.latencyMs = Number.NaN;
  out.digest = null;
  out.error = null;
  out.clientAborted = null;
  out.outcome = -1;
  out.synthetic = false;
  out.source = -1;
}

export function bad(out: LogRecord, problem: string): false {
  out.problem = problem;
  return false;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE']);

function method(m: string): string {
  // The constant string of a common method: the route cache keys on it.
  for (const k of METHODS) if (k === m) return k;
  return m;
}

/**
 * A request target to the path the router sees: query and fragment cut, and an absolute
 * URL (`http://host:80/x`, as ALB writes it; RFC 9112 3.2.2 absolute-form) cut to its path.
 */
export function targetPath(target: string): string | undefined {
  let t = target;
  if (t.charCodeAt(0) !== 47) {
    const scheme = t.indexOf('://');
    if (scheme < 0) return t === '*' ? t : undefined;
    const slash = t.indexOf('/', scheme + 3);
    t = slash < 0 ? '/' : t.slice(slash);
  }
  const q = t.search(/[?#]/);
  return q < 0 ? t : t.slice(0, q);
}

/** `GET /path?q HTTP/1.1` into method and path. */
export function requestLine(line: string, out: LogRecord): boolean {
  const a = line.indexOf(' ');
  if (a <= 0) return bad(out, 'the request line is not METHOD TARGET PROTOCOL');
  let b = line.indexOf(' ', a + 1);
  if (b < 0) b = line.length; // HTTP/0.9 has no protocol
  const path = targetPath(line.slice(a + 1, b));
  // The target itself is not echoed: a path can hold an account or card number.
  if (path === undefined) return bad(out, 'the request target is not a path or URL');
  out.method = method(line.slice(0, a));
  out.path = path;
  return true;
}

export function setMethod(m: string, out: LogRecord): void {
  out.method = method(m);
}

/** A status: 0..999, digits; `-` or `-1` (not sent) is 0. */
export function setStatusText(text: string, out: LogRecord, name: string): boolean {
  if (text === '-' || text === '-1' || text === '000') {
    out.status = 0;
    return true;
  }
  if (!/^\d{1,3}$/.test(text)) return bad(out, `${name} "${clip(text)}" is not an HTTP status`);
  out.status = Number(text);
  return true;
}

/** Seconds as written by nginx/ALB (`0.012`), to ms; NaN for `-`, `-1` or empty. */
export function secondsToMs(text: string): number {
  if (text === '' || text === '-' || text === '-1') return Number.NaN;
  const v = Number(text);
  return v >= 0 && Number.isFinite(v) ? v * 1000 : Number.NaN;
}

/** Milliseconds as written by Envoy and HAProxy; NaN for `-`, `-1` or empty. */
export function millis(text: string): number {
  if (text === '' || text === '-' || text === '-1') return Number.NaN;
  const v = Number(text);
  return v >= 0 && Number.isFinite(v) ? v : Number.NaN;
}

const MONTHS: Record<string, number> = {
  Jan: 1,
  Feb: 2,
  Mar: 3,
  Apr: 4,
  May: 5,
  Jun: 6,
  Jul: 7,
  Aug: 8,
  Sep: 9,
  Oct: 10,
  Nov: 11,
  Dec: 12,
};

let lastClfKey = '';
let lastClfMs = 0;
/** The last full-form time's minute (`10/Oct/2000:13:55`), zone (` -0700`) and zone option. */
let lastClfHead = '';
let lastClfTail = '';
let lastClfZone = '';

/**
 * Common Log Format time, `10/Oct/2000:13:55:36 -0700` (nginx `$time_local`), with an
 * optional fraction (`.655`, HAProxy `%tr`) and an optional zone: HAProxy writes the
 * host's local time without one, read in `zone`. NaN when it is not that form.
 */
export function clfTime(t: string, zone: string): number {
  // nginx's `$time_local` form, `10/Oct/2000:13:55:36 -0700`, in the minute of the line
  // before: only the seconds are read. The minute and zone were checked by the full path
  // below, so the same string is what it would accept. The regex, the Numbers and the
  // cache key built per line were ~20% of a worker's time on nginx lines.
  if (
    t.length === 26 &&
    zone === lastClfZone &&
    lastClfHead !== '' &&
    t.startsWith(lastClfHead) &&
    t.endsWith(lastClfTail) &&
    t.charCodeAt(17) === 58 &&
    t.charCodeAt(20) === 32
  ) {
    const tens = t.charCodeAt(18) - 48;
    const ones = t.charCodeAt(19) - 48;
    if (tens >= 0 && tens <= 5 && ones >= 0 && ones <= 9) return lastClfMs + (tens * 10 + ones) * 1000;
  }
  const m =
    /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?: ([+-])(\d{2})(\d{2}))?$/.exec(
      t,
    );
  if (!m) return Number.NaN;
  const month = MONTHS[m[2]!];
  const [day, year, hour, minute, second] = [
    Number(m[1]),
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
  ];
  if (!month || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return Number.NaN;
  const frac = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  const key = `${t.slice(0, 17)}${m[8] ?? ''}${m[9] ?? ''}${m[10] ?? ''}|${zone}`;
  let minuteMs: number;
  if (key === lastClfKey) minuteMs = lastClfMs;
  else {
    if (m[8] !== undefined) {
      const off = (Number(m[9]) * 60 + Number(m[10])) * (m[8] === '-' ? -1 : 1);
      minuteMs = Date.UTC(year, month - 1, day, hour, minute) - off * 60_000;
    } else {
      minuteMs = zonedTimeToEpoch(year, month, day, hour, minute, zone);
    }
    if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return Number.NaN;
    lastClfKey = key;
    lastClfMs = minuteMs;
  }
  if (t.length === 26 && m[7] === undefined && m[8] !== undefined) {
    lastClfHead = t.slice(0, 17);
    lastClfTail = t.slice(20);
    lastClfZone = zone;
  } else lastClfHead = '';
  return minuteMs + Math.min(second, 59) * 1000 + (second === 60 ? 999 : frac);
}

/**
 * Any timestamp a log writes: RFC 3339 / ISO 8601 with a zone (nginx `$time_iso8601`,
 * Envoy `%START_TIME%`, ALB), CLF, or epoch digits with an optional fraction: seconds below
 * 1e11 (nginx `$msec` is `1700000000.123`), else milliseconds. NaN otherwise.
 */
export function anyTime(t: string, zone: string): number {
  if (t.length === 0) return Number.NaN;
  const c = t.charCodeAt(0);
  if (t.length >= 20 && t.charCodeAt(4) === 45) return parseRfc3339(t, 0, t.length);
  if (t.charCodeAt(2) === 47) return clfTime(t, zone);
  if (c >= 48 && c <= 57 && /^\d+(\.\d+)?$/.test(t)) {
    const v = Number(t);
    return v < 1e11 ? Math.floor(v * 1000) : Math.floor(v);
  }
  return Number.NaN;
}

export function setTime(t: string, zone: string, out: LogRecord, name: string): boolean {
  const ms = anyTime(t, zone);
  if (Number.isNaN(ms)) return bad(out, `${name} "${clip(t)}" is not a timestamp (RFC 3339, CLF or epoch)`);
  out.timeMs = ms;
  return true;
}

/**
 * A value shown in a problem: card numbers masked (a log line's field may hold one), then
 * short, so a long header never floods the error list.
 */
export function clip(s: string): string {
  const m = maskPans(s);
  return m.length > 40 ? `${m.slice(0, 37)}...` : m;
}
