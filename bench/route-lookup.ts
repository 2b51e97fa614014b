/**
 * Route lookups per second on a real route map (default: the 103-operation OpenAPI fixture),
 * for the route table as shipped (find-my-way compiled), the same table walking the tree,
 * and a bare find-my-way `find` on the compiled tree as the floor of what routing costs.
 *
 *   npx tsc -p . && node dist/bench/route-lookup.js [config.yaml]
 *
 * The request mix: every route equally, with fresh path strings (a server parses a new one
 * per request, so nothing is served from an interned-string fast path), plus 10% requests
 * that match nothing. Modes alternate round by round; the median round is printed. Numbers
 * only, no assertion: timings belong here, never in tests.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from 'find-my-way';
import { loadConfigFile } from '../src/config/load.js';
import type { ResolvedRoute } from '../src/config/types.js';
import { RouteTable } from '../src/routing/route-table.js';

const ROUNDS = 7;
const PER_ROUTE = 2_000;

const here = fileURLToPath(new URL('.', import.meta.url));
// Compiled to dist/bench/, the fixture stays in the source tree.
const configPath = process.argv[2] ?? join(here, '..', '..', 'test', 'fixtures', 'openapi-routes.yaml');

function fill(path: string, n: number): string {
  const filled = path.replace(/\{[^}]+\}/g, () => `ID${n.toString(36).toUpperCase()}Q${(n * 7919) % 10007}`);
  return filled.endsWith('/*') ? `${filled.slice(0, -2)}/other/${n}` : filled;
}

function requestMix(routes: readonly ResolvedRoute[]): { methods: string[]; paths: string[] } {
  const methods: string[] = [];
  const paths: string[] = [];
  for (let n = 0; n < PER_ROUTE; n++) {
    for (const r of routes) {
      methods.push(r.anyMethod ? 'PUT' : r.methods[0]!);
      paths.push(fill(r.path, n));
      if (paths.length % 10 === 0) {
        methods.push('GET');
        paths.push(`/nowhere/${n}/${paths.length}`);
      }
    }
  }
  return { methods, paths };
}

type Lookup = (method: string, path: string) => number;

function round(lookup: Lookup, methods: readonly string[], paths: readonly string[]): number {
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < paths.length; i++) sink += lookup(methods[i]!, paths[i]!);
  const ns = Number(process.hrtime.bigint() - start);
  if (sink === -1) console.log('unreachable');
  return (paths.length / ns) * 1e9;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function main(): void {
  const config = loadConfigFile(configPath);
  const compiled = new RouteTable(config.routes);
  const walking = new RouteTable(config.routes, { compile: false });
  // The floor: find-my-way alone, one GET tree, the route index as store, no checks.
  const bare = Router({ maxParamLength: 2048 });
  for (const r of config.routes) {
    if (!r.anyMethod && r.methods.includes('GET') && !r.path.endsWith('/*')) {
      bare.on('GET', r.path.replace(/\{([^}]+)\}/g, ':$1'), () => {}, { index: r.index });
    }
  }
  bare.compile();
  const bareRoutes = config.routes.filter(
    (r) => !r.anyMethod && r.methods.includes('GET') && !r.path.endsWith('/*'),
  );

  const mix = requestMix(config.routes);
  const getMix = requestMix(bareRoutes);
  const modes: [string, Lookup, { methods: string[]; paths: string[] }][] = [
    ['route table (compiled, as shipped)', (m, p) => compiled.lookup(m, p), mix],
    ['route table (tree walk)', (m, p) => walking.lookup(m, p), mix],
    ['route table, GET routes only', (m, p) => compiled.lookup(m, p), getMix],
    [
      'bare find-my-way find, GET routes only',
      (m, p) => {
        const found = bare.find(m as Router.HTTPMethod, p);
        return found === null ? -1 : (found.store as { index: number }).index;
      },
      getMix,
    ],
  ];
  const results = modes.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) {
    modes.forEach(([, lookup, m], i) => {
      results[i]!.push(round(lookup, m.methods, m.paths));
    });
  }

  console.log(`route lookups: ${configPath}`);
  console.log(
    `  ${config.routes.length} routes, ${mix.paths.length} requests a round, median of ${ROUNDS} rounds`,
  );
  console.log(`  node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}`);
  modes.forEach(([label], i) => {
    const perSecond = median(results[i]!);
    console.log(
      `  ${label.padEnd(40)} ${(perSecond / 1e6).toFixed(2).padStart(6)} M/s  ${(1e9 / perSecond).toFixed(0).padStart(5)} ns`,
    );
  });
}

main();
