/**
 * A real route map of 50+ operations (Adyen's public OpenAPI, see
 * test/fixtures/openapi-routes.yaml) routes each request to its own route label with exact
 * counts, through the real sidecar on loopback.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { loadConfigFile } from '../../src/config/load.js';
import type { Sidecar } from '../../src/sidecar.js';
import { parseSamples, sum } from '../helpers/prom.js';
import { onLoopback, startLoopbackSidecar } from '../helpers/sidecar.js';
import { fixturePath, samplePath } from '../routing/fixture-routes.js';

let upstream: Server;
let sidecar: Sidecar;
const seen: string[] = [];

before(async () => {
  upstream = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const config = onLoopback(loadConfigFile(fixturePath), {
    upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
  });
  sidecar = await startLoopbackSidecar(config);
});

after(async () => {
  await sidecar.close(1000);
  await new Promise<void>((r) => upstream.close(() => r()));
});

test('every operation of a 100-operation OpenAPI map lands on its own route, with exact counts', async () => {
  const routes = sidecar.table.routes.filter((r) => r.name !== 'unmatched' && !r.path.endsWith('*'));
  assert.ok(routes.length >= 50, `the fixture has ${routes.length} operations`);
  const base = `http://127.0.0.1:${sidecar.proxyAddress.port}`;
  // Route i is called (i % 3) + 1 times, so a request counted under a neighbour's label shows.
  let sent = 0;
  for (const [i, r] of routes.entries()) {
    const method = r.methods[0]!;
    for (let k = 0; k <= i % 3; k++) {
      const res = await request(`${base}${samplePath(r.path, i)}?page=${k}`, {
        method,
        body: method === 'GET' || method === 'DELETE' ? null : '{}',
      });
      await res.body.dump();
      assert.equal(res.statusCode, 200);
      sent++;
    }
  }
  const res = await request(`http://127.0.0.1:${sidecar.adminAddress.port}/metrics`);
  const samples = parseSamples(await res.body.text());
  for (const [i, r] of routes.entries()) {
    assert.equal(sum(samples, 'sloprobe_requests_total', { route: r.name }), (i % 3) + 1, r.name);
  }
  assert.equal(sum(samples, 'sloprobe_requests_total', { route: 'unmatched' }), 0);
  assert.equal(sum(samples, 'sloprobe_requests_total'), sent);
  assert.equal(seen.length, sent, 'every request reached the upstream once');
});

test('a path outside the map is counted once under the single `unmatched` route', async () => {
  const base = `http://127.0.0.1:${sidecar.proxyAddress.port}`;
  for (const p of ['/nope/1', '/nope/2', '/nope/3']) await (await request(`${base}${p}`)).body.dump();
  const res = await request(`http://127.0.0.1:${sidecar.adminAddress.port}/metrics`);
  const samples = parseSamples(await res.body.text());
  assert.equal(sum(samples, 'sloprobe_requests_total', { route: 'unmatched', category: 'unclassified' }), 3);
  assert.ok(
    !samples.some((s) => Object.values(s.labels).some((v) => v.startsWith('/nope'))),
    'no label per raw path',
  );
});
