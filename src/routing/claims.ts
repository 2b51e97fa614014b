/**
 * Decides, for one method, which route owns each find-my-way pattern before anything is
 * registered (find-my-way throws on a second registration of the same method and pattern).
 *
 * Precedence, most specific first:
 * 1. the path: an exact template or a prefix's wildcard beats the bare path of a prefix
 *    (`GET /ordermanagement` written as its own route beats `/ordermanagement/*` there);
 *    between different patterns find-my-way itself ranks static > parameter > wildcard;
 * 2. the method: a route naming the method beats a `*` route on the same pattern (the Kustom
 *    table, docs/sla-definitions.md#latency-objectives: "Read operations /ordermanagement
 *    (GET)" next to "Other operations /ordermanagement").
 * Two routes equal on both counts are a configuration error.
 */

import { ConfigError } from '../errors.js';
import type { RouteTemplate } from './path-template.js';
import type { ResolvedRoute } from './route.js';

/** What find-my-way stores for a route: its index, and the parameter keys to check. */
export interface RouteEntry {
  readonly index: number;
  readonly keys: readonly string[];
}

export interface RouteItem {
  readonly route: ResolvedRoute;
  readonly template: RouteTemplate;
  readonly entry: RouteEntry;
}

export interface Claim {
  readonly item: RouteItem;
  readonly pattern: string;
  /** True for the patterns a prefix route registers (bare path and wildcard). */
  readonly fromPrefix: boolean;
  readonly rank: number;
}

/** Collects duplicate-route errors across every method tree, each pair once. */
export class ClaimErrors {
  readonly errors: ConfigError[] = [];
  /** The same conflicts as route indexes, first claimant first: what `import openapi` merges. */
  readonly pairs: (readonly [first: number, second: number])[] = [];
  private readonly seen = new Set<string>();

  duplicate(first: RouteItem, second: RouteItem, method: string): void {
    const key = `${first.route.index}:${second.route.index}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.pairs.push([first.route.index, second.route.index]);
    const shown = second.route.anyMethod ? '*' : method;
    const namesOnly =
      first.template.source !== second.template.source
        ? ' (parameter names and trailing text aside, the paths are the same)'
        : '';
    this.errors.push(
      new ConfigError(
        `${shown} ${second.template.source} is already routed by "${first.route.name}" ` +
          `(routes[${first.route.index}]: ${first.template.source})${namesOnly}`,
        `routes[${second.route.index}].path`,
      ),
    );
  }
}

/**
 * The claims of one method tree. `method` is a real method name, or `undefined` for the
 * tree of methods nobody configured, which only `*` routes reach.
 */
export function claimTree(
  items: readonly RouteItem[],
  method: string | undefined,
  errors: ClaimErrors,
): Map<string, Claim> {
  const claims = new Map<string, Claim>();
  for (const item of items) {
    const { route, template } = item;
    const applies = route.anyMethod || (method !== undefined && route.methods.includes(method));
    if (!applies) continue;
    const methodRank = route.anyMethod ? 1 : 0;
    if (template.wildcard === undefined) {
      claim(claims, { item, pattern: template.pattern, fromPrefix: false, rank: methodRank }, method, errors);
      continue;
    }
    claim(claims, { item, pattern: template.wildcard, fromPrefix: true, rank: methodRank }, method, errors);
    // `/*` has no bare path: its wildcard already matches `/`.
    if (template.pattern !== '') {
      claim(
        claims,
        { item, pattern: template.pattern, fromPrefix: true, rank: 2 + methodRank },
        method,
        errors,
      );
    }
  }
  return claims;
}

function claim(
  claims: Map<string, Claim>,
  next: Claim,
  method: string | undefined,
  errors: ClaimErrors,
): void {
  const held = claims.get(next.pattern);
  if (held === undefined || next.rank < held.rank) {
    claims.set(next.pattern, next);
  } else if (next.rank === held.rank && held.item !== next.item) {
    errors.duplicate(held.item, next.item, method ?? '*');
  }
}
