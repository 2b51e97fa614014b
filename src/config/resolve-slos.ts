/**
 * Resolves the SLOs: the ones the route map implies (one availability SLO per category that
 * has routes, one latency SLO per route with a latency objective) and the explicit `slos:`
 * entries. The period and timeslice rules they carry are parsed in resolve-rules.ts.
 */
import { didYouMean } from './did-you-mean.js';
import type { KeyPath, Problems } from './positions.js';
import { asArray, asObject, asString, parseAt } from './resolve-common.js';
import { knownList, parseLatency } from './resolve-routes.js';
import { parsePeriod, parseTimesliceRules } from './resolve-rules.js';
import type {
  Category,
  CompliancePeriod,
  LatencyObjective,
  ResolvedRoute,
  ServiceClass,
  SloDefinition,
  SloScope,
  TimesliceRules,
} from './types.js';
import { parsePercent } from './units.js';

export interface SloContext {
  readonly routes: readonly ResolvedRoute[];
  readonly classes: ReadonlyMap<string, ServiceClass>;
  readonly categories: ReadonlyMap<string, Category>;
  readonly period: CompliancePeriod;
  readonly timeZone: string;
  readonly timeslices: TimesliceRules;
  /** The top-level `include_synthetic` (default false): every SLO's default. */
  readonly includeSynthetic: boolean;
}

/** The SLOs implied by the route map, in category order then route order. */
export function generatedSlos(ctx: SloContext): SloDefinition[] {
  const out: SloDefinition[] = [];
  const base = {
    method: 'occurrences',
    timeslices: undefined,
    period: ctx.period,
    generated: true,
    includeSynthetic: ctx.includeSynthetic,
  } as const;
  for (const category of ctx.categories.values()) {
    const routes = ctx.routes.filter((r) => r.category === category.name).map((r) => r.name);
    if (routes.length === 0) continue;
    const scope = { kind: 'category', name: category.name } as const;
    const name = `${category.name}-availability`;
    out.push({
      ...base,
      name,
      sli: 'availability',
      objective: category.availability,
      scope,
      routes,
      latency: undefined,
    });
  }
  for (const route of ctx.routes) {
    if (!route.latency) continue;
    const scope = { kind: 'route', name: route.name } as const;
    const name = `${route.name}-latency`;
    // "p99 <= T" is an objective of 99% of requests faster than T.
    const objective = route.latency.percentile;
    out.push({
      ...base,
      name,
      sli: 'latency',
      objective,
      scope,
      routes: [route.name],
      latency: route.latency,
    });
  }
  return out;
}

/** Explicit `slos:` entries; `taken` holds the generated names (a clash is an error). */
export function explicitSlos(
  raw: unknown,
  ctx: SloContext,
  taken: ReadonlySet<string>,
  problems: Problems,
): SloDefinition[] {
  const out: SloDefinition[] = [];
  const names = new Map<string, number>();
  asArray(raw).forEach((item, i) => {
    const s = asObject(item);
    if (!s) return;
    const at = (...rest: (string | number)[]) => ['slos', i, ...rest];
    const name = asString(s.name) ?? '';
    if (taken.has(name)) {
      problems.add(
        at('name'),
        `"${name}" is already the name of an SLO generated from the route map; choose another name`,
      );
    } else if (names.has(name)) {
      problems.add(at('name'), `duplicate SLO name "${name}" (first used by slos[${names.get(name)}])`);
    } else if (name) names.set(name, i);

    const sli = s.sli === 'latency' ? 'latency' : 'availability';
    const method = s.method === 'timeslices' ? 'timeslices' : 'occurrences';
    const target = resolveScope(s.over, at('over'), ctx, problems);
    const route = target?.scope.kind === 'route' ? ctx.routes.find((r) => r.name === target.name) : undefined;

    let latency: LatencyObjective | undefined;
    if (s.latency !== undefined && sli !== 'latency') {
      problems.add(at('latency'), 'latency applies to latency SLOs only (sli: latency)');
    } else if (s.latency !== undefined) {
      latency = parseLatency(s.latency, at('latency'), problems);
    } else if (sli === 'latency' && target) {
      latency = route?.latency;
      if (!latency) {
        const problem = route
          ? `route "${route.name}" has no latency objective: give this SLO latency: { p99: 300ms }`
          : `a latency SLO over ${target.scope.kind === 'all' ? 'all routes' : `a ${target.scope.kind}`} needs latency: { p99: 300ms }`;
        problems.add(at('sli'), problem);
      }
    }

    if (method === 'timeslices' && sli === 'latency') {
      problems.add(
        at('method'),
        'timeslices budgeting counts error responses per slice (docs/sla-definitions.md#timeslice-error-rate): use it with sli: availability',
      );
    }
    if (s.timeslices !== undefined && method !== 'timeslices') {
      problems.add(at('timeslices'), 'timeslices rules apply to method: timeslices only', { key: true });
    }
    const timeslices =
      method === 'timeslices'
        ? parseTimesliceRules(s.timeslices, at('timeslices'), ctx.timeslices, problems)
        : undefined;

    let objective = parseAt(problems, at('objective'), s.objective, (v) => parsePercent(v), undefined);
    if (s.objective === undefined && target) {
      objective = defaultObjective(sli, latency, target, ctx);
      if (objective === undefined && sli === 'availability') {
        problems.add(
          at('over'),
          'an availability SLO over all routes needs an objective (e.g. objective: 99.5%)',
        );
      }
    }
    const period = parseAt(problems, at('period'), s.period, (v) => parsePeriod(v, ctx.timeZone), ctx.period);
    if (!target) return;
    out.push({
      name,
      sli,
      method,
      objective: objective ?? 0,
      scope: target.scope,
      routes: target.routes,
      latency,
      timeslices,
      period,
      generated: false,
      includeSynthetic: typeof s.include_synthetic === 'boolean' ? s.include_synthetic : ctx.includeSynthetic,
    });
  });
  return out;
}

/** Without `objective:`, a latency SLO keeps its percentile (p99 -> 99%), an availability SLO its target's objective. */
function defaultObjective(
  sli: 'availability' | 'latency',
  latency: LatencyObjective | undefined,
  target: Target,
  ctx: SloContext,
): number | undefined {
  if (sli === 'latency') return latency?.percentile;
  switch (target.scope.kind) {
    case 'route':
      return ctx.routes.find((r) => r.name === target.name)?.availability;
    case 'category':
      return ctx.categories.get(target.name)?.availability;
    case 'class':
      return ctx.classes.get(target.name)?.availability;
    default:
      return undefined;
  }
}

const SCOPE_KINDS: readonly string[] = ['route', 'category', 'class'];

interface Target {
  readonly scope: SloScope;
  readonly name: string;
  readonly routes: string[];
}

function resolveScope(
  value: unknown,
  path: KeyPath,
  ctx: SloContext,
  problems: Problems,
): Target | undefined {
  let target: Target | undefined;
  if (typeof value === 'string') {
    if (value !== 'all') {
      problems.add(
        path,
        `"${value}" is not a target (write all, or { route: NAME }, { category: NAME } or { class: NAME })`,
      );
      return undefined;
    }
    target = { scope: { kind: 'all' }, name: 'all', routes: ctx.routes.map((r) => r.name) };
  } else {
    const over = asObject(value);
    const entries = over ? Object.entries(over) : [];
    if (entries.length !== 1) return undefined; // the schema reported it
    const [kind, name] = entries[0]!;
    // Other keys and non-string names were reported by the schema.
    if (typeof name !== 'string' || !SCOPE_KINDS.includes(kind)) return undefined;
    const known: ReadonlyMap<string, unknown> =
      kind === 'route'
        ? new Map(ctx.routes.map((r) => [r.name, r]))
        : kind === 'category'
          ? ctx.categories
          : ctx.classes;
    if (!known.has(name)) {
      problems.add(
        [...path, kind],
        `unknown ${kind} "${name}"${didYouMean(name, known.keys()) || knownList(known)}`,
      );
      return undefined;
    }
    const routes = ctx.routes
      .filter((r) => (kind === 'route' ? r.name : kind === 'category' ? r.category : r.class) === name)
      .map((r) => r.name);
    const scope = { kind, name } as SloScope;
    target = { scope, name, routes };
  }
  if (target.routes.length === 0) {
    problems.add(path, `covers no routes, so it would never measure anything`);
    return undefined;
  }
  return target;
}
