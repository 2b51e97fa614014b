/**
 * The logged route name as a shortcut past the route table (logged-route.ts): whenever it is
 * taken, it is the route a fresh lookup gives, on every shipped config and on a map made of
 * the cases that must not take it; and it is taken where the map proves it, so the test
 * would notice a shortcut that never fires. A route map changed since the log was written
 * (a route renamed, an overlapping route added) gives what a fresh lookup of today's map gives.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfigFile, parseConfig } from '../../src/config/load.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { mulberry32 } from '../../src/demo/random.js';
import { LoggedRoutes } from '../../src/replay/logged-route.js';
import { RouteTable } from '../../src/routing/route-table.js';

const configDir = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', 'config');
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** Paths around a route's template: a fit, and the near misses a log can hold. */
function pathsFor(template: string, rnd: () => number): string[] {
  const id = () => `${Math.floor(rnd() * 1e9)}`;
  const fill = (t: string, v: () => string) => t.replace(/\{[^}]+\}/g, v).replace(/\/\*$/, `/x${id()}`);
  const fit = fill(template, id);
  return [
    fit,
    fill(template, () => ''),
    fill(template, () => '.'),
    fill(template, () => '..'),
    fill(template, () => '%31'),
    fill(template, () => 'a'.repeat(2049)),
    fill(template, () => 'a'.repeat(2048)),
    `${fit}/`,
    `${fit}/more`,
    fit.replace(/\/[^/]*$/, ''),
    `/${fit}`,
    fit.replace('/', '//'),
    fit.toUpperCase(),
  ];
}

/** Every (route name, method, path) the checks try; returns how often the shortcut fired. */
function compare(cfg: ResolvedConfig, rnd: () => number): number {
  const table = new RouteTable(cfg.routes);
  const logged = new LoggedRoutes(cfg.routes);
  let taken = 0;
  const names = [...cfg.routes.map((r) => r.name), 'unmatched', 'gone'];
  for (const r of cfg.routes) {
    for (const path of pathsFor(r.path, rnd)) {
      const pb = Buffer.from(path, 'latin1');
      for (const name of names) {
        const b = Buffer.concat([Buffer.from(name, 'latin1'), pb]);
        for (const method of METHODS) {
          const got = logged.match(b, 0, name.length, method, name.length, b.length);
          if (got < 0) continue;
          taken++;
          assert.equal(got, table.lookup(method, path), `${name} ${method} ${path}`);
        }
      }
    }
  }
  return taken;
}

test('the shortcut, when taken, is the fresh lookup on every shipped config', () => {
  const rnd = mulberry32(7);
  const files = readdirSync(configDir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 3, 'the shipped configs');
  let taken = 0;
  for (const f of files) taken += compare(loadConfigFile(join(configDir, f)), rnd);
  assert.ok(taken > 0, 'some logged routes are provably the lookup');
});

const MAP = `
upstream: http://127.0.0.1:9
classes: { critical: { availability: 99% } }
categories: { c: { class: critical } }
routes:
  - { name: get-payment, method: GET, path: "/v1/payments/{id}", category: c }
  - { name: capture, method: POST, path: "/v1/payments/{id}", category: c }
  - { name: search, method: GET, path: /v1/payments/search, category: c }
  - { name: refund, method: POST, path: "/v1/payments/{id}/refunds", category: c }
  - { name: any-refund, method: "*", path: "/v1/payments/{id}/refunds/{rid}", category: c }
  - { name: read-refund, method: GET, path: "/v1/payments/{id}/refunds/{rid}", category: c }
  - { name: orders, method: GET, path: "/v1/orders/{id}", category: c }
  - { name: orders-any, method: "*", path: /v1/orders/*, category: c }
  - { name: file, method: GET, path: "/v1/files/{name}.pdf", category: c }
  - { name: slash, method: GET, path: /v1/slash/, category: c }
  - { name: colon, method: POST, path: "/v1/jobs/{id}:cancel", category: c }
  - { name: static, method: GET, path: /v1/status, category: c }
  - { name: legacy, method: PUT, path: /v1/payments/legacy/*, category: c }
  - { name: amend, method: PUT, path: "/v1/payments/{id}/refunds", category: c }
  - { name: invoice, method: GET, path: "/v2/invoices/{id}/lines", category: c }
  - { name: invoices-any, method: GET, path: "/v2/invoices/*", category: c }
  - { name: invoice-param, method: GET, path: "/v2/{kind}/*", category: c }
`;

test('overlapping, prefix and non-plain routes take the full lookup', () => {
  const cfg = parseConfig(MAP, 'map.yaml');
  const logged = new LoggedRoutes(cfg.routes);
  const table = new RouteTable(cfg.routes);
  const at = (name: string, method: string, path: string) => {
    const b = Buffer.from(name + path, 'latin1');
    return logged.match(b, 0, name.length, method, name.length, b.length);
  };
  const index = (name: string) => cfg.routes.findIndex((r) => r.name === name);
  // GET /v1/payments/{id} overlaps GET /v1/payments/search: the lookup decides.
  assert.equal(at('get-payment', 'GET', '/v1/payments/p1'), -1);
  // POST on the same template overlaps no other POST route: taken.
  assert.equal(at('capture', 'POST', '/v1/payments/p1'), index('capture'));
  assert.equal(at('refund', 'POST', '/v1/payments/p1/refunds'), index('refund'));
  // A `*` route overlapping a GET route: taken for POST, not for GET.
  assert.equal(at('any-refund', 'POST', '/v1/payments/p1/refunds/r1'), index('any-refund'));
  assert.equal(at('any-refund', 'GET', '/v1/payments/p1/refunds/r1'), -1);
  // Under a prefix it beats (fewer segments, each a parameter or its own static one): taken,
  // as find-my-way tries the static and parametric children before a wildcard.
  assert.equal(at('invoice', 'GET', '/v2/invoices/i1/lines'), index('invoice'));
  assert.equal(table.lookup('GET', '/v2/invoices/i1/lines'), index('invoice'));
  assert.equal(table.lookup('GET', '/v2/invoices/i1/other'), index('invoices-any'));
  assert.equal(at('invoice', 'GET', '/v2/invoices/i1/other'), -1);
  // A prefix with a static segment where the route has a parameter wins there: never taken.
  assert.equal(table.lookup('PUT', '/v1/payments/legacy/refunds'), index('legacy'));
  assert.equal(at('amend', 'PUT', '/v1/payments/legacy/refunds'), -1);
  assert.equal(at('amend', 'PUT', '/v1/payments/p1/refunds'), -1);
  assert.equal(at('orders', 'GET', '/v1/orders/o1'), index('orders'));
  assert.equal(table.lookup('GET', '/v1/orders/o1'), index('orders'));
  // A literal beside a parameter, a trailing slash: never.
  assert.equal(at('file', 'GET', '/v1/files/a.pdf'), -1);
  assert.equal(at('slash', 'GET', '/v1/slash/'), -1);
  assert.equal(at('colon', 'POST', '/v1/jobs/j1:cancel'), -1);
  assert.equal(at('static', 'GET', '/v1/status'), index('static'));
  // A method the route does not serve, a path that does not fit.
  assert.equal(at('static', 'POST', '/v1/status'), -1);
  assert.equal(at('static', 'GET', '/v1/status2'), -1);
  assert.ok(compare(cfg, mulberry32(11)) > 0);
});

test('a route map changed since the log was written: the answer is today map’s lookup', () => {
  const before = parseConfig(MAP, 'map.yaml');
  // The line was written when `static` served /v1/status. Today the route is renamed, and
  // a new `*` route overlaps `capture`.
  const today = parseConfig(
    MAP.replace('name: static,', 'name: health,').replace(
      '  - { name: orders,',
      '  - { name: payments-any, method: "*", path: "/v1/payments/{x}", category: c }\n  - { name: orders,',
    ),
    'map.yaml',
  );
  assert.equal(before.routes.length + 1, today.routes.length);
  const logged = new LoggedRoutes(today.routes);
  const at = (name: string, method: string, path: string) => {
    const b = Buffer.from(name + path, 'latin1');
    return logged.match(b, 0, name.length, method, name.length, b.length);
  };
  assert.equal(at('static', 'GET', '/v1/status'), -1);
  assert.equal(at('capture', 'POST', '/v1/payments/p1'), -1);
  assert.ok(compare(today, mulberry32(13)) > 0);
});
