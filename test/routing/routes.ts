/** Small builders for routing tests: a route map written as `[name, method, path]` rows. */
import type { ResolvedRoute } from '../../src/config/types.js';
import { RouteTable, type RouteTableOptions } from '../../src/routing/route-table.js';

export type Row = readonly [name: string, method: string | readonly string[], path: string];

export function route(index: number, [name, method, path]: Row): ResolvedRoute {
  const anyMethod = method === '*';
  return {
    index,
    name,
    methods: anyMethod ? [] : typeof method === 'string' ? [method] : [...method],
    anyMethod,
    path,
    category: 'test-category',
    class: 'test-class',
    latency: undefined,
    availability: 0.99,
    timeoutMs: undefined,
  };
}

export function table(rows: readonly Row[], options?: RouteTableOptions): RouteTable {
  return new RouteTable(
    rows.map((row, i) => route(i, row)),
    options,
  );
}

/** The name of the route a request lands on: what the metrics label says. */
export function routeOf(t: RouteTable, method: string, path: string): string {
  const index = t.lookup(method, path);
  const r = t.routes[index];
  if (r === undefined) throw new Error(`lookup returned ${index}, outside the table`);
  return r.name;
}
