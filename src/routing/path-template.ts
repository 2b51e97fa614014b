/**
 * Route paths as users write them (`/hpp/v1/sessions`, `/orders/{order_id}/captures`,
 * `/ordermanagement/*`) translated into find-my-way patterns.
 *
 * Parameter names are replaced by positional ones (`:p0`, `:p1`, ...). Real OpenAPI maps
 * name the same position differently from one path to the next (Adyen's
 * `/balanceAccounts/{balanceAccountId}/sweeps` next to `/balanceAccounts/{id}`); only the
 * position decides what a request matches, so only the position is registered, and two
 * templates that differ by parameter names alone are the same route shape. The path as
 * written is kept for display.
 *
 * The config loader can call `parseRouteTemplate` to reject a bad path with its position in
 * the file; `RouteTable` calls it again and refuses what it refuses.
 */

export interface RouteTemplate {
  /** The path as written in the config. */
  readonly source: string;
  /**
   * The find-my-way pattern of the exact path. For a prefix (`/ordermanagement/*`) it is the
   * bare prefix (`/ordermanagement`, or `''` for `/*`), which the prefix matches too.
   */
  readonly pattern: string;
  /** True for `/x/*`: the route matches `/x` and every path under `/x/`. */
  readonly prefix: boolean;
  /** The wildcard pattern of a prefix (`/ordermanagement/*`); `undefined` otherwise. */
  readonly wildcard: string | undefined;
  /** Parameter names as written, in order: `['order_id']`. */
  readonly params: readonly string[];
  /** The positional names registered with find-my-way, in the same order: `['p0']`. */
  readonly keys: readonly string[];
  /** The pattern with every parameter written `{}`: what makes two templates the same shape. */
  readonly shape: string;
}

export type TemplateResult =
  | { readonly ok: true; readonly template: RouteTemplate }
  | { readonly ok: false; readonly problem: string };

// RFC 3986 pchar without percent-encoding: unreserved, sub-delims, ':' and '@'; '{' and
// '}' delimit parameters. Anything else cannot be written literally in a request target.
const SEGMENT_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@{}%]*$/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/** Parses and validates a route path; never throws. */
export function parseRouteTemplate(path: unknown): TemplateResult {
  if (typeof path !== 'string' || path.length === 0) {
    return fail('a route path must be a non-empty string starting with "/"');
  }
  if (path.charCodeAt(0) !== 47) return fail(`"${path}" must start with "/"`);
  if (path.includes('?') || path.includes('#')) {
    return fail(`"${path}" has a query or fragment: routes match the path only`);
  }

  const prefix = path === '/*' || path.endsWith('/*');
  const body = prefix ? path.slice(0, -2) : path;
  // '/' alone is the root; otherwise a trailing '/' is kept as written (matched strictly).
  const segments = body.length <= 1 ? [] : body.slice(1).split('/');
  const trailingSlash = !prefix && segments.length > 0 && segments[segments.length - 1] === '';
  if (trailingSlash) segments.pop();

  const params: string[] = [];
  const keys: string[] = [];
  const out: string[] = [];
  const shape: string[] = [];
  for (const segment of segments) {
    if (segment === '') return fail(`"${path}" has an empty segment ("//")`);
    if (segment === '.' || segment === '..') return fail(`"${path}" has a dot segment ("${segment}")`);
    if (segment.includes('*')) {
      return fail(
        `"${path}": "*" is only allowed as the last segment of a prefix, as in "/ordermanagement/*"`,
      );
    }
    if (!SEGMENT_CHARS.test(segment)) {
      return fail(`"${path}" has a character that is not allowed in a path segment ("${segment}")`);
    }
    const open = segment.indexOf('{');
    const close = segment.indexOf('}');
    if (open === -1 && close === -1) {
      const text = decodeStatic(segment);
      if (text === undefined) return fail(badEscape(path, segment));
      out.push(escapeColons(text));
      shape.push(text);
      continue;
    }
    if (close === -1) return fail(`"${path}" has an unclosed "{" in "${segment}"`);
    if (open === -1 || close < open) return fail(`"${path}" has an unmatched "}" in "${segment}"`);
    const name = segment.slice(open + 1, close);
    if (name.length === 0 || name.includes('{')) {
      return fail(`"${path}" has an empty or nested parameter name in "${segment}"`);
    }
    const rawAfter = segment.slice(close + 1);
    if (rawAfter.includes('{') || rawAfter.includes('}')) {
      return fail(`"${path}": one parameter per path segment ("${segment}")`);
    }
    const before = decodeStatic(segment.slice(0, open));
    const after = decodeStatic(rawAfter);
    if (before === undefined || after === undefined) return fail(badEscape(path, segment));
    const key = `p${keys.length}`;
    params.push(name);
    keys.push(key);
    shape.push(`${before}{}${after}`);
    out.push(escapeColons(before) + paramPattern(key, before, after) + escapeColons(after));
  }

  const joined = segments.length === 0 ? '' : `/${out.join('/')}`;
  const pattern = prefix ? joined : trailingSlash || joined === '' ? `${joined}/` : joined;
  const shapeJoined = shape.length === 0 ? '' : `/${shape.join('/')}`;
  const shapeText = prefix
    ? `${shapeJoined}/*`
    : trailingSlash || shapeJoined === ''
      ? `${shapeJoined}/`
      : shapeJoined;
  return {
    ok: true,
    template: Object.freeze({
      source: path,
      pattern,
      prefix,
      wildcard: prefix ? `${joined}/*` : undefined,
      params: Object.freeze(params),
      keys: Object.freeze(keys),
      shape: shapeText,
    }),
  };
}

/**
 * A parameter that fills its segment is a plain find-my-way parameter (the fast kind).
 * One that shares its segment with literal text (`acct_{id}`, `{file}.pdf`, `{name}:cancel`)
 * gets an explicit non-empty regex: find-my-way only recognises '-' and '.' as the start of
 * a literal suffix, and a regex also keeps `acct_` alone from matching with an empty value.
 * `(.+?)` has star height 1, which find-my-way's safe-regex check accepts.
 */
function paramPattern(key: string, before: string, after: string): string {
  if (before === '' && after === '') return `:${key}`;
  return after === '' ? `:${key}(.+)` : `:${key}(.+?)`;
}

/**
 * find-my-way matches the request path after `decodeURI`, which decodes every escape except
 * those of reserved characters. Decoding the literal text of a template the same way makes
 * `/caf%C3%A9` match what the request decodes to. An escape `decodeURI` keeps (`%2F`, `%3A`,
 * `%25`, ...) could never match, nor a decoded `*` (find-my-way's wildcard): refused.
 */
function decodeStatic(text: string): string | undefined {
  if (!text.includes('%')) return text;
  if (BAD_ESCAPE.test(text)) return undefined;
  let decoded: string;
  try {
    decoded = decodeURI(text);
  } catch {
    return undefined;
  }
  return decoded.includes('%') || decoded.includes('*') ? undefined : decoded;
}

function badEscape(path: string, segment: string): string {
  return (
    `"${path}": "${segment}" has a percent-escape a request cannot match here ` +
    '(malformed, or encoding "/", "%", "*" or another reserved character)'
  );
}

// find-my-way reads ':' as the start of a parameter; '::' is a literal colon.
function escapeColons(text: string): string {
  return text.replaceAll(':', '::');
}

function fail(problem: string): TemplateResult {
  return { ok: false, problem };
}
