/**
 * The fields replay reads from an access-log line, and the checks on each value: shared by
 * the scanner and the JSON.parse path of parse.ts, so both judge a value alike.
 */
import { parseRfc3339 } from './time.js';

/** The parsed fields of one line; reused for every line (no allocation per line). */
export interface LogRecord {
  timeMs: number;
  method: string;
  path: string;
  status: number;
  /** NaN when the line has none. */
  latencyMs: number;
  digest: string | null;
  error: string | null;
  /** `client_aborted` when present, else null (replay then decides from status and error). */
  clientAborted: boolean | null;
  /**
   * The sidecar's own classification (`outcome`: good 0, bad 1, excluded 2, as
   * telemetry/classify.ts codes them), or -1 when the line has none or another value.
   */
  outcome: number;
  /**
   * `"synthetic":true`: a probe request (src/probes), counted apart as the live recorder
   * counts it, so an SLO takes it only with `include_synthetic`.
   */
  synthetic: boolean;
  /**
   * Which latency the line gave, as an index into its format's `latencySources`
   * (formats/common.ts), or -1 when it gave none.
   */
  source: number;
  /** Why the last line was rejected. */
  problem: string;
}

export function newRecord(): LogRecord {
  return {
    timeMs: 0,
    method: '',
    path: '',
    status: 0,
    latencyMs: Number.NaN,
    digest: null,
    error: null,
    clientAborted: null,
    outcome: -1,
    synthetic: false,
    source: -1,
    problem: '',
  };
}

/**
 * Epoch milliseconds below this are almost certainly seconds (before 1973-03-03 as ms):
 * rejected with a hint rather than replayed into 1970.
 */
const MIN_EPOCH_MS = 1e11;

// Field ids of the fast path.
export const F_NONE = 0;
export const F_TIME = 1;
export const F_METHOD = 2;
export const F_PATH = 3;
export const F_STATUS = 4;
export const F_LATENCY = 5;
export const F_DIGEST = 6;
export const F_ERROR = 7;
export const F_ABORTED = 8;
export const F_OUTCOME = 9;
export const F_SYNTHETIC = 10;

// Bits of the fields seen.
export const SEEN_TIME = 1;
export const SEEN_METHOD = 2;
export const SEEN_PATH = 4;
export const SEEN_STATUS = 8;
export const REQUIRED = SEEN_TIME | SEEN_METHOD | SEEN_PATH | SEEN_STATUS;

/** s[from, from + word.length) equals `word` (the first characters already checked by the caller). */
export function same(s: string, from: number, word: string): boolean {
  for (let j = 1; j < word.length; j++) if (s.charCodeAt(from + j) !== word.charCodeAt(j)) return false;
  return true;
}

/**
 * Field id of the key at s[from, to) (the characters between the quotes). Length and first
 * character reject the keys replay ignores without a builtin call (startsWith cost ~15 ns
 * a key here).
 */
export function fieldId(s: string, from: number, to: number): number {
  const c = s.charCodeAt(from);
  switch (to - from) {
    case 4:
      if (c === 116 && same(s, from, 'time')) return F_TIME;
      if (c === 112 && same(s, from, 'path')) return F_PATH;
      return F_NONE;
    case 5:
      return c === 101 && same(s, from, 'error') ? F_ERROR : F_NONE;
    case 6:
      if (c === 109 && same(s, from, 'method')) return F_METHOD;
      if (c === 115 && same(s, from, 'status')) return F_STATUS;
      if (c === 100 && same(s, from, 'digest')) return F_DIGEST;
      return F_NONE;
    case 10:
      return c === 108 && same(s, from, 'latency_ms') ? F_LATENCY : F_NONE;
    case 7:
      return c === 111 && same(s, from, 'outcome') ? F_OUTCOME : F_NONE;
    case 14:
      return c === 99 && same(s, from, 'client_aborted') ? F_ABORTED : F_NONE;
    case 9:
      return c === 115 && same(s, from, 'synthetic') ? F_SYNTHETIC : F_NONE;
    default:
      return F_NONE;
  }
}

/** The reason a field was rejected; kept on the record by the callers that need it. */
export function fail(out: LogRecord, problem: string): 0 {
  out.problem = problem;
  return 0;
}

/**
 * The next position of one character in the current block of lines. Lines arrive in
 * order, so one forward indexOf per occurrence serves every line of the block: asking
 * "is there a backslash (or a `?`) in this line" costs O(1) amortised, where a loop over
 * the line's characters costs ~2.5 ns a character (measured on the bench machine) and an
 * unbounded indexOf could run to the end of the block for every line.
 */
export class NextChar {
  private block = '';
  private from = 0;
  private pos = -1;
  constructor(private readonly char: string) {}

  /** Index of the first occurrence in s[start, end), or -1. */
  find(s: string, start: number, end: number): number {
    if (s !== this.block || start < this.from || (this.pos >= 0 && this.pos < start)) {
      this.block = s;
      this.from = start;
      this.pos = s.indexOf(this.char, start);
    }
    return this.pos >= 0 && this.pos < end ? this.pos : -1;
  }
}

const nextQuery = new NextChar('?');
const nextFragment = new NextChar('#');

/** good 0, bad 1, excluded 2 (classify.ts's codes), -1 for anything else. */
function outcomeOf(s: string, from: number, to: number): number {
  const n = to - from;
  const c = s.charCodeAt(from);
  if (n === 4 && c === 103 && same(s, from, 'good')) return 0;
  if (n === 3 && c === 98 && same(s, from, 'bad')) return 1;
  if (n === 8 && c === 101 && same(s, from, 'excluded')) return 2;
  return -1;
}

export function seenBit(field: number): number {
  if (field === F_TIME) return SEEN_TIME;
  if (field === F_METHOD) return SEEN_METHOD;
  if (field === F_PATH) return SEEN_PATH;
  if (field === F_STATUS) return SEEN_STATUS;
  return 0;
}

export function checkRequired(seen: number, out: LogRecord): 0 | 1 {
  if ((seen & REQUIRED) === REQUIRED) return 1;
  if ((seen & SEEN_TIME) === 0) return fail(out, 'no "time"');
  if ((seen & SEEN_METHOD) === 0) return fail(out, 'no "method"');
  if ((seen & SEEN_PATH) === 0) return fail(out, 'no "path"');
  return fail(out, 'no "status"');
}

export function stringField(field: number, s: string, from: number, to: number, out: LogRecord): number {
  switch (field) {
    case F_TIME: {
      const t = parseRfc3339(s, from, to);
      if (Number.isNaN(t)) return fail(out, '"time" is not an RFC 3339 timestamp or epoch milliseconds');
      out.timeMs = t;
      return 1;
    }
    case F_METHOD:
      if (to === from) return fail(out, '"method" is empty');
      out.method = knownMethod(s, from, to) ?? s.slice(from, to);
      return 1;
    case F_PATH:
      out.path = stripQuery(s, from, to);
      return 1;
    case F_STATUS:
      return setStatus(parseDigits(s, from, to), out);
    case F_LATENCY:
      return setLatency(decimal(s, from, to), out);
    case F_DIGEST:
      out.digest = to > from ? s.slice(from, to) : null;
      return 1;
    case F_ERROR:
      out.error = to > from ? s.slice(from, to) : null;
      return 1;
    case F_OUTCOME:
      out.outcome = outcomeOf(s, from, to);
      return 1;
    case F_SYNTHETIC:
      return fail(out, '"synthetic" is not a boolean');
    default:
      return fail(out, '"client_aborted" is not a boolean');
  }
}

export function literalField(field: number, s: string, from: number, to: number, out: LogRecord): number {
  const isNull = to - from === 4 && s.startsWith('null', from);
  switch (field) {
    case F_TIME:
      return setEpochMs(Number(s.slice(from, to)), out);
    case F_STATUS:
      return setStatus(parseDigits(s, from, to), out);
    case F_LATENCY:
      if (isNull) {
        out.latencyMs = Number.NaN;
        return 1;
      }
      return setLatency(decimal(s, from, to), out);
    case F_DIGEST:
      if (!isNull) return fail(out, '"digest" is not a string');
      out.digest = null;
      return 1;
    case F_ERROR:
      if (!isNull && !(to - from === 5 && s.startsWith('false', from)))
        return fail(out, '"error" is not a string');
      out.error = null;
      return 1;
    case F_ABORTED:
      if (to - from === 4 && s.startsWith('true', from)) out.clientAborted = true;
      else if (to - from === 5 && s.startsWith('false', from)) out.clientAborted = false;
      else if (isNull) out.clientAborted = null;
      else return fail(out, '"client_aborted" is not a boolean');
      return 1;
    case F_OUTCOME:
      return 1;
    case F_SYNTHETIC:
      // Only `true` marks a probe; false or null is the merchant's own request.
      if (to - from === 4 && s.startsWith('true', from)) out.synthetic = true;
      else if ((to - from === 5 && s.startsWith('false', from)) || isNull) out.synthetic = false;
      else return fail(out, '"synthetic" is not a boolean');
      return 1;
    case F_METHOD:
      return fail(out, '"method" is not a string');
    default:
      return fail(out, '"path" is not a string');
  }
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * `123.456` without a slice: digits over a power of ten. Both are exact in a double below
 * 2^53 and the division is correctly rounded, so this is the number Number() gives; other
 * forms (exponents, signs, 16+ digits) go through Number().
 */
function decimal(s: string, from: number, to: number): number {
  let m = 0;
  let digits = 0;
  let scale = -1;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (scale >= 0) scale++;
    } else if (c === 46 && scale < 0) scale = 0;
    else return to > from ? Number(s.slice(from, to)) : Number.NaN;
  }
  if (digits === 0 || digits > 15 || scale === 0) return to > from ? Number(s.slice(from, to)) : Number.NaN;
  return scale > 0 ? m / POW10[scale]! : m;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/**
 * The constant string of a common method: no allocation per line, and its hash is cached
 * for the route cache's Map lookups.
 */
function knownMethod(s: string, from: number, to: number): string | undefined {
  const c = s.charCodeAt(from);
  for (const m of METHODS) if (m.length === to - from && m.charCodeAt(0) === c && same(s, from, m)) return m;
  return undefined;
}

/** A non-negative integer written with 1-3 digits, else -1. */
function parseDigits(s: string, from: number, to: number): number {
  if (to <= from || to - from > 3) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function setStatus(status: number, out: LogRecord): number {
  if (status < 0) return fail(out, '"status" is not an integer from 0 to 999');
  out.status = status;
  return 1;
}

function setLatency(ms: number, out: LogRecord): number {
  if (!(ms >= 0) || ms === Number.POSITIVE_INFINITY)
    return fail(out, '"latency_ms" is not a non-negative number');
  out.latencyMs = ms;
  return 1;
}

function setEpochMs(ms: number, out: LogRecord): number {
  if (!Number.isFinite(ms)) return fail(out, '"time" is not an RFC 3339 timestamp or epoch milliseconds');
  if (ms < MIN_EPOCH_MS) return fail(out, '"time" looks like epoch seconds; epoch milliseconds expected');
  out.timeMs = Math.floor(ms);
  return 1;
}

/** The path without `?query` or `#fragment`. */
function stripQuery(s: string, from: number, to: number): string {
  let cut = nextQuery.find(s, from, to);
  const hash = nextFragment.find(s, from, cut >= 0 ? cut : to);
  if (hash >= 0) cut = hash;
  return s.slice(from, cut >= 0 ? cut : to);
}
