/**
 * `sloprobe import openapi` on small descriptions written for these tests
 * (test/fixtures/openapi/): Swagger 2.0 and OpenAPI 3.1, YAML, a Path Item in another file.
 * Each expectation is read off the fixture by hand; the routes are then matched by the real
 * route table the sidecar builds from the loaded map.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfigFile } from '../../src/config/load.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { importOpenapiCommand } from '../../src/openapi/command.js';
import { RouteTable } from '../../src/routing/route-table.js';
import { repoRoot } from '../helpers/paths.js';
import { runCli } from '../helpers/spawn.js';

const fixtures = join(repoRoot, 'test', 'fixtures', 'openapi');
const dir = mkdtempSync(join(tmpdir(), 'sloprobe-openapi-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
async function runImport(args: string[]): Promise<{ code: number; stderr: string; file: string }> {
  const file = join(dir, `map-${n++}.yaml`);
  const err: string[] = [];
  const io = { stdout: { write: () => true }, stderr: { write: (s: string) => err.push(s) } };
  const code = await importOpenapiCommand([...args, '-o', file], io);
  return { code, stderr: err.join(''), file };
}

function summary(config: ResolvedConfig) {
  return config.routes.map((r) => ({
    name: r.name,
    method: r.methods.join(','),
    path: r.path,
    category: r.category,
    class: r.class,
    p99: r.latency?.thresholdMs,
  }));
}

function routeOf(config: ResolvedConfig, method: string, path: string): string {
  const table = new RouteTable(config.routes);
  return table.routes[table.lookup(method, path)]!.name;
}

test('Swagger 2.0: basePath, host, tags as categories, a repeated and a missing operationId, a merge', async () => {
  const { code, stderr, file } = await runImport([
    join(fixtures, 'petstore-swagger2.yaml'),
    '--category-from',
    'tag',
    '--class-of',
    'pet-store=transaction-critical',
  ]);
  assert.equal(code, 0, stderr);
  const config = loadConfigFile(file);
  // host pets.example.com, schemes [http, https]: https is preferred.
  assert.equal(config.upstream, 'https://pets.example.com');
  assert.deepEqual(summary(config), [
    // basePath "/api/v2/" is put in front of every path, its trailing '/' dropped.
    {
      name: 'listPets',
      method: 'GET',
      path: '/api/v2/pets',
      category: 'pet-store',
      class: 'transaction-critical',
      p99: undefined,
    },
    {
      name: 'createPet',
      method: 'POST',
      path: '/api/v2/pets',
      category: 'pet-store',
      class: 'transaction-critical',
      p99: 250,
    },
    // GET /pets/{petId} and GET /pets/{id} differ by the parameter's name only: one route,
    // which keeps getPetById's 100 (ms) objective, the only one of the two.
    {
      name: 'getPet',
      method: 'GET',
      path: '/api/v2/pets/{petId}',
      category: 'pet-store',
      class: 'transaction-critical',
      p99: 100,
    },
    // DELETE's operationId repeats "getPet": made unique.
    {
      name: 'getPet-2',
      method: 'DELETE',
      path: '/api/v2/pets/{id}',
      category: 'admin',
      class: 'standard',
      p99: undefined,
    },
    // No operationId: named after method and path.
    {
      name: 'get--api-v2-stores-storeId-orders',
      method: 'GET',
      path: '/api/v2/stores/{storeId}/orders',
      category: 'orders',
      class: 'standard',
      p99: undefined,
    },
  ]);
  assert.match(
    stderr,
    /GET \/pets\/\{id\} \(getPetById\) merged into route "getPet" with GET \/pets\/\{petId\} \(getPet\)/,
  );
  assert.equal(routeOf(config, 'GET', '/api/v2/pets/rex'), 'getPet');
  assert.equal(routeOf(config, 'DELETE', '/api/v2/pets/rex'), 'getPet-2');
  assert.equal(routeOf(config, 'GET', '/pets/rex'), 'unmatched', 'the base path is part of every route');
});

test('OpenAPI 3.1: server variables, an external Path Item, trailing slash, overlaps, rewrites', async () => {
  const { code, stderr, file } = await runImport([join(fixtures, 'payments-openapi31.yaml')]);
  assert.equal(code, 0, stderr);
  const config = loadConfigFile(file);
  // https://{region}.pay.example.com/{version} with defaults eu and v1.
  assert.equal(config.upstream, 'https://eu.pay.example.com');
  assert.deepEqual(
    summary(config).map((r) => [r.name, r.method, r.path, r.category, r.p99]),
    [
      // From paths/payments.yaml through the $ref: get before post is the Path Item's key order.
      ['payments.list', 'GET', '/v1/payments', 'payment-reads', undefined],
      ['payments.create', 'POST', '/v1/payments', 'payment-request', 200],
      ['list-payments-slash', 'GET', '/v1/payments/', 'payment-reads', undefined],
      // x-slo-category on the Path Item; x-slo-latency-p99: 2s.
      ['payments.get', 'GET', '/v1/payments/{paymentId}', 'payment-reads', 2000],
      ['payments.search', 'GET', '/v1/payments/search', 'payment-reads', undefined],
      // No x-slo-category: the default category.
      ['payments.receipt', 'GET', '/v1/payments/{paymentId}/receipt.pdf', 'uncategorized', undefined],
      // The operation's own server (/files) replaces the document's; the id's spaces and
      // parentheses become '-'.
      ['reports:-download-CSV', 'GET', '/files/reports/{name}.csv', 'uncategorized', undefined],
      // "?action=capture" dropped; "Payment Request" is not a name, so it is slugged.
      ['payments.capture', 'POST', '/v1/payments/{paymentId}', 'payment-request', undefined],
    ],
  );
  assert.match(stderr, /1 more server\(s\) with another base path ignored; the route map uses "\/v1"/);
  assert.match(stderr, /dropped "\?action=capture"/);
  // Each request on its own route: trailing slash strict, static beats parameter.
  assert.equal(routeOf(config, 'GET', '/v1/payments'), 'payments.list');
  assert.equal(routeOf(config, 'GET', '/v1/payments/'), 'list-payments-slash');
  assert.equal(routeOf(config, 'GET', '/v1/payments/search'), 'payments.search');
  assert.equal(routeOf(config, 'GET', '/v1/payments/pay_123'), 'payments.get');
  assert.equal(routeOf(config, 'GET', '/v1/payments/pay_123/receipt.pdf'), 'payments.receipt');
  assert.equal(routeOf(config, 'GET', '/files/reports/march.csv'), 'reports:-download-CSV');
  assert.equal(routeOf(config, 'POST', '/v1/payments/pay_123'), 'payments.capture');
});

test('a bad x-slo-latency-p99 is refused with file:line:column and exit 2', async () => {
  const file = join(fixtures, 'bad-latency.yaml');
  const { code, stderr } = await runImport([file]).catch((err: { exitCode: number; message: string }) => ({
    code: err.exitCode,
    stderr: err.message,
    file: '',
  }));
  assert.equal(code, 2);
  // Line 7 of the fixture, `x-slo-latency-p99: fast`; the value starts at column 26.
  assert.match(
    stderr,
    new RegExp(
      `${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7:26: x-slo-latency-p99: "fast" is not a duration`,
    ),
  );
});

test('bad flags and unreadable documents exit 2 with what to do', async () => {
  const bad = [
    [
      ['--category-from', 'label', join(fixtures, 'bad-latency.yaml')],
      /--category-from must be one of x-slo-category, tag, path/,
    ],
    [['--class-of', 'payments', join(fixtures, 'bad-latency.yaml')], /--class-of takes CATEGORY=CLASS/],
    [[], /give at least one OpenAPI or Swagger file/],
  ] as const;
  for (const [args, message] of bad) {
    const { code, stderr } = await runImport([...args]);
    assert.equal(code, 2);
    assert.match(stderr, message);
  }
  await assert.rejects(
    runImport([join(dir, 'missing.yaml')]),
    (err: { exitCode: number; message: string }) => {
      assert.equal(err.exitCode, 2);
      assert.match(err.message, /missing\.yaml: not a readable OpenAPI or Swagger document/);
      return true;
    },
  );
});

test('through the CLI: a bad document is one stderr line with file:line:column and exit 2', async () => {
  const file = join('test', 'fixtures', 'openapi', 'bad-latency.yaml');
  const bad = await runCli(['import', 'openapi', file]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stdout, '');
  assert.equal(
    bad.stderr,
    `sloprobe import: ${file}:7:26: x-slo-latency-p99: "fast" is not a duration (use a number and a unit: ms, s, m, h or d, e.g. "200ms")\n`,
  );
  const unknown = await runCli(['import', 'wsdl', file]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown format "wsdl" \(try: openapi, openslo\)/);
  const ok = await runCli([
    'import',
    'openapi',
    join('test', 'fixtures', 'openapi', 'petstore-swagger2.yaml'),
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^upstream: https:\/\/pets\.example\.com$/m);
});
