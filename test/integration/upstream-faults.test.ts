/**
 * Each upstream fault yields the right status and outcome, with no
 * request lost from the counts. docs/sla-definitions.md#availability-occurrences counts "requests processed correctly (responses
 * having status code being 2xx, 3xx and 4xx)" as good; everything else the client asked
 * for and did not get is bad.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { applyOverrides, parseConfig } from '../../src/config/load.js';
import { createAppLog } from '../../src/log/app-log.js';
import { type Sidecar, startSidecar } from '../../src/sidecar.js';
import { parseSamples, type Sample, sum } from '../helpers/prom.js';

const CONFIG = `upstream: http://127.0.0.1:9
timeouts: { connect: 1s, headers: 300ms, body: 300ms, idle: 5s }
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request: { class: transaction-critical }
routes:
  - { name: ok, method: GET, path: /ok, category: payment-request }
  - { name: not-found, method: GET, path: /missing, category: payment-request }
  - { name: server-error, method: GET, path: /500, category: payment-request }
  - { name: reset, method: GET, path: /reset, category: payment-request }
  - { name: slow-headers, method: GET, path: /slow-headers, category: payment-request }
  - { name: slow-body, method: GET, path: /slow-body, category: payment-request }
`;

let upstream: Server;
let upstreamPort: number;
const sidecars: Sidecar[] = [];

async function sidecarFor(upstreamUrl: string): Promise<Sidecar> {
  const config = applyOverrides(parseConfig(CONFIG, 'faults.yaml'), {
    upstream: upstreamUrl,
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    dataDir: ':memory:',
    accessLog: 'off',
  });
  const s = await startSidecar(config, { log: createAppLog({ level: 'silent' }) });
  sidecars.push(s);
  return s;
}

async function metrics(s: Sidecar): Promise<Sample[]> {
  const res = await request(`http://127.0.0.1:${s.adminAddress.port}/metrics`);
  return parseSamples(await res.body.text());
}

async function get(s: Sidecar, path: string): Promise<{ status: number; body: string; error?: string }> {
  try {
    const res = await request(`http://127.0.0.1:${s.proxyAddress.port}${path}`);
    return { status: res.statusCode, body: await res.body.text() };
  } catch (err) {
    return { status: -1, body: '', error: (err as Error).message };
  }
}

before(async () => {
  upstream = createServer((req, res) => {
    switch (req.url) {
      case '/ok':
        res.end('{"ok":true}');
        return;
      case '/missing':
        res.writeHead(404).end('{}');
        return;
      case '/500':
        res.writeHead(500).end('{}');
        return;
      case '/reset':
        req.socket.destroy();
        return;
      case '/slow-headers':
        return; // never answers: the sidecar's headers timeout fires
      case '/slow-body':
        res.writeHead(200, { 'content-length': '100' });
        res.write('partial');
        return; // the rest never comes: the body timeout fires
    }
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamPort = (upstream.address() as AddressInfo).port;
});

after(async () => {
  for (const s of sidecars) await s.close(500);
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

test('each fault gets its status and outcome, and every request is counted once', async () => {
  const s = await sidecarFor(`http://127.0.0.1:${upstreamPort}`);
  const ok = await get(s, '/ok');
  assert.equal(ok.status, 200);
  const missing = await get(s, '/missing');
  assert.equal(missing.status, 404, 'a 4xx passes through');
  const err500 = await get(s, '/500');
  assert.equal(err500.status, 500);
  const reset = await get(s, '/reset');
  assert.equal(reset.status, 502, 'an upstream reset becomes 502');
  assert.equal(JSON.parse(reset.body).reason, 'reset');
  assert.ok(JSON.parse(reset.body).request_id, 'the error body names the request id');
  const slowHeaders = await get(s, '/slow-headers');
  assert.equal(slowHeaders.status, 504, 'a headers timeout becomes 504');
  const slowBody = await get(s, '/slow-body');
  assert.equal(slowBody.status, -1, 'a body that stops after the headers cuts the client off');

  const m = await metrics(s);
  const outcome = (route: string) =>
    ['good', 'bad', 'excluded'].filter((o) => sum(m, 'sloprobe_requests_total', { route, outcome: o }) > 0);
  assert.deepEqual(outcome('ok'), ['good']);
  assert.deepEqual(outcome('not-found'), ['good'], '4xx is good: "2xx, 3xx and 4xx"');
  assert.deepEqual(outcome('server-error'), ['bad']);
  assert.deepEqual(outcome('reset'), ['bad']);
  assert.deepEqual(outcome('slow-headers'), ['bad']);
  assert.deepEqual(outcome('slow-body'), ['bad']);
  assert.equal(sum(m, 'sloprobe_requests_total', { route: 'reset', code: '502' }), 1);
  assert.equal(sum(m, 'sloprobe_requests_total', { route: 'slow-headers', code: '504' }), 1);
  assert.equal(sum(m, 'sloprobe_upstream_errors_total', { route: 'reset', reason: 'reset' }), 1);
  assert.equal(
    sum(m, 'sloprobe_upstream_errors_total', { route: 'slow-headers', reason: 'timeout_headers' }),
    1,
  );
  assert.equal(sum(m, 'sloprobe_upstream_errors_total', { route: 'slow-body', reason: 'timeout_body' }), 1);
  assert.equal(sum(m, 'sloprobe_requests_total'), 6, 'no request lost from the counts');
  // The GET to /reset was sent again once (a reset before any answer), then given up.
  assert.equal(sum(m, 'sloprobe_upstream_retries_total'), 1);
});

test('an upstream that refuses connections gives 502 "refused", counted as bad', async () => {
  // Find a free port and leave it closed.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));

  const s = await sidecarFor(`http://127.0.0.1:${closedPort}`);
  const res = await get(s, '/ok');
  assert.equal(res.status, 502);
  assert.equal(JSON.parse(res.body).reason, 'refused');
  const m = await metrics(s);
  assert.equal(sum(m, 'sloprobe_requests_total', { route: 'ok', code: '502', outcome: 'bad' }), 1);
  assert.equal(sum(m, 'sloprobe_upstream_errors_total', { route: 'ok', reason: 'refused' }), 1);
});
