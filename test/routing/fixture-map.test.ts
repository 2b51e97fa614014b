/**
 * The real route map (test/fixtures/openapi-routes.yaml, 103 operations of Adyen's public
 * OpenAPI specs): the requirement of "a real route map of 50+ operations ... routes each request to
 * its own route label with exact counts".
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfigFile } from '../../src/config/load.js';
import { UNMATCHED_ROUTE } from '../../src/config/types.js';
import { RouteTable } from '../../src/routing/route-table.js';
import { fixturePath, fixtureRoutes, samplePath } from './fixture-routes.js';
import { routeOf } from './routes.js';

function methodOf(route: { anyMethod: boolean; methods: readonly string[] }): string {
  return route.anyMethod ? 'PUT' : route.methods[0]!;
}

describe('the OpenAPI fixture map', () => {
  const routes = fixtureRoutes();
  const operations = routes.filter((r) => !r.path.endsWith('/*'));

  test('has 50+ operations, with differently named parameters at one position', () => {
    assert.ok(operations.length >= 50, `${operations.length} operations`);
    // Differently named parameters at one position, as the map has it.
    const paths = new Set(routes.map((r) => r.path));
    assert.ok(paths.has('/bcl/v2/balanceAccounts/{id}'));
    assert.ok(paths.has('/bcl/v2/balanceAccounts/{balanceAccountId}/sweeps'));
  });

  test('every request lands on its own route, with exact counts', () => {
    const t = new RouteTable(routes);
    const counts = new Array<number>(t.routes.length).fill(0);
    const perRoute = 7;
    for (let k = 0; k < perRoute; k++) {
      for (const r of routes) counts[t.lookup(methodOf(r), samplePath(r.path, k * 10))]!++;
    }
    routes.forEach((r, i) => {
      assert.equal(counts[i], perRoute, `${r.name}: ${counts[i]} requests instead of ${perRoute}`);
    });
    assert.equal(counts[t.unmatchedIndex], 0);
  });

  test('static next to a parameter: .../transferLimits/current is not a transfer limit id', () => {
    const t = new RouteTable(routes);
    assert.equal(
      routeOf(t, 'GET', '/bcl/v2/balanceAccounts/BA32272223222B5CTDQPM6W2H/transferLimits/current'),
      'get-balanceAccounts-id-transferLimits-current',
    );
    assert.equal(
      routeOf(
        t,
        'GET',
        '/bcl/v2/balanceAccounts/BA32272223222B5CTDQPM6W2H/transferLimits/TRLI00000000000000000000001',
      ),
      'get-balanceAccounts-id-transferLimits-transferLimitId',
    );
    assert.equal(routeOf(t, 'POST', '/btl/v4/transfers/approve'), 'post-transfers-approve');
    // Another method on the same path is the parameter route of that method.
    assert.equal(routeOf(t, 'GET', '/btl/v4/transfers/approve'), 'get-transfers-id');
  });

  test('what the specs do not list falls to each API prefix, and the rest is unmatched', () => {
    const t = new RouteTable(routes);
    assert.equal(routeOf(t, 'PUT', '/bcl/v2/accountHolders/AH1'), 'configuration-api-other');
    assert.equal(routeOf(t, 'GET', '/bcl/v2'), 'configuration-api-other');
    assert.equal(routeOf(t, 'DELETE', '/btl/v4/transfers/T1'), 'transfers-api-other');
    assert.equal(routeOf(t, 'GET', '/bcl/v3/accountHolders/AH1'), UNMATCHED_ROUTE);
    assert.equal(routeOf(t, 'GET', '/checkout/v71/payments'), UNMATCHED_ROUTE);
  });

  test('loads through the config loader into the same routes, which route the same way', () => {
    const config = loadConfigFile(fixturePath);
    assert.deepEqual(
      config.routes.map((r) => [
        r.name,
        r.anyMethod ? '*' : r.methods.join(','),
        r.path,
        r.category,
        r.class,
      ]),
      routes.map((r) => [r.name, r.anyMethod ? '*' : r.methods.join(','), r.path, r.category, r.class]),
    );
    const t = new RouteTable(config.routes);
    for (const r of config.routes) {
      assert.equal(t.lookup(methodOf(r), samplePath(r.path, 3)), r.index, r.name);
    }
  });
});
