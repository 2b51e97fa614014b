/**
 * Maps each proxied request (method, path) to one configured route, or to `unmatched`.
 * Built once from the resolved config on find-my-way 9; `lookup` runs per request.
 *
 * Matching rules (each one tested in test/routing/):
 * - Paths are case-sensitive (RFC 3986 6.2.2.1; payment APIs are) and matched after
 *   find-my-way's percent-decoding: `%76%31` is `v1`, `%2F` stays inside its segment, a
 *   malformed escape (`%zz`) is unmatched.
 * - Static segments beat parameters beat prefixes; a route naming the method beats a `*`
 *   route on the same path (see claims.ts).
 * - Trailing and duplicate slashes are significant, as in OpenAPI and in Envoy's default
 *   matching: `/v1/payments/` is not `/v1/payments`. The sidecar forwards the path as it
 *   came, so the route table sees what the upstream sees.
 * - A parameter is exactly one non-empty segment: `/v1/payments/` does not fill
 *   `/v1/payments/{id}` with an empty id. Such a request falls back to the most specific
 *   enclosing prefix route, or to `unmatched` (also when that prefix has a parameter at the
 *   empty segment: the one case where a coarser prefix is not tried).
 * - A path with a dot segment (`.`, `..`, or `%2e` forms) is `unmatched`: the sidecar does
 *   not normalise it and cannot know what the upstream will make of it.
 * - Method names are case-sensitive (RFC 9110 9.1): `get` is not `GET`. A method that no
 *   route names reaches only the `*` routes, including methods find-my-way does not know.
 * - `lookup` expects the origin-form path without the query; anything not starting with
 *   '/' is `unmatched`.
 */
import { METHODS } from 'node:http';
import Router from 'find-my-way';
import { ConfigError, ConfigErrors } from '../errors.js';
import { type Claim, ClaimErrors, claimTree, type RouteEntry, type RouteItem } from './claims.js';
import { hasDotSegment, hasEmptyParam } from './path-checks.js';
import { parseRouteTemplate } from './path-template.js';
import { type ResolvedRoute, UNCLASSIFIED, UNMATCHED_ROUTE } from './route.js';

type Fmw = Router.Instance<Router.HTTPVersion.V1>;
type FmwMethod = Router.HTTPMethod;

/**
 * The longest path segment a parameter or prefix accepts. find-my-way's default (100) would
 * turn a longer id into `unmatched` without a word. Ids in payment APIs are far shorter
 * (UUIDs are 36 chars; Stripe allows its ids to grow to 255), and Node's default 16 KiB
 * header limit bounds the request target anyway. 2048 keeps 8x headroom over 255 while
 * still bounding the input of the few regex parameters (see path-template.ts). A segment
 * longer than this is counted in `overlongSegments`.
 */
export const MAX_PARAM_LENGTH = 2048;

const SLASH = 47;

// Methods with their own find-my-way tree: those Node's parser accepts that find-my-way
// also registers (probed once, so a find-my-way or Node upgrade cannot make `on` throw).
const TREE_METHODS: ReadonlySet<string> = probeTreeMethods();

// The handler is never called: the route entry is the find-my-way `store`.
function neverCalled(): void {}
const NO_QUERY = Object.freeze({});
// find-my-way parses the query string on every `find`; lookups never pass one, and the
// default parser would allocate an object per call for nothing.
function noQuery(): Record<string, string> {
  return NO_QUERY;
}

function newRouter(): Fmw {
  return Router({
    caseSensitive: true,
    ignoreTrailingSlash: false,
    ignoreDuplicateSlashes: false,
    maxParamLength: MAX_PARAM_LENGTH,
    allowUnsafeRegex: false,
    querystringParser: noQuery,
    // Only set so that an over-long segment is told apart from a miss: find returns a result
    // whose `store` is null (see `resolve`). useSemicolonDelimiter stays off: `;` is path.
    onMaxParamLength: neverCalled,
  });
}

export interface RouteTableOptions {
  /**
   * Compile find-my-way's trees into generated matchers (its `compile()`), default true.
   * Same matches as the tree walk (a test compares them on random paths); about 1.7x the
   * lookups/s on the 105-route fixture map (bench/route-lookup.ts), for ~50 ms at start.
   */
  readonly compile?: boolean;
}

/** One find-my-way instance plus the same prefix routes alone, for the empty-segment fallback. */
interface Matcher {
  readonly all: Fmw;
  readonly prefixes: Fmw;
}

export class RouteTable {
  /** Configured routes followed by the `unmatched` route. */
  readonly routes: readonly ResolvedRoute[];
  readonly unmatchedIndex: number;
  /** Lookups that were `unmatched` only because a segment exceeded `MAX_PARAM_LENGTH`. */
  overlongSegments = 0;

  private readonly standard: Matcher;
  /** Configured methods find-my-way has no tree for, each in its own instance under GET. */
  private readonly custom: ReadonlyMap<string, Matcher>;
  /** `*` routes alone, for methods no route names. */
  private readonly anyMethod: Matcher;

  /** @throws ConfigErrors when a path is invalid or two routes claim the same method and path. */
  constructor(routes: readonly ResolvedRoute[], options: RouteTableOptions = {}) {
    const problems: ConfigError[] = [];
    const items: RouteItem[] = [];
    const customMethods = new Set<string>();
    routes.forEach((route, i) => {
      const before = problems.length;
      checkRoute(route, i, problems);
      const parsed = parseRouteTemplate(route.path);
      if (!parsed.ok) problems.push(new ConfigError(parsed.problem, `routes[${i}].path`));
      if (problems.length !== before || !parsed.ok) return;
      for (const m of route.methods) if (!TREE_METHODS.has(m)) customMethods.add(m);
      const entry: RouteEntry = Object.freeze({ index: i, keys: parsed.template.keys });
      items.push({ route, template: parsed.template, entry });
    });

    const errors = new ClaimErrors();
    const standardClaims = [...TREE_METHODS].map((m) => [m, claimTree(items, m, errors)] as const);
    const customClaims = [...customMethods].map((m) => [m, claimTree(items, m, errors)] as const);
    const anyClaims = claimTree(items, undefined, errors);
    problems.push(...errors.errors);
    if (problems.length > 0) throw new ConfigErrors(problems);

    this.standard = { all: newRouter(), prefixes: newRouter() };
    for (const [m, claims] of standardClaims) register(this.standard, m as FmwMethod, claims);
    this.custom = new Map(customClaims.map(([m, claims]) => [m, registered(claims)]));
    this.anyMethod = registered(anyClaims);
    // The prefix-only instances serve the rare empty-segment fallback: not worth compiling.
    if (options.compile ?? true) {
      for (const matcher of [this.standard, ...this.custom.values(), this.anyMethod]) matcher.all.compile();
    }

    this.unmatchedIndex = routes.length;
    this.routes = Object.freeze([...routes, unmatchedRoute(routes.length)]);
  }

  /**
   * The index of the route serving `method` and `path` (origin-form, no query), or
   * `unmatchedIndex`. Never throws.
   */
  lookup(method: string, path: string): number {
    try {
      if (typeof path !== 'string' || path.charCodeAt(0) !== SLASH || hasDotSegment(path)) {
        return this.unmatchedIndex;
      }
      // The common case first: find-my-way answers null at once for a method it has no tree
      // for, and only then is the method looked at again.
      const found = this.standard.all.find(method as FmwMethod, path);
      if (found !== null) return this.resolve(found, this.standard, method, path);
      if (typeof method !== 'string' || TREE_METHODS.has(method)) return this.unmatchedIndex;
      const matcher = this.custom.get(method) ?? this.anyMethod;
      const other = matcher.all.find('GET', path);
      return other === null ? this.unmatchedIndex : this.resolve(other, matcher, 'GET', path);
    } catch {
      // find-my-way catches its own URL-decoding errors; this is for anything it may not.
      return this.unmatchedIndex;
    }
  }

  private resolve(
    found: Router.FindResult<Router.HTTPVersion.V1>,
    matcher: Matcher,
    method: string,
    path: string,
  ): number {
    const entry = found.store as RouteEntry | null;
    if (entry === null) {
      this.overlongSegments++;
      return this.unmatchedIndex;
    }
    if (entry.keys.length === 0 || !hasEmptyParam(found.params, entry.keys)) return entry.index;
    // A parameter came out empty (`//`, or a trailing '/' where a parameter ends the path):
    // that segment is not the route's, but it may lie under a prefix.
    const fallback = matcher.prefixes.find(method as FmwMethod, path);
    const prefixEntry = fallback === null ? null : (fallback.store as RouteEntry | null);
    if (fallback === null || prefixEntry === null) return this.unmatchedIndex;
    if (prefixEntry.keys.length !== 0 && hasEmptyParam(fallback.params, prefixEntry.keys)) {
      return this.unmatchedIndex;
    }
    return prefixEntry.index;
  }
}

function register(matcher: Matcher, method: FmwMethod, claims: ReadonlyMap<string, Claim>): void {
  for (const [pattern, claim] of claims) {
    matcher.all.on(method, pattern, neverCalled, claim.item.entry);
    if (claim.fromPrefix) matcher.prefixes.on(method, pattern, neverCalled, claim.item.entry);
  }
}

function registered(claims: ReadonlyMap<string, Claim>): Matcher {
  const matcher = { all: newRouter(), prefixes: newRouter() };
  register(matcher, 'GET', claims);
  return matcher;
}

// RFC 9110 5.6.2 token.
const METHOD_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function checkRoute(route: ResolvedRoute, i: number, problems: ConfigError[]): void {
  if (route.index !== i) {
    problems.push(new ConfigError(`index ${route.index} does not match its position ${i}`, `routes[${i}]`));
  }
  if (route.name === UNMATCHED_ROUTE) {
    problems.push(
      new ConfigError(`"${UNMATCHED_ROUTE}" is reserved for unmatched traffic`, `routes[${i}].name`),
    );
  }
  if (!route.anyMethod && route.methods.length === 0) {
    problems.push(new ConfigError('no method: give one, a list, or "*"', `routes[${i}].method`));
  }
  for (const m of route.methods) {
    if (!METHOD_TOKEN.test(m)) {
      problems.push(new ConfigError(`"${m}" is not an HTTP method name`, `routes[${i}].method`));
    }
  }
}

/**
 * The route of every request no configured route matches: one label set, never one per raw
 * path. It has no objectives: `latency` is undefined and `availability` is NaN, so that any
 * budget computed for it by mistake comes out NaN (JSON: null) instead of a plausible
 * number, as an availability of 0 would give.
 */
export function unmatchedRoute(index: number): ResolvedRoute {
  return Object.freeze({
    index,
    name: UNMATCHED_ROUTE,
    methods: Object.freeze([]),
    anyMethod: true,
    path: '*',
    category: UNCLASSIFIED,
    class: UNCLASSIFIED,
    latency: undefined,
    availability: Number.NaN,
    timeoutMs: undefined,
  });
}

function probeTreeMethods(): ReadonlySet<string> {
  const probe = Router();
  const methods = new Set<string>();
  for (const m of METHODS) {
    try {
      probe.on(m as FmwMethod, '/', neverCalled);
      methods.add(m);
    } catch {
      // Not a find-my-way method: requests using it reach only the `*` routes.
    }
  }
  return methods;
}
