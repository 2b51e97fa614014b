/**
 * Reads a route map in sloprobe's config format into `ResolvedRoute`s without the config
 * loader: just enough of it (method forms, category -> class, `99%`, `200ms`) for the
 * routing tests and the lookup benchmark to stand on their own.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ResolvedRoute } from '../../src/config/types.js';
import { repoRoot } from '../helpers/paths.js';

export const fixturePath = join(repoRoot, 'test', 'fixtures', 'openapi-routes.yaml');

interface RawRoute {
  name: string;
  method: string | string[];
  path: string;
  category: string;
  latency?: { p99: string };
}

interface RawMap {
  classes: Record<string, { availability: string }>;
  categories: Record<string, { class: string }>;
  routes: RawRoute[];
}

function percent(text: string): number {
  const m = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (!m) throw new Error(`not a percentage: ${text}`);
  return Number(m[1]) / 100;
}

function millis(text: string): number {
  const m = /^(\d+)ms$/.exec(text);
  if (!m) throw new Error(`not a duration in ms: ${text}`);
  return Number(m[1]);
}

export function routesFromYaml(text: string): ResolvedRoute[] {
  const raw = parse(text) as RawMap;
  return raw.routes.map((r, index) => {
    const category = raw.categories[r.category];
    if (!category) throw new Error(`unknown category ${r.category}`);
    const cls = raw.classes[category.class];
    if (!cls) throw new Error(`unknown class ${category.class}`);
    const anyMethod = r.method === '*';
    return {
      index,
      name: r.name,
      methods: anyMethod ? [] : Array.isArray(r.method) ? r.method : [r.method],
      anyMethod,
      path: r.path,
      category: r.category,
      class: category.class,
      latency: r.latency ? { percentile: 0.99, thresholdMs: millis(r.latency.p99) } : undefined,
      availability: percent(cls.availability),
      timeoutMs: undefined,
    };
  });
}

export function fixtureRoutes(): ResolvedRoute[] {
  return routesFromYaml(readFileSync(fixturePath, 'utf8'));
}

/**
 * A request path for a route template: every `{param}` filled with a sample value that no
 * static segment of the map uses, and a prefix route's `*` with a made-up operation.
 */
export function samplePath(template: string, seed = 0): string {
  let n = seed;
  const filled = template.replace(/\{[^}]+\}/g, () => `SMPL${(n++).toString(36).toUpperCase()}x9`);
  return filled.endsWith('/*') ? `${filled.slice(0, -2)}/notAnOperation/${n}` : filled;
}
