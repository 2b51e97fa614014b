/**
 * A request is recorded under the route of the configuration that routed it, however many
 * reloads happen while it is in flight. Each reload here reorders the routes, so the
 * index a request was routed with names another route in every later table: a sidecar
 * that remapped through the wrong table would record the slow request under `captures`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import type { ResolvedConfig } from '../../src/config/types.js';
import { parseSamples, sum } from '../helpers/prom.js';
import { loopbackConfig, startLoopbackSidecar } from '../helpers/sidecar.js';
import { startHoldingUpstream } from '../proxy/harness.js';

const HEAD = `upstream: http://127.0.0.1:9
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request: { class: transaction-critical }
routes:
`;
const SLOW = '  - { name: slow, method: POST, path: /v1/slow, category: payment-request }\n';
const CAPTURES = '  - { name: captures, method: POST, path: /v1/captures, category: payment-request }\n';
const VOIDS = '  - { name: voids, method: POST, path: /v1/voids, category: payment-request }\n';
// `slow` is route 1 in the first table; route 1 is `captures` in the second; the third
// has `slow` at 0 and `captures` at 1 again.
const FIRST = HEAD + CAPTURES + SLOW;
const SECOND = HEAD + SLOW + CAPTURES;
const THIRD = HEAD + SLOW + CAPTURES + VOIDS;

test('a request in flight across two reloads is recorded under the route that routed it', async (t) => {
  // The upstream holds the slow request until the test releases it, after both reloads.
  const up = await startHoldingUpstream();
  const held = up.held;
  t.after(() => up.close());
  const config = (yaml: string): ResolvedConfig => loopbackConfig(yaml, 'reload.yaml', { upstream: up.url });
  const s = await startLoopbackSidecar(config(FIRST));
  t.after(() => s.close(1000));

  const response = request(`http://127.0.0.1:${s.proxyAddress.port}/v1/slow`, { method: 'POST', body: '{}' });
  await up.arrived;
  await s.reload(config(SECOND));
  await s.reload(config(THIRD));
  held[0]!.writeHead(201).end('{}');
  const res = await response;
  assert.equal(res.statusCode, 201);
  await res.body.dump();

  const samples = parseSamples(
    await (await request(`http://127.0.0.1:${s.adminAddress.port}/metrics`)).body.text(),
  );
  // One request, routed as `slow` by the first table: one count under `slow`, none elsewhere.
  assert.equal(sum(samples, 'sloprobe_requests_total', { route: 'slow' }), 1);
  assert.equal(sum(samples, 'sloprobe_requests_total', { route: 'captures' }), 0);
  assert.equal(sum(samples, 'sloprobe_requests_total'), 1);
});
