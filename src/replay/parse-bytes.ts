/**
 * sloprobe's own log lines read from bytes: the parse workers' fast path (parse-worker.ts).
 *
 * The same scanner as parse.ts's, over a Uint8Array instead of a string: on the bench
 * machine a byte loop costs about half of a charCodeAt loop (1.2 against 2.4 ns a
 * character, measured under load), and a string method call (indexOf) ~30 ns, of which
 * parse.ts makes two per key. It also saves decoding the block: a worker's work on the
 * bench log fell by 5-30% (four A/B pairs, CPU time, load 20+). It takes only the plain
 * lines parse.ts's fast path takes, and fewer: any value it does not accept as is (a
 * problem, an unusual time form, a number Number() would have to read) answers -1, and
 * the caller parses that line's text with parseLine, so every verdict and every message
 * is parse.ts's. Called only for ASCII blocks: a byte is then a character. The values
 * are read in byte-values.ts.
 */
import type { Buffer } from 'node:buffer';
import { eq, literalValue, rfc3339Bytes, stringValue } from './byte-values.js';
import {
  F_ABORTED,
  F_DIGEST,
  F_ERROR,
  F_LATENCY,
  F_METHOD,
  F_NONE,
  F_OUTCOME,
  F_PATH,
  F_STATUS,
  F_SYNTHETIC,
  F_TIME,
  type LogRecord,
  REQUIRED,
  SEEN_PATH,
  SEEN_TIME,
  seenBit,
} from './fields.js';

const QUOTE = 34;
const COLON = 58;
const COMMA = 44;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const BACKSLASH = 92;

/**
 * Where the path (without its query) and the logged route name lie in the line, for the
 * caller that reads them from the bytes (lines.ts, logged-route.ts); routeFrom is -1 when
 * the line names no route.
 */
export class ByteSpans {
  pathFrom = 0;
  pathTo = 0;
  routeFrom = -1;
  routeTo = -1;
}

/** The `route` key: not a field of parse.ts (any string passes), only a hint. */
const F_ROUTE_HINT = -2;

const enc = (w: string) => Uint8Array.from(w, (c) => c.charCodeAt(0));
const K = {
  time: enc('time'),
  path: enc('path'),
  error: enc('error'),
  route: enc('route'),
  method: enc('method'),
  status: enc('status'),
  digest: enc('digest'),
  latency: enc('latency_ms'),
  outcome: enc('outcome'),
  aborted: enc('client_aborted'),
  synthetic: enc('synthetic'),
};

function fieldIdBytes(b: Uint8Array, from: number, to: number): number {
  switch (to - from) {
    case 4:
      if (eq(b, from, to, K.time)) return F_TIME;
      return eq(b, from, to, K.path) ? F_PATH : F_NONE;
    case 5:
      if (eq(b, from, to, K.error)) return F_ERROR;
      return eq(b, from, to, K.route) ? F_ROUTE_HINT : F_NONE;
    case 6:
      if (eq(b, from, to, K.method)) return F_METHOD;
      if (eq(b, from, to, K.status)) return F_STATUS;
      return eq(b, from, to, K.digest) ? F_DIGEST : F_NONE;
    case 7:
      return eq(b, from, to, K.outcome) ? F_OUTCOME : F_NONE;
    case 9:
      return eq(b, from, to, K.synthetic) ? F_SYNTHETIC : F_NONE;
    case 10:
      return eq(b, from, to, K.latency) ? F_LATENCY : F_NONE;
    case 14:
      return eq(b, from, to, K.aborted) ? F_ABORTED : F_NONE;
    default:
      return F_NONE;
  }
}

/**
 * The keys of the last line, by position: the sidecar writes its keys in one order, so the
 * key at position k is nearly always the one seen there before, and one comparison with it
 * replaces the scan for its closing quote and the search for its field. A learned key had
 * no backslash and is followed by a quote here, so it is that same key: the same field.
 */
const LEARNED_KEYS = 24;
const LEARNED_MAX = 32;
const learnedBytes = new Uint8Array(LEARNED_KEYS * LEARNED_MAX);
const learnedLength = new Int32Array(LEARNED_KEYS);
const learnedField = new Int32Array(LEARNED_KEYS);

function learnedAt(b: Uint8Array, from: number, k: number, n: number): boolean {
  const at = k * LEARNED_MAX;
  for (let j = 0; j < n; j++) if (b[from + j] !== learnedBytes[at + j]) return false;
  return true;
}

function learn(b: Uint8Array, from: number, to: number, k: number, field: number): void {
  const n = to - from;
  if (n === 0 || n > LEARNED_MAX) {
    learnedLength[k] = 0;
    return;
  }
  learnedBytes.set(b.subarray(from, to), k * LEARNED_MAX);
  learnedLength[k] = n;
  learnedField[k] = field;
}

/**
 * Parses b[start, end) into `out`: 1 parsed, -1 for anything else (the caller then
 * parses the line's text with parseLine, whose verdict and message stand). With `spans`,
 * `out.path` is not built: the path's place is in `spans`, with the logged route's.
 */
export function fastParseBytes(
  b: Buffer,
  start: number,
  end: number,
  out: LogRecord,
  spans?: ByteSpans,
): number {
  return fastParseLine(b, start, end, out, spans) === end ? 1 : -1;
}

const NEWLINE = 10;
/** What ends a string (1: its quote) or refuses it (2: an escape, a line break). */
const IN_STRING = new Uint8Array(256);
IN_STRING[QUOTE] = 1;
IN_STRING[BACKSLASH] = 2;
IN_STRING[NEWLINE] = 2;
/** IN_STRING, and 3 for what ends a path (its query or fragment). */
const IN_PATH = IN_STRING.slice();
IN_PATH[63] = 3;
IN_PATH[35] = 3;
/** `2025-03-01T00:00:00.669Z`: the sidecar's times (toISOString). */
const ISO_LENGTH = 24;
/** What ends a literal (1: `,` or `}`) or refuses it (2: nested values, spaces, escapes). */
const IN_LITERAL = new Uint8Array(256);
IN_LITERAL[COMMA] = 1;
IN_LITERAL[CLOSE_BRACE] = 1;
for (const c of [QUOTE, 91, OPEN_BRACE, 32, 9, 13, BACKSLASH, NEWLINE]) IN_LITERAL[c] = 2;

/**
 * fastParseBytes for the line that starts at `start` in a block that ends at `end`: the
 * index of the line's end (its newline, or `end`) when parsed, else -1 (and the caller
 * finds the line's end itself). The scan refuses a line break inside the line's values,
 * so it never reads into the next line, and its end comes free: one indexOf call a line
 * was ~7% of a worker's time. Byte classes are looked up in a table: one load in place of
 * up to nine comparisons a byte.
 */
export function fastParseLine(
  b: Buffer,
  start: number,
  end: number,
  out: LogRecord,
  spans?: ByteSpans,
): number {
  let i = start;
  if (spans !== undefined) spans.routeFrom = -1;
  if (b[i] !== OPEN_BRACE) return -1;
  i++;
  out.latencyMs = Number.NaN;
  out.digest = null;
  out.error = null;
  out.clientAborted = null;
  out.outcome = -1;
  out.synthetic = false;
  let seen = 0;
  for (let k = 0; ; k++) {
    if (b[i] !== QUOTE) return -1;
    const keyStart = i + 1;
    let keyEnd = keyStart;
    let field: number;
    const known = k < LEARNED_KEYS ? learnedLength[k]! : 0;
    if (
      known > 0 &&
      keyStart + known < end &&
      b[keyStart + known] === QUOTE &&
      learnedAt(b, keyStart, k, known)
    ) {
      keyEnd = keyStart + known;
      field = learnedField[k]!;
    } else {
      for (;;) {
        if (keyEnd >= end) return -1;
        const t = IN_STRING[b[keyEnd]!]!;
        if (t === 1) break;
        if (t === 2) return -1;
        keyEnd++;
      }
      field = fieldIdBytes(b, keyStart, keyEnd);
      if (k < LEARNED_KEYS) learn(b, keyStart, keyEnd, k, field);
    }
    if (b[keyEnd + 1] !== COLON) return -1;
    i = keyEnd + 2;
    let valueEnd: number;
    if (b[i] === QUOTE) {
      if (field === F_TIME && i + ISO_LENGTH + 1 < end && b[i + ISO_LENGTH + 1] === QUOTE) {
        // toISOString's 24 characters: read at once, as rfc3339Bytes checks every one of
        // them (no quote, escape or line break can be among them).
        const t = rfc3339Bytes(b, i + 1, i + 1 + ISO_LENGTH);
        if (!Number.isNaN(t)) {
          out.timeMs = t;
          seen |= SEEN_TIME;
          i += ISO_LENGTH + 2;
          if (i >= end) return -1;
          const c = b[i++];
          if (c === COMMA) continue;
          if (c === CLOSE_BRACE) break;
          return -1;
        }
      }
      let strEnd = i + 1;
      let cut = -1;
      if (field === F_PATH) {
        // The path's end (a query or a fragment) found in the same pass.
        for (;;) {
          if (strEnd >= end) return -1;
          const t = IN_PATH[b[strEnd]!]!;
          if (t !== 0) {
            if (t === 1) break;
            if (t === 2) return -1;
            if (cut < 0) cut = strEnd;
          }
          strEnd++;
        }
      } else {
        for (;;) {
          if (strEnd >= end) return -1;
          const t = IN_STRING[b[strEnd]!]!;
          if (t === 1) break;
          if (t === 2) return -1;
          strEnd++;
        }
      }
      valueEnd = strEnd + 1;
      if (field === F_ROUTE_HINT) {
        if (spans !== undefined) {
          spans.routeFrom = i + 1;
          spans.routeTo = strEnd;
        }
      } else if (field === F_PATH && spans !== undefined) {
        spans.pathFrom = i + 1;
        spans.pathTo = cut >= 0 ? cut : strEnd;
        seen |= SEEN_PATH;
      } else if (field !== F_NONE) {
        if (stringValue(field, b, i + 1, strEnd, out) !== 1) return -1;
        seen |= seenBit(field);
      }
    } else {
      valueEnd = i;
      for (;;) {
        if (valueEnd >= end) break;
        const t = IN_LITERAL[b[valueEnd]!]!;
        if (t === 1) break;
        // Nested values, spaces, escapes: parse.ts's business.
        if (t === 2) return -1;
        valueEnd++;
      }
      if (valueEnd === i) return -1;
      if (field !== F_NONE && field !== F_ROUTE_HINT) {
        if (literalValue(field, b, i, valueEnd, out) !== 1) return -1;
        seen |= seenBit(field);
      }
    }
    i = valueEnd;
    if (i >= end) return -1;
    const c = b[i++];
    if (c === COMMA) continue;
    if (c === CLOSE_BRACE) break;
    return -1;
  }
  if ((seen & REQUIRED) !== REQUIRED) return -1;
  // The line ends here; only a carriage return may come first (a CRLF file), parse.ts
  // judges anything else.
  if (i === end || b[i] === NEWLINE) return i;
  if (b[i] === 13 && (i + 1 === end || b[i + 1] === NEWLINE)) return i + 1;
  return -1;
}
