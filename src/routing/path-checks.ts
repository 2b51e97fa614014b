/**
 * The two path rules find-my-way does not enforce, kept to a scan without allocation
 * because they run on every lookup.
 */

const SLASH = 47;
const DOT = 46;
const PERCENT = 37;
const TWO = 50;
const LOWER_E = 101;

/**
 * True when a segment of `path` is `.` or `..`, written plainly or percent-encoded (`%2e`,
 * `%2E`, mixed): find-my-way decodes `%2e` before matching, so both spellings are the same
 * segment to it.
 */
export function hasDotSegment(path: string): boolean {
  // Most API paths have neither a '.' nor a '%': two native scans settle them.
  if (path.indexOf('.') === -1 && path.indexOf('%') === -1) return false;
  let start = 1;
  const length = path.length;
  for (let i = 1; i <= length; i++) {
    if (i === length || path.charCodeAt(i) === SLASH) {
      if (i > start && isDotSegment(path, start, i)) return true;
      start = i + 1;
    }
  }
  return false;
}

function isDotSegment(path: string, start: number, end: number): boolean {
  let dots = 0;
  let i = start;
  while (i < end) {
    const c = path.charCodeAt(i);
    if (c === DOT) {
      i += 1;
    } else if (
      c === PERCENT &&
      path.charCodeAt(i + 1) === TWO &&
      (path.charCodeAt(i + 2) | 0x20) === LOWER_E
    ) {
      i += 3;
    } else {
      return false;
    }
    dots++;
    if (dots > 2) return false;
  }
  return dots > 0;
}

/**
 * True when one of the route's parameters matched nothing. find-my-way lets a parameter
 * take an empty segment (`/v1/payments/` against `/v1/payments/:p0`); an id is never empty.
 */
export function hasEmptyParam(
  params: { readonly [key: string]: string | undefined },
  keys: readonly string[],
): boolean {
  for (let i = 0; i < keys.length; i++) {
    const value = params[keys[i]!];
    if (value === undefined || value.length === 0) return true;
  }
  return false;
}
