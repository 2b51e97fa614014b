import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { AdminServer } from '../../src/admin/server.js';
import { MetricsEndpoint } from '../../src/telemetry/metrics.js';
import { Recorder } from '../../src/telemetry/recorder.js';
import { obs, seedRoutes } from '../telemetry/fixtures.js';

describe('AdminServer', () => {
  let ready = false;
  const errors: unknown[] = [];
  const recorder = new Recorder(seedRoutes());
  const server = new AdminServer({
    metrics: new MetricsEndpoint({ recorder, version: '0.1.0', processMetrics: false }),
    ready: () => ready,
    routesJson: () => ({ routes: [{ name: 'hpp-create-session', method: 'POST' }] }),
    onError: (err) => errors.push(err),
    authorize: (req) =>
      req.headers.authorization === 'Bearer t0ken' ? undefined : { status: 401, json: {} },
  });
  server.route('GET', '/v1/slos', () => ({ json: { slos: [] } }));
  server.route('POST', '/v1/downtimes', async (req) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    return { status: 201, json: { received: JSON.parse(body) as unknown } };
  });
  server.route('GET', '/v1/broken', () => {
    throw new Error('secret internal detail');
  });
  let base = '';

  before(async () => {
    const a = await server.listen('127.0.0.1', 0);
    base = `http://127.0.0.1:${a.port}`;
  });
  after(() => server.close());

  it('serves /metrics as Prometheus text 0.0.4 with the recorded traffic', async () => {
    recorder.observe(obs({ status: 200 }));
    const res = await request(`${base}/metrics`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const text = await res.body.text();
    assert.match(text, /^sloprobe_requests_total\{route="hpp-create-session",.*outcome="good"\} 1$/m);
  });

  it('answers /healthz with 200 "ok"', async () => {
    const res = await request(`${base}/healthz`);
    assert.equal(res.statusCode, 200);
    assert.equal((await res.body.text()).trim(), 'ok');
  });

  it('answers /readyz 503 until ready() is true, then 200', async () => {
    ready = false;
    const notYet = await request(`${base}/readyz`);
    assert.equal(notYet.statusCode, 503);
    await notYet.body.dump();
    ready = true;
    const now = await request(`${base}/readyz`);
    assert.equal(now.statusCode, 200);
    await now.body.dump();
  });

  it('serves /v1/routes as JSON from routesJson()', async () => {
    const res = await request(`${base}/v1/routes?verbose=1`);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.deepEqual(await res.body.json(), { routes: [{ name: 'hpp-create-session', method: 'POST' }] });
  });

  it('serves registered routes, with their request bodies', async () => {
    const slos = await request(`${base}/v1/slos`);
    assert.deepEqual(await slos.body.json(), { slos: [] });
    const res = await request(`${base}/v1/downtimes`, {
      method: 'POST',
      body: '{"id":"d1"}',
      headers: { authorization: 'Bearer t0ken' },
    });
    assert.equal(res.statusCode, 201);
    assert.deepEqual(await res.body.json(), { received: { id: 'd1' } });
  });

  it('asks authorize before any handler of a write, and never for a read', async () => {
    const denied = await request(`${base}/v1/downtimes`, { method: 'POST', body: '{"id":"d2"}' });
    assert.equal(denied.statusCode, 401);
    await denied.body.dump();
    const read = await request(`${base}/v1/slos`, { headers: { authorization: 'Bearer wrong' } });
    assert.equal(read.statusCode, 200);
    await read.body.dump();
  });

  it('refuses every write with 403 when it has no authorize', async () => {
    const bare = new AdminServer();
    bare.route('POST', '/v1/x', () => ({ json: { changed: true } }));
    const a = await bare.listen('127.0.0.1', 0);
    try {
      const res = await request(`http://127.0.0.1:${a.port}/v1/x`, { method: 'POST', body: '{}' });
      assert.equal(res.statusCode, 403);
      assert.equal(((await res.body.json()) as { changed?: boolean }).changed, undefined);
    } finally {
      await bare.close();
    }
  });

  it('answers HEAD like GET without a body', async () => {
    const res = await request(`${base}/healthz`, { method: 'HEAD' });
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), '');
  });

  it('answers 404 JSON for unknown paths', async () => {
    const res = await request(`${base}/nope`);
    assert.equal(res.statusCode, 404);
    assert.deepEqual(((await res.body.json()) as { error: string }).error, 'not_found');
  });

  it('answers 405 with Allow for a known path and the wrong method', async () => {
    const res = await request(`${base}/metrics`, { method: 'DELETE' });
    assert.equal(res.statusCode, 405);
    assert.equal(res.headers.allow, 'GET, HEAD');
    assert.equal(((await res.body.json()) as { error: string }).error, 'method_not_allowed');
  });

  it('answers 500 without the error details when a handler throws, and reports it', async () => {
    const res = await request(`${base}/v1/broken`);
    assert.equal(res.statusCode, 500);
    const text = await res.body.text();
    assert.doesNotMatch(text, /secret/);
    assert.equal(errors.length, 1);
  });

  it('answers 400 to a request target that is not a URL', async () => {
    const socket = connect(server.address!.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.end('GET http://[bad HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n');
    let raw = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      raw += chunk;
    });
    await once(socket, 'close');
    assert.match(raw, /^HTTP\/1\.1 400 /);
  });

  it('closes with keep-alive connections open', async () => {
    const other = new AdminServer();
    const a = await other.listen('127.0.0.1', 0);
    const res = await request(`http://127.0.0.1:${a.port}/healthz`);
    await res.body.dump();
    await other.close();
    assert.equal(other.address, null);
  });

  it('rejects listen on a port in use', async () => {
    const a = server.address!;
    await assert.rejects(new AdminServer().listen('127.0.0.1', a.port), { code: 'EADDRINUSE' });
  });
});
