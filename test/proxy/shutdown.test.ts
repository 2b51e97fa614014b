/**
 * "Graceful shutdown on SIGTERM/SIGINT: stop accepting, let in-flight requests finish up to
 * a deadline (--drain-timeout, default 20s), then exit 0.". ProxyServer.close is
 * the part the CLI calls on the signal.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { type Reply, send, startPair, startProxy, startUpstream } from './harness.js';

test('close: an in-flight request finishes during the drain while new connections are refused', async (t) => {
  let release!: () => void;
  let resolveArrived!: () => void;
  const arrived = new Promise<void>((resolve) => {
    resolveArrived = resolve;
  });
  const { px } = await startPair(t, (_req, res) => {
    release = () => res.end('finished in time');
    resolveArrived();
  });
  const inFlight: Promise<Reply> = send(px.port, { path: '/v1/payments' });
  await arrived;
  assert.equal(px.proxy.ready, true);
  const closing = px.proxy.close(30_000);
  assert.equal(px.proxy.ready, false, 'not ready once closing began');
  await assert.rejects(send(px.port, { path: '/v1/payments' }), { code: 'ECONNREFUSED' });
  release();
  const reply = await inFlight;
  assert.equal(reply.status, 200);
  assert.equal(reply.body, 'finished in time');
  assert.equal(reply.headers.connection, 'close', 'the client is told not to reuse the connection');
  await closing;
  assert.equal(px.sink.seen.length, 1);
  assert.equal(px.sink.seen[0]?.status, 200);
  assert.equal(px.sink.seen[0]?.errorReason, null);
});

test('close: idle keep-alive connections are closed at once', async (t) => {
  const up = await startUpstream((_req, res) => res.end('ok'));
  const px = await startProxy(up.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(async () => {
    agent.destroy();
    await px.close();
    await up.close();
  });
  let clientSocketClosed!: Promise<void>;
  px.proxy.server.once('connection', (socket) => {
    clientSocketClosed = new Promise((resolve) => socket.once('close', () => resolve()));
  });
  assert.equal((await send(px.port, { path: '/v1/payments', agent })).status, 200);
  // A long drain deadline: only the idle-connection close can end this promptly.
  await px.proxy.close(600_000);
  await clientSocketClosed;
});

test('close: a request still running at the deadline is cut and recorded as the sidecar failing it', async (t) => {
  let resolveArrived!: () => void;
  const arrived = new Promise<void>((resolve) => {
    resolveArrived = resolve;
  });
  const up = await startUpstream(() => resolveArrived()); // never answers
  const px = await startProxy(up.url);
  t.after(async () => {
    await px.close();
    await up.close();
  });
  const outcome = new Promise<string>((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: px.port, path: '/v1/payments', agent: false });
    req.on('response', () => resolve('response'));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
  await arrived;
  await px.proxy.close(50);
  assert.equal(await outcome, 'ECONNRESET', 'the client sees its connection cut, not a fake answer');
  assert.equal(px.sink.seen.length, 1, 'still observed exactly once');
  const o = px.sink.seen[0]!;
  assert.equal(o.clientAborted, false, 'the client did not abandon it');
  assert.equal(o.errorReason, 'other');
  assert.equal(o.status, 0);
});
