/**
 * The value syntaxes of the config file and of the CLI flags: durations, percentages,
 * host:port pairs, upstream origins, RFC 3339 timestamps, time zones.
 *
 * Each parser throws a `RangeError` whose message is the problem and the fix, written to
 * be placed after a key path (`routes[3].latency.p99: "200" is not a duration (try
 * "200ms")`). Callers wrap it: the config loader into `ConfigError`, flags into `UsageError`.
 */
import type { HostPort } from './types.js';

export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

const UNIT_MS: Readonly<Record<DurationUnit, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const UNIT_ORDER: readonly DurationUnit[] = ['d', 'h', 'm', 's', 'ms'];

// Spellings people write for the units we know, so the hint can show the accepted form.
const UNIT_ALIASES: Readonly<Record<string, DurationUnit>> = {
  msec: 'ms',
  msecs: 'ms',
  millis: 'ms',
  millisecond: 'ms',
  milliseconds: 'ms',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  min: 'm',
  mins: 'm',
  minute: 'm',
  minutes: 'm',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
  day: 'd',
  days: 'd',
};

const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const DURATION_PART_RE = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const NUMBER_RE = /^\d+(?:\.\d+)?$/;

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * `"250ms"`, `"2s"`, `"5m"`, `"1h"`, `"30d"`, also compound (`"1h30m"`, as Prometheus
 * writes them) -> milliseconds. A bare number is refused: `200` could be milliseconds or
 * seconds, and guessing wrong moves an objective by a factor of 1000. `suggest` is the unit
 * the hint proposes for a bare number (`"200"` -> try `"200ms"`).
 */
export function parseDuration(value: unknown, suggest: DurationUnit = 'ms'): number {
  if (typeof value === 'number' || (typeof value === 'string' && NUMBER_RE.test(value.trim()))) {
    throw new RangeError(
      `"${String(value).trim()}" is not a duration (try "${String(value).trim()}${suggest}")`,
    );
  }
  if (typeof value !== 'string') {
    throw new RangeError(
      `expected a duration such as "200ms", "2s", "5m", "1h" or "30d", not ${show(value)}`,
    );
  }
  const text = value.trim();
  if (DURATION_RE.test(text)) {
    let total = 0;
    for (const match of text.matchAll(DURATION_PART_RE)) {
      total += Number(match[1]) * UNIT_MS[match[2] as DurationUnit];
    }
    return total;
  }
  const loose = /^(\d+(?:\.\d+)?)\s*([A-Za-z]+)$/.exec(text);
  if (loose) {
    const [, amount, unit] = loose as unknown as [string, string, string];
    const lower = unit.toLowerCase();
    const known = lower in UNIT_MS ? (lower as DurationUnit) : UNIT_ALIASES[lower];
    if (known) return hintOnly(value, `${amount}${known}`);
    if (lower === 'w' || lower === 'week' || lower === 'weeks')
      return hintOnly(value, `${Number(amount) * 7}d`);
    if (lower === 'us' || lower === 'µs' || lower === 'ns') {
      throw new RangeError(`${show(value)} is below the millisecond resolution sloprobe measures in`);
    }
  }
  throw new RangeError(
    `${show(value)} is not a duration (use a number and a unit: ms, s, m, h or d, e.g. "200ms")`,
  );
}

function hintOnly(value: string, fixed: string): never {
  throw new RangeError(`"${value}" is not a duration (try "${fixed}")`);
}

/** 200 -> "200ms", 5000 -> "5s", 2_592_000_000 -> "30d": the largest unit that divides exactly. */
export function formatDuration(ms: number): string {
  if (ms > 0 && Number.isInteger(ms)) {
    for (const unit of UNIT_ORDER) {
      if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
    }
  }
  return `${ms}ms`;
}

/** Moves the decimal point of a numeral written in base 10 without binary rounding: "99.9" -> 0.999. */
function shiftDecimal(numeral: string, exponent: number): number {
  return Number(`${numeral}e${exponent}`);
}

/**
 * `"99%"`, `"99.5%"`, `0.99`, `"0.995"` -> a ratio in (0, 1]. A bare number above 1 is
 * refused rather than read as a percentage, because `1` is ambiguous (100% or 1%?).
 * With `allowZero` the range is [0, 1) instead: thresholds such as the Downtime minute's "greater
 * than five percent" (docs/sla-definitions.md#downtime-minute) may be zero, but never a whole 100%.
 */
export function parsePercent(value: unknown, options: { allowZero?: boolean } = {}): number {
  let ratio: number;
  if (typeof value === 'number') {
    if (value > 1)
      throw new RangeError(
        `${value} is not a ratio (write "${value}%" or ${shiftDecimal(String(value), -2)})`,
      );
    ratio = value;
  } else if (typeof value === 'string') {
    const text = value.trim();
    const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
    if (pct) {
      ratio = shiftDecimal(pct[1]!, -2);
    } else if (NUMBER_RE.test(text)) {
      ratio = Number(text);
      if (ratio > 1)
        throw new RangeError(`"${text}" is not a ratio (write "${text}%" or ${shiftDecimal(text, -2)})`);
    } else if (/^\d+,\d+\s*%?$/.test(text)) {
      throw new RangeError(
        `"${text}" is not a percentage (use a decimal point: "${text.replace(',', '.')}")`,
      );
    } else {
      throw new RangeError(`"${text}" is not a percentage (write "99.5%" or 0.995)`);
    }
  } else {
    throw new RangeError(`expected a percentage such as "99.5%" or 0.995, not ${show(value)}`);
  }
  if (!Number.isFinite(ratio)) throw new RangeError(`${show(value)} is not a percentage`);
  if (options.allowZero) {
    if (ratio < 0 || ratio >= 1) throw new RangeError(`${show(value)} must be at least 0% and below 100%`);
  } else if (ratio <= 0 || ratio > 1) {
    throw new RangeError(`${show(value)} must be above 0% and at most 100%`);
  }
  return ratio;
}

/** 0.995 -> "99.5%", 0.99 -> "99%": rounded to 4 decimals so binary noise never shows. */
export function formatPercent(ratio: number): string {
  return `${Math.round(ratio * 1_000_000) / 10_000}%`;
}

/** `p99` -> 0.99, `p99.9` -> 0.999, `p50` -> 0.5. Percentiles 0 and 100 are refused. */
export function parsePercentile(key: string): number {
  const match = /^p(\d{1,2}(?:\.\d+)?)$/.exec(key);
  const ratio = match ? shiftDecimal(match[1]!, -2) : Number.NaN;
  if (!(ratio > 0 && ratio < 1)) {
    throw new RangeError(`"${key}" is not a percentile (write p50, p90, p95, p99 or p99.9)`);
  }
  return ratio;
}

/** 0.99 -> "p99", 0.999 -> "p99.9". */
export function formatPercentile(ratio: number): string {
  return `p${Math.round(ratio * 1_000_000) / 10_000}`;
}

const HOSTNAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;
const IPV6_RE = /^[0-9A-Fa-f:.]+(?:%[A-Za-z0-9_.-]+)?$/;

/** Where a bare port listens: every IPv4 interface, as `:PORT` does. */
const ANY_INTERFACE = '0.0.0.0';

/**
 * `"0.0.0.0:8080"`, `"[::1]:9464"`, `"localhost:8080"`, `":8080"` (all interfaces, like
 * Go's and Prometheus' listen flags), and a bare port, `8080` or `"8080"`, which means the
 * same as `":8080"` (`--listen 21013` is what people type). Port 0 asks the OS for a free
 * port (tests).
 */
export function parseHostPort(value: unknown): HostPort {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= 65535) return { host: ANY_INTERFACE, port: value };
    throw new RangeError(`${value} is not a port (0-65535)`);
  }
  if (typeof value !== 'string') {
    throw new RangeError(`expected "host:port" such as "0.0.0.0:8080", or a port, not ${show(value)}`);
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    if (text.length > 5 || Number(text) > 65535) throw new RangeError(`"${text}" is not a port (0-65535)`);
    return { host: ANY_INTERFACE, port: Number(text) };
  }
  let host: string;
  let portText: string;
  const bracketed = /^\[([^\]]*)\]:(.*)$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2]!;
    if (!IPV6_RE.test(host) || !host.includes(':'))
      throw new RangeError(`"${text}": "${host}" is not an IPv6 address`);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) throw new RangeError(`"${text}" has no port (try "${text}:8080")`);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':'))
      throw new RangeError(`"${text}": put an IPv6 address in brackets (try "[${host}]:${portText}")`);
    if (host === '') host = ANY_INTERFACE;
    else if (!HOSTNAME_RE.test(host))
      throw new RangeError(`"${text}": "${host}" is not a host name or address`);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new RangeError(`"${text}": "${portText}" is not a port (0-65535)`);
  }
  return { host, port: Number(portText) };
}

/** A HostPort as people write it: `[::1]:9464`, `0.0.0.0:8080`. */
export function formatHostPort(hp: HostPort): string {
  return hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}

/**
 * The upstream: an http or https origin, `http://127.0.0.1:9000`. A path, query or
 * credentials are refused: the sidecar forwards the client's path unchanged, and secrets
 * do not belong in a config file that `check` prints.
 */
export function parseOrigin(value: unknown): string {
  if (typeof value !== 'string')
    throw new RangeError(`expected a URL such as "http://127.0.0.1:9000", not ${show(value)}`);
  const text = value.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    const hint = /^[\w.-]+:\d+$/.test(text) ? ` (try "http://${text}")` : ' (e.g. "http://127.0.0.1:9000")';
    throw new RangeError(`"${text}" is not a URL${hint}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RangeError(
      `"${text}": only http and https upstreams are supported, not ${url.protocol.slice(0, -1)}`,
    );
  }
  if (url.username || url.password)
    throw new RangeError(`"${url.origin}…": credentials do not belong in the upstream URL`);
  if (url.pathname !== '/' || url.search || url.hash || /[?#]$/.test(text)) {
    throw new RangeError(`"${text}" must be an origin without path or query (try "${url.origin}")`);
  }
  return url.origin;
}

const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 timestamp with a time and an offset (`2025-03-01T02:00:00Z`) -> epoch ms. */
export function parseTimestamp(value: unknown): number {
  if (typeof value !== 'string') {
    throw new RangeError(`expected an RFC 3339 timestamp such as "2025-03-01T02:00:00Z", not ${show(value)}`);
  }
  const text = value.trim();
  const m = RFC3339_RE.exec(text);
  if (!m) {
    const hint = /^\d{4}-\d{2}-\d{2}$/.test(text) ? ` (add a time and an offset: "${text}T00:00:00Z")` : '';
    throw new RangeError(`"${text}" is not an RFC 3339 timestamp${hint || ' (e.g. "2025-03-01T02:00:00Z")'}`);
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Date.parse rolls "02-30" over into March; check each field against the calendar instead.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    throw new RangeError(`"${text}" is not a valid date and time`);
  }
  return Date.parse(text.replace(' ', 'T'));
}

/** True when the runtime's ICU knows the IANA zone (`Europe/Stockholm`, `UTC`). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
