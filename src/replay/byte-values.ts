/**
 * The values of sloprobe's own log lines read from bytes, for the byte scanner
 * (parse-bytes.ts): each answers 1 when it read the value as parse.ts would, -1 for
 * anything it leaves to parse.ts (which then judges the whole line).
 */
import type { Buffer } from 'node:buffer';
import {
  F_ABORTED,
  F_DIGEST,
  F_ERROR,
  F_LATENCY,
  F_METHOD,
  F_OUTCOME,
  F_PATH,
  F_STATUS,
  F_SYNTHETIC,
  F_TIME,
  type LogRecord,
} from './fields.js';
import { daysFromCivil } from './time.js';

const COLON = 58;

const enc = (w: string) => Uint8Array.from(w, (c) => c.charCodeAt(0));
const K = {
  true: enc('true'),
  false: enc('false'),
  null: enc('null'),
  good: enc('good'),
  bad: enc('bad'),
  excluded: enc('excluded'),
};
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].map((m) => ({ m, b: enc(m) }));
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

export function eq(b: Uint8Array, from: number, to: number, w: Uint8Array): boolean {
  if (to - from !== w.length) return false;
  for (let j = 0; j < w.length; j++) if (b[from + j] !== w[j]) return false;
  return true;
}

export function stringValue(field: number, b: Buffer, from: number, to: number, out: LogRecord): number {
  switch (field) {
    case F_TIME: {
      const t = rfc3339Bytes(b, from, to);
      if (Number.isNaN(t)) return -1;
      out.timeMs = t;
      return 1;
    }
    case F_METHOD: {
      for (const m of METHODS) {
        if (eq(b, from, to, m.b)) {
          out.method = m.m;
          return 1;
        }
      }
      return -1;
    }
    case F_PATH:
      out.path = b.toString('latin1', from, pathEnd(b, from, to));
      return 1;
    case F_STATUS:
      return status(b, from, to, out);
    case F_LATENCY:
      return latency(b, from, to, out);
    case F_DIGEST:
      out.digest = to > from ? b.toString('latin1', from, to) : null;
      return 1;
    case F_ERROR:
      out.error = to > from ? b.toString('latin1', from, to) : null;
      return 1;
    case F_OUTCOME:
      out.outcome = eq(b, from, to, K.good)
        ? 0
        : eq(b, from, to, K.bad)
          ? 1
          : eq(b, from, to, K.excluded)
            ? 2
            : -1;
      return 1;
    default:
      return -1;
  }
}

/** The path ends at a query or a fragment. */
function pathEnd(b: Uint8Array, from: number, to: number): number {
  for (let k = from; k < to; k++) {
    const c = b[k];
    if (c === 63 || c === 35) return k;
  }
  return to;
}

export function literalValue(field: number, b: Buffer, from: number, to: number, out: LogRecord): number {
  const isNull = eq(b, from, to, K.null);
  switch (field) {
    case F_STATUS:
      return status(b, from, to, out);
    case F_LATENCY:
      if (isNull) return 1; // latencyMs is already NaN
      return latency(b, from, to, out);
    case F_DIGEST:
    case F_ERROR:
      return isNull || (field === F_ERROR && eq(b, from, to, K.false)) ? 1 : -1;
    case F_ABORTED:
      if (eq(b, from, to, K.true)) out.clientAborted = true;
      else if (eq(b, from, to, K.false)) out.clientAborted = false;
      else if (!isNull) return -1;
      return 1;
    case F_SYNTHETIC:
      if (eq(b, from, to, K.true)) out.synthetic = true;
      else if (!isNull && !eq(b, from, to, K.false)) return -1;
      return 1;
    case F_OUTCOME:
      return 1;
    default:
      // Epoch-millisecond times and non-string methods or paths: parse.ts.
      return -1;
  }
}

function status(b: Uint8Array, from: number, to: number, out: LogRecord): number {
  if (to <= from || to - from > 3) return -1;
  let v = 0;
  for (let k = from; k < to; k++) {
    const d = b[k]! - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  out.status = v;
  return 1;
}

/** parse.ts's decimal() for the forms it reads without Number(); -1 for the others. */
function latency(b: Uint8Array, from: number, to: number, out: LogRecord): number {
  let m = 0;
  let digits = 0;
  let scale = -1;
  for (let k = from; k < to; k++) {
    const c = b[k]!;
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (scale >= 0) scale++;
    } else if (c === 46 && scale < 0) scale = 0;
    else return -1;
  }
  if (digits === 0 || digits > 15 || scale === 0) return -1;
  out.latencyMs = scale > 0 ? m / POW10[scale]! : m;
  return 1;
}

function two(b: Uint8Array, i: number): number {
  const h = b[i]! - 48;
  const l = b[i + 1]! - 48;
  return h >= 0 && h <= 9 && l >= 0 && l <= 9 ? h * 10 + l : -1;
}

const cachedDate = new Uint8Array(10);
let cachedDayMs = Number.NaN;

/**
 * The sidecar's own form only, `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, with time.ts's
 * arithmetic; NaN for anything else (time.ts then decides, with its message).
 */
export function rfc3339Bytes(b: Uint8Array, from: number, to: number): number {
  if (to - from < 20 || b[to - 1] !== 90) return Number.NaN;
  let day = cachedDayMs;
  let same = !Number.isNaN(day);
  for (let k = 0; same && k < 10; k++) same = b[from + k] === cachedDate[k];
  if (!same) {
    if (b[from + 4] !== 45 || b[from + 7] !== 45) return Number.NaN;
    const hi = two(b, from);
    const lo = two(b, from + 2);
    const month = two(b, from + 5);
    const d = two(b, from + 8);
    if (hi < 0 || lo < 0 || month < 1 || month > 12 || d < 1) return Number.NaN;
    const year = hi * 100 + lo;
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    const dim =
      month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
    if (d > dim) return Number.NaN;
    day = daysFromCivil(year, month, d) * 86_400_000;
    cachedDate.set(b.subarray(from, from + 10));
    cachedDayMs = day;
  }
  if (b[from + 10] !== 84 || b[from + 13] !== COLON || b[from + 16] !== COLON) return Number.NaN;
  const hour = two(b, from + 11);
  const minute = two(b, from + 14);
  const second = two(b, from + 17);
  // Leap seconds (:60) and the rest: time.ts.
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return Number.NaN;
  let ms = 0;
  let i = from + 19;
  if (b[i] === 46) {
    i++;
    const fracStart = i;
    let scale = 100;
    while (i < to - 1) {
      const d = b[i]! - 48;
      if (d < 0 || d > 9) return Number.NaN;
      ms += d * scale;
      scale /= 10;
      i++;
    }
    if (i === fracStart) return Number.NaN;
    ms = Math.floor(ms);
  }
  if (i !== to - 1) return Number.NaN;
  return day + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}
