/**
 * Random requests against the fixture route map: lookup never throws, always names a route
 * of the table, and its answer depends neither on find-my-way's compiled mode nor on the
 * order of the routes in the file. Seeded, so a failure replays.
 */
import assert from 'node:assert/strict';
import { METHODS } from 'node:http';
import { test } from 'node:test';
import type { ResolvedRoute } from '../../src/config/types.js';
import { mulberry32 } from '../../src/demo/random.js';
import { RouteTable } from '../../src/routing/route-table.js';
import { fixtureRoutes, samplePath } from './fixture-routes.js';

const prng = mulberry32;

const SEED = 20240601;
const COUNT = 4000;

function requests(routes: readonly ResolvedRoute[]): [string, string][] {
  const rand = prng(SEED);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  // Words of the map, so that many random paths go deep into the tree before they fail.
  const words = [...new Set(routes.flatMap((r) => r.path.split('/')).filter((s) => s && !s.includes('{')))];
  const odd = [
    '',
    '.',
    '..',
    '%2e%2E',
    '%',
    '%zz',
    '%E0%A4%A',
    '%2F',
    '%25',
    '%00',
    '*',
    ':',
    '::x',
    '?',
    '#',
    ';a=b',
    '{id}',
    'é',
    '\u0000',
    '\uffff',
    '\ud800',
    ' ',
    '\t',
    'x'.repeat(2047),
    'y'.repeat(2049),
    'z'.repeat(20_000),
  ];
  const methods = [
    ...METHODS,
    'get',
    'Post',
    'FROBNICATE',
    '',
    ' ',
    'GET ',
    '__proto__',
    'constructor',
    'toString',
  ];
  const out: [string, string][] = [];
  for (let i = 0; i < COUNT; i++) {
    const method = pick(methods);
    const base = rand() < 0.5 ? samplePath(pick(routes).path, i) : '';
    let path = base;
    const extra = Math.floor(rand() * 6);
    for (let j = 0; j < extra; j++) {
      const r = rand();
      path += `/${r < 0.5 ? pick(words) : r < 0.8 ? pick(odd) : Math.floor(rand() * 1e9).toString(36)}`;
    }
    if (rand() < 0.05) path = path.slice(1); // not origin-form
    if (rand() < 0.05) path = `${path}/`;
    if (rand() < 0.02) path = `http://api.example${path}`;
    out.push([method, path]);
  }
  return out;
}

test(`${COUNT} random requests: never a throw, always a route of the table`, () => {
  const routes = fixtureRoutes();
  const t = new RouteTable(routes);
  let matched = 0;
  for (const [method, path] of requests(routes)) {
    let index = -1;
    assert.doesNotThrow(
      () => {
        index = t.lookup(method, path);
      },
      `${method} ${path.slice(0, 80)}`,
    );
    assert.ok(
      Number.isInteger(index) && index >= 0 && index <= t.unmatchedIndex,
      `${method} ${path.slice(0, 80)}`,
    );
    if (index !== t.unmatchedIndex) matched++;
  }
  // The generator is meant to reach routes as well as miss them; if it stops doing either,
  // this test no longer tests much.
  assert.ok(matched > COUNT / 10 && matched < COUNT - COUNT / 10, `matched ${matched} of ${COUNT}`);
});

test('compiled and tree-walking matchers agree on every random request', () => {
  const routes = fixtureRoutes();
  const compiled = new RouteTable(routes, { compile: true });
  const walked = new RouteTable(routes, { compile: false });
  for (const [method, path] of requests(routes)) {
    assert.equal(
      compiled.lookup(method, path),
      walked.lookup(method, path),
      `${method} ${path.slice(0, 80)}`,
    );
  }
  assert.equal(compiled.overlongSegments, walked.overlongSegments);
});

test('the route a request lands on does not depend on the order of the routes in the file', () => {
  const routes = fixtureRoutes();
  const reversed = [...routes].reverse().map((r, index) => ({ ...r, index }));
  const forward = new RouteTable(routes);
  const backward = new RouteTable(reversed);
  for (const [method, path] of requests(routes)) {
    const a = forward.routes[forward.lookup(method, path)]!.name;
    const b = backward.routes[backward.lookup(method, path)]!.name;
    assert.equal(a, b, `${method} ${path.slice(0, 80)}`);
  }
});
