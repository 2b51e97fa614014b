/**
 * Operations -> the routes, categories and classes of a sloprobe route map.
 *
 * One route per operation, except where the router cannot tell two operations apart (same
 * method, same path once parameter names are set aside: `/orgs/{org}/x` and `/orgs/{id}/x`).
 * Those are found by the route table's own claim logic (src/routing/claims.ts), the code that
 * would refuse them at load, and merged into one route that names every operationId, so no
 * operation is silently shadowed by another.
 */
import type { ResolvedRoute } from '../config/types.js';
import { formatDuration, parseDuration } from '../config/units.js';
import { importError } from '../import/input.js';
import { ClaimErrors, claimTree, type RouteItem } from '../routing/claims.js';
import { parseRouteTemplate } from '../routing/path-template.js';
import { RouteTable } from '../routing/route-table.js';
import { isValidName, NameSet, pathName, slug } from './names.js';
import type { Operation } from './operations.js';
import { routePath } from './route-path.js';

export type CategorySource = 'x-slo-category' | 'tag' | 'path';
export const CATEGORY_SOURCES: readonly CategorySource[] = ['x-slo-category', 'tag', 'path'];

export interface ImportOptions {
  readonly categoryFrom: CategorySource;
  /** The category of an operation its source gives none for. */
  readonly defaultCategory: string;
  /** `--class-of CATEGORY=CLASS`; other categories get `defaultClass`. */
  readonly classOf: ReadonlyMap<string, string>;
  readonly defaultClass: string;
}

export interface ImportedRoute {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly category: string;
  readonly latencyMs: number | undefined;
  /** Every operation the route serves: one, or several the router cannot tell apart. */
  readonly operations: readonly Operation[];
  readonly description: string | undefined;
}

export interface RouteMap {
  readonly routes: readonly ImportedRoute[];
  /** Category -> class, in first-use order. */
  readonly categories: ReadonlyMap<string, string>;
  readonly classes: readonly string[];
  /** Merges and path rewrites, one line each, for stderr and the file's header. */
  readonly notes: readonly string[];
  readonly merged: number;
}

interface Candidate {
  name: string;
  readonly method: string;
  readonly path: string;
  category: string;
  latencyMs: number | undefined;
  readonly operations: Operation[];
}

export function buildRouteMap(operations: readonly Operation[], options: ImportOptions): RouteMap {
  const notes: string[] = [];
  const names = new NameSet();
  const candidates: Candidate[] = operations.map((op) => {
    const { path, changes } = routePath(op.basePath, op.specPath);
    const label = operationLabel(op);
    for (const change of changes) notes.push(`${label}: ${change}`);
    return {
      name: names.claim(slug(op.operationId ?? '') || pathName(op.method, path)),
      method: op.method,
      path,
      category: categoryOf(op, path, options),
      latencyMs: latencyOf(op),
      operations: [op],
    };
  });

  const kept = mergeIndistinguishable(candidates, notes);
  const routes = kept.map((c): ImportedRoute => {
    const first = c.operations[0]!;
    const description =
      c.operations.length === 1
        ? first.summary
        : `${c.operations.length} operations the router cannot tell apart: ${c.operations.map(operationLabel).join('; ')}`;
    return { ...c, description };
  });
  const categories = new Map<string, string>();
  for (const r of routes) {
    if (!categories.has(r.category))
      categories.set(r.category, options.classOf.get(r.category) ?? options.defaultClass);
  }
  const classes = [...new Set(categories.values())];
  // The table the sidecar would build from this map: it throws if a conflict were left.
  new RouteTable(routes.map((r, index) => resolvedRoute(r, index)));
  return { routes, categories, classes, notes, merged: candidates.length - kept.length };
}

/** `GET /repos/{owner}/{repo} (repos/get)`: how messages name an operation. */
export function operationLabel(op: Operation): string {
  return `${op.method} ${op.specPath}${op.operationId ? ` (${op.operationId})` : ''}`;
}

function mergeIndistinguishable(candidates: Candidate[], notes: string[]): Candidate[] {
  const items: RouteItem[] = candidates.map((c, index) => {
    const parsed = parseRouteTemplate(c.path);
    if (!parsed.ok) throw new Error(`internal: ${c.path}: ${parsed.problem}`);
    return {
      route: resolvedRoute(c, index),
      template: parsed.template,
      entry: { index, keys: parsed.template.keys },
    };
  });
  const errors = new ClaimErrors();
  for (const method of new Set(candidates.map((c) => c.method))) claimTree(items, method, errors);
  const mergedInto = new Map<number, number>();
  for (const [first, second] of errors.pairs) {
    // Every route here names one method and none is a prefix, so all claims have the same
    // rank: the holder of a pattern is the first route with it, and each pair points there.
    const target = mergedInto.get(first) ?? first;
    mergedInto.set(second, target);
    const into = candidates[target]!;
    const from = candidates[second]!;
    into.operations.push(...from.operations);
    notes.push(
      `${operationLabel(from.operations[0]!)} merged into route "${into.name}" with ${operationLabel(into.operations[0]!)}: the router cannot tell them apart`,
    );
    if (from.latencyMs !== undefined && from.latencyMs !== into.latencyMs) {
      // One route has one objective: the stricter one keeps both operations' promise.
      const latencyMs =
        into.latencyMs === undefined ? from.latencyMs : Math.min(into.latencyMs, from.latencyMs);
      if (into.latencyMs !== undefined) {
        notes.push(
          `route "${into.name}": latency objectives differ, kept the stricter p99 ${formatDuration(latencyMs)}`,
        );
      }
      into.latencyMs = latencyMs;
    }
    if (from.category !== into.category) {
      notes.push(
        `route "${into.name}": category "${from.category}" of the merged operation dropped for "${into.category}"`,
      );
    }
  }
  return candidates.filter((_c, i) => !mergedInto.has(i));
}

function categoryOf(op: Operation, path: string, options: ImportOptions): string {
  let raw: string | undefined;
  if (options.categoryFrom === 'x-slo-category') {
    if (op.category !== undefined && typeof op.category !== 'string') {
      throw importError(
        `${op.source.where([...op.at, 'x-slo-category'])}: x-slo-category must be a string such as "payment-request", not ${JSON.stringify(op.category)}`,
      );
    }
    raw = op.category;
  } else if (options.categoryFrom === 'tag') {
    raw = op.tags[0];
  } else {
    raw = path.split('/').find((s) => s !== '' && !s.includes('{'));
  }
  if (raw === undefined || raw === '') return options.defaultCategory;
  const name =
    options.categoryFrom === 'x-slo-category' && isValidName(raw) ? raw : slug(raw, { lower: true });
  if (name === '') {
    throw importError(
      `${op.source.where(op.at)}: ${operationLabel(op)}: category "${raw}" has no letter or digit to name it by; set x-slo-category or use --default-category`,
    );
  }
  return name;
}

/** `x-slo-latency-p99: 200ms` (a duration) or `200` (milliseconds). */
function latencyOf(op: Operation): number | undefined {
  if (op.latency === undefined) return undefined;
  const { value, at } = op.latency;
  let ms: number;
  try {
    ms = typeof value === 'number' ? value : parseDuration(value, 'ms');
  } catch (err) {
    throw importError(`${op.source.where(at)}: x-slo-latency-p99: ${(err as Error).message}`);
  }
  if (!Number.isFinite(ms) || ms <= 0) {
    throw importError(
      `${op.source.where(at)}: x-slo-latency-p99 must be a duration longer than zero, such as 200ms, not ${JSON.stringify(value)}`,
    );
  }
  return ms;
}

function resolvedRoute(
  r: { name: string; method: string; path: string; category: string },
  index: number,
): ResolvedRoute {
  return {
    index,
    name: r.name,
    methods: [r.method],
    anyMethod: false,
    path: r.path,
    category: r.category,
    class: '',
    latency: undefined,
    availability: 0,
    timeoutMs: undefined,
  };
}
