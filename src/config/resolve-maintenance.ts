/**
 * Resolves `maintenance:`. Only the shape is checked here (timestamps, start before end,
 * targets that exist); whether a window respects its policy is decided by the SLO engine
 * (src/slo/maintenance.ts), which reports the rule a window broke instead of refusing the file.
 */
import { didYouMean } from './did-you-mean.js';
import type { Problems } from './positions.js';
import { asArray, asObject, asString, parseAt } from './resolve-common.js';
import { knownList } from './resolve-routes.js';
import type { Category, MaintenancePolicyName, MaintenanceWindow, ResolvedRoute } from './types.js';
import { parseTimestamp } from './units.js';

const POLICIES: readonly MaintenancePolicyName[] = ['klarna', 'paywithmybank', 'none'];

export function resolveMaintenance(
  raw: unknown,
  routes: readonly ResolvedRoute[],
  categories: ReadonlyMap<string, Category>,
  problems: Problems,
): { policy: MaintenancePolicyName; windows: MaintenanceWindow[] } {
  const section = asObject(raw);
  const policy = POLICIES.find((p) => p === section?.policy) ?? 'none';
  const routeNames = new Map(routes.map((r) => [r.name, r]));
  const ids = new Map<string, number>();
  const windows: MaintenanceWindow[] = [];
  asArray(section?.windows).forEach((item, i) => {
    const w = asObject(item);
    if (!w) return;
    const at = (...rest: (string | number)[]) => ['maintenance', 'windows', i, ...rest];
    const id = asString(w.id) ?? '';
    if (id && ids.has(id))
      problems.add(at('id'), `duplicate window id "${id}" (first used by windows[${ids.get(id)}])`);
    else if (id) ids.set(id, i);

    const startMs = parseAt(problems, at('start'), w.start, parseTimestamp, Number.NaN);
    const endMs = parseAt(problems, at('end'), w.end, parseTimestamp, Number.NaN);
    const announcedAtMs = parseAt(problems, at('announced_at'), w.announced_at, parseTimestamp, Number.NaN);
    if (startMs >= endMs) problems.add(at('end'), 'a window must end after it starts');

    const routeList = asArray(w.routes).filter((r): r is string => typeof r === 'string');
    const categoryList = asArray(w.categories).filter((c): c is string => typeof c === 'string');
    routeList.forEach((name, j) => {
      if (!routeNames.has(name)) {
        problems.add(
          at('routes', j),
          `unknown route "${name}"${didYouMean(name, routeNames.keys()) || knownList(routeNames)}`,
        );
      }
    });
    categoryList.forEach((name, j) => {
      if (!categories.has(name)) {
        problems.add(
          at('categories', j),
          `unknown category "${name}"${didYouMean(name, categories.keys()) || knownList(categories)}`,
        );
      }
    });
    const all = w.all === true;
    if (all && (w.routes !== undefined || w.categories !== undefined)) {
      problems.add(at('all'), 'all: true covers every route; remove routes and categories, or all', {
        key: true,
      });
    } else if (!all && w.routes === undefined && w.categories === undefined && w.methods === undefined) {
      problems.add(
        at(),
        'say what the window covers: routes: [...], categories: [...], all: true or payment methods: [...]',
      );
    }
    const methods = asArray(w.methods).filter((m): m is string => typeof m === 'string');
    const instrument = Object.fromEntries(
      Object.entries(asObject(w.instrument) ?? {}).filter(
        (e): e is [string, string] => typeof e[1] === 'string',
      ),
    );
    if (w.instrument !== undefined && methods.length === 0) {
      problems.add(at('instrument'), 'an instrument needs the methods it belongs to: add methods: [card]', {
        key: true,
      });
    }
    windows.push({
      id,
      startMs,
      endMs,
      announcedAtMs,
      all,
      routes: routeList,
      categories: categoryList,
      ...(methods.length > 0 ? { methods, instrument } : {}),
    });
  });
  return { policy, windows };
}
