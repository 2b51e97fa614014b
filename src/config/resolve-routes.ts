/**
 * Resolves `routes:`: methods, paths, references to categories and classes, objectives
 * (route -> category -> class defaults), and the conflicts a route map must not have:
 * duplicate names and two routes claiming the same method on the same path.
 */
import { METHODS } from 'node:http';
import { parseRouteTemplate } from '../routing/path-template.js';
import { didYouMean } from './did-you-mean.js';
import type { Problems } from './positions.js';
import { asArray, asObject, asString, parseAt, positiveDuration } from './resolve-common.js';
import { resolvePayment } from './resolve-payments.js';
import type { Category, LatencyObjective, PaymentSpec, ResolvedRoute, ServiceClass } from './types.js';
import { UNMATCHED_ROUTE } from './types.js';
import { parseDuration, parsePercent, parsePercentile } from './units.js';

// CONNECT is refused by the proxy (not an open proxy), so no route may claim it.
const ROUTABLE_METHODS: readonly string[] = METHODS.filter((m) => m !== 'CONNECT');

interface Claimed {
  readonly index: number;
  readonly name: string;
  readonly methods: readonly string[];
  readonly anyMethod: boolean;
}

function parseMethods(value: unknown, path: readonly (string | number)[], problems: Problems) {
  if (value === '*') return { methods: [] as string[], anyMethod: true };
  const list = typeof value === 'string' ? [value] : asArray(value);
  const methods: string[] = [];
  list.forEach((item, i) => {
    if (typeof item !== 'string') return;
    const at = typeof value === 'string' ? path : [...path, i];
    const upper = item.trim().toUpperCase();
    if (upper === '*') problems.add(at, '"*" stands alone: write method: "*" instead of a list');
    else if (upper === 'CONNECT') problems.add(at, 'CONNECT is refused by the proxy and cannot be routed');
    else if (!ROUTABLE_METHODS.includes(upper)) {
      problems.add(at, `"${item}" is not an HTTP method${didYouMean(upper, ROUTABLE_METHODS)}`);
    } else if (methods.includes(upper)) problems.add(at, `${upper} is listed twice`);
    else methods.push(upper);
  });
  return { methods, anyMethod: false };
}

/** `{ p99: 200ms }` -> { percentile: 0.99, thresholdMs: 200 }; undefined (and a problem) when invalid. */
export function parseLatency(value: unknown, path: readonly (string | number)[], problems: Problems) {
  const obj = asObject(value);
  const entries = obj ? Object.entries(obj) : [];
  if (entries.length !== 1) return undefined; // the schema reported it
  const [key, threshold] = entries[0]!;
  if (problems.has([...path, key])) return undefined; // a key the schema refused
  let percentile: number | undefined;
  try {
    percentile = parsePercentile(key);
  } catch (err) {
    problems.add([...path, key], (err as Error).message, { key: true });
  }
  const thresholdMs = parseAt(problems, [...path, key], threshold, (v) => parseDuration(v, 'ms'), undefined);
  if (percentile === undefined || thresholdMs === undefined) return undefined;
  if (thresholdMs <= 0) {
    problems.add([...path, key], 'a latency threshold must be longer than zero');
    return undefined;
  }
  return { percentile, thresholdMs } satisfies LatencyObjective;
}

export function resolveRoutes(
  raw: unknown,
  classes: ReadonlyMap<string, ServiceClass>,
  categories: ReadonlyMap<string, Category>,
  categoryOverrides: ReadonlyMap<string, number>,
  problems: Problems,
  payments: ReadonlyMap<string, PaymentSpec> = new Map(),
): ResolvedRoute[] {
  const routes: ResolvedRoute[] = [];
  const names = new Map<string, number>();
  const claims = new Map<string, Claimed[]>();
  asArray(raw).forEach((item, index) => {
    const r = asObject(item);
    if (!r) return;
    const at = (...rest: (string | number)[]) => ['routes', index, ...rest];
    const name = asString(r.name) ?? '';
    if (name === UNMATCHED_ROUTE) {
      problems.add(at('name'), `"${UNMATCHED_ROUTE}" is reserved for requests no route matches`);
    } else if (name && names.has(name)) {
      const first = names.get(name)!;
      problems.add(
        at('name'),
        `duplicate route name "${name}" (first used by routes[${first}] at ${problems.where(['routes', first, 'name'])})`,
      );
    } else if (name) names.set(name, index);

    const { methods, anyMethod } = parseMethods(r.method, at('method'), problems);
    const path = asString(r.path) ?? '';
    // The router's own parser, so that what loads here is exactly what the router accepts.
    const parsed = path ? parseRouteTemplate(path) : undefined;
    if (parsed && !parsed.ok) problems.add(at('path'), parsed.problem);
    else if (parsed?.ok && (anyMethod || methods.length > 0)) {
      const shape = parsed.template.shape;
      const same = claims.get(shape) ?? [];
      for (const other of same) {
        // A "*" route beside routes naming methods on the same path is allowed: the named
        // methods win and "*" takes the rest (the Kustom table's "Other operations
        // /ordermanagement", docs/sla-definitions.md#latency-objectives).
        // Two "*" routes, or two routes naming the same method, are ambiguous.
        const overlap = anyMethod || other.anyMethod ? [] : methods.filter((m) => other.methods.includes(m));
        if ((anyMethod && other.anyMethod) || overlap.length > 0) {
          const what = anyMethod ? '"*"' : overlap.join(', ');
          problems.add(
            at('path'),
            `${what} ${path} is already routed by "${other.name}" (routes[${other.index}] at ${problems.where(['routes', other.index, 'path'])})`,
          );
          break;
        }
      }
      same.push({ index, name, methods, anyMethod });
      claims.set(shape, same);
    }

    const categoryName = asString(r.category) ?? '';
    const category = categories.get(categoryName);
    if (categoryName && !category) {
      problems.add(
        at('category'),
        `unknown category "${categoryName}"${didYouMean(categoryName, categories.keys()) || knownList(categories)}`,
      );
    }
    const classOverride = asString(r.class);
    if (classOverride !== undefined && !classes.has(classOverride)) {
      problems.add(
        at('class'),
        `unknown class "${classOverride}"${didYouMean(classOverride, classes.keys()) || knownList(classes)}`,
      );
    }
    const className = classOverride ?? category?.class ?? '';
    const availability =
      parseAt(problems, at('availability'), r.availability, (v) => parsePercent(v), undefined) ??
      categoryOverrides.get(categoryName) ??
      classes.get(className)?.availability ??
      0;
    const payment = resolvePayment(r, at(), payments.get(categoryName), problems);
    routes.push({
      ...(payment ? { payment } : {}),
      ...(r.allow_body_on_get === true ? { allowBodyOnGet: true } : {}),
      index,
      name,
      methods,
      anyMethod,
      path,
      category: categoryName,
      class: className,
      latency: r.latency === undefined ? undefined : parseLatency(r.latency, at('latency'), problems),
      availability,
      timeoutMs: parseAt(problems, at('timeout'), r.timeout, positiveDuration('s'), undefined),
    });
  });
  return routes;
}

/** ` (known: a, b)` for a message about an unknown name. */
export function knownList(map: ReadonlyMap<string, unknown>): string {
  return map.size === 0 ? ' (none are defined)' : ` (known: ${[...map.keys()].join(', ')})`;
}
