/**
 * Reads a route's per-request payment method (or its one per-request instrument field) from
 * a request header or a query parameter, as the index of the value in the configured list
 * (the list's length for `other`). Never the body: the body streams to the upstream untouched.
 *
 * Hot path: it scans `req.rawHeaders` (which Node has built anyway; `req.headers` would build
 * a second object) and the raw target in place, comparing characters without slicing, so a
 * request allocates nothing here. Query values are compared as sent (no percent-decoding):
 * identifiers such as `card` or `VISA` never need encoding, and anything else is `other`.
 */
import type { IncomingMessage } from 'node:http';
import type { ResolvedRoute, ValueSelector } from '../config/types.js';

/** Case-insensitive (ASCII) comparison of `s[from, to)` with `want`. */
function equalsAt(s: string, from: number, to: number, want: string): boolean {
  if (to - from !== want.length) return false;
  for (let i = 0; i < want.length; i++) {
    let a = s.charCodeAt(from + i);
    let b = want.charCodeAt(i);
    if (a >= 65 && a <= 90) a += 32;
    if (b >= 65 && b <= 90) b += 32;
    if (a !== b) return false;
  }
  return true;
}

function valueIndex(s: string, from: number, to: number, values: readonly string[]): number {
  // Optional whitespace around a header value (RFC 9110 5.5) is not part of it.
  while (from < to && (s.charCodeAt(from) === 32 || s.charCodeAt(from) === 9)) from++;
  while (to > from && (s.charCodeAt(to - 1) === 32 || s.charCodeAt(to - 1) === 9)) to--;
  for (let i = 0; i < values.length; i++) if (equalsAt(s, from, to, values[i]!)) return i;
  return values.length;
}

function fromHeaders(raw: readonly string[], sel: ValueSelector): number {
  const name = sel.name;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i]!;
    if (equalsAt(key, 0, key.length, name)) {
      const value = raw[i + 1]!;
      return valueIndex(value, 0, value.length, sel.values);
    }
  }
  return sel.values.length;
}

function fromQuery(target: string, sel: ValueSelector): number {
  const q = target.indexOf('?');
  if (q < 0) return sel.values.length;
  const end = target.indexOf('#', q) < 0 ? target.length : target.indexOf('#', q);
  let start = q + 1;
  while (start <= end) {
    let amp = target.indexOf('&', start);
    if (amp < 0 || amp > end) amp = end;
    let eq = target.indexOf('=', start);
    if (eq < 0 || eq > amp) eq = amp;
    if (equalsAt(target, start, eq, sel.name)) {
      return eq === amp ? sel.values.length : valueIndex(target, eq + 1, amp, sel.values);
    }
    start = amp + 1;
  }
  return sel.values.length;
}

/** One selector per route index (undefined: the route's method is static or absent). */
export class MethodReader {
  private readonly selectors: (ValueSelector | undefined)[];

  constructor(routes: readonly ResolvedRoute[]) {
    this.selectors = routes.map((r) => r.payment?.methodFrom ?? r.payment?.instrumentFrom?.selector);
  }

  /** The variant of this request on its route: 0 for a static method, the value's index otherwise. */
  variantOf(routeIndex: number, req: IncomingMessage): number {
    const sel = this.selectors[routeIndex];
    if (sel === undefined) return 0;
    return sel.source === 'header' ? fromHeaders(req.rawHeaders, sel) : fromQuery(req.url ?? '', sel);
  }
}
