/**
 * The keep-alive race: an upstream closes an idle kept-alive connection just as the pool
 * reuses it. A safe request without a body (RFC 9110 9.2.1: GET, HEAD, OPTIONS) that lost
 * its connection before any response headers is sent once more, as nginx's
 * `proxy_next_upstream error` does; anything else keeps the README's rule: "upstream
 * refused/reset/unreachable -> 502". Either way "the sink is called exactly once per
 * request" (observation.ts), with the outcome the client got.
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { closedPort, headerValues, send, startPair, startProxy } from './harness.js';

interface ErrorBody {
  error: string;
  reason: string;
  request_id: string;
}

/**
 * Answers the first request on each connection and keeps it alive; a second request on
 * the same connection finds it destroyed without an answer, as if the upstream's idle
 * timer had fired just as the request arrived.
 */
function closesOnReuse(): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const served = new WeakSet<Socket>();
  return (req, res) => {
    if (served.has(req.socket)) {
      req.socket.destroy();
      return;
    }
    served.add(req.socket);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  };
}

test('a GET whose reused connection is closed under it is retried once on a fresh one', async (t) => {
  const { up, px } = await startPair(t, closesOnReuse());
  assert.equal((await send(px.port, { path: '/v1/payments/1' })).status, 200);
  assert.equal(up.connections, 1);

  const reply = await send(px.port, { path: '/v1/payments/2', headers: { 'x-request-id': 'r-race' } });
  assert.equal(reply.status, 200, 'the client never sees the race');
  assert.equal(reply.body, 'ok');
  assert.equal(reply.headers['x-request-id'], 'r-race');
  assert.equal(up.connections, 2, 'the retry went out on a new connection');
  assert.equal(up.requests.length, 3);
  const attempts = up.requests.slice(1);
  for (const r of attempts) {
    assert.equal(r.url, '/v1/payments/2');
    assert.deepEqual(
      headerValues(r.rawHeaders, 'x-request-id'),
      ['r-race'],
      'same request id on both attempts',
    );
  }
  assert.notEqual(attempts[0]!.socket, attempts[1]!.socket);
  assert.equal(px.proxy.retries, 1);

  await px.sink.count(2);
  const raced = px.sink.seen.filter((o) => o.requestId === 'r-race');
  assert.equal(raced.length, 1, 'one observation for the request, not one per attempt');
  assert.equal(raced[0]!.status, 200);
  assert.equal(raced[0]!.errorReason, null);
  assert.equal(raced[0]!.clientAborted, false);
  assert.ok(raced[0]!.sliNs >= 0, 'the attempt that answered ends the SLI latency');
});

test('a POST with a body is not retried: the upstream may have acted on it', async (t) => {
  const { up, px } = await startPair(t, closesOnReuse());
  assert.equal((await send(px.port, { path: '/v1/payments' })).status, 200);
  const reply = await send(px.port, {
    method: 'POST',
    path: '/v1/payments',
    headers: { 'content-type': 'application/json', 'x-request-id': 'r-post' },
    body: '{"amount":100}',
  });
  assert.equal(reply.status, 502);
  assert.deepEqual(JSON.parse(reply.body) as ErrorBody, {
    error: 'upstream_unavailable',
    reason: 'reset',
    request_id: 'r-post',
  });
  assert.equal(up.requests.length, 2, 'the POST reached the upstream once');
  assert.equal(up.connections, 1);
  assert.equal(px.proxy.retries, 0);
  await px.sink.count(2);
  const o = px.sink.seen.find((s) => s.requestId === 'r-post');
  assert.equal(o?.status, 502);
  assert.equal(o?.errorReason, 'reset');
});

test('a GET with a body is not retried either: the body was read from the client once', async (t) => {
  // A route that forwards GET bodies (`allow_body_on_get`); others refuse them with 400.
  const { up, px } = await startPair(t, closesOnReuse(), { allowsBodyOnGet: () => true });
  assert.equal((await send(px.port, { path: '/v1/payments' })).status, 200);
  const reply = await send(px.port, {
    path: '/v1/payments/search',
    // node:http frames a GET body only when told its length.
    headers: { 'content-type': 'application/json', 'content-length': '21', 'x-request-id': 'r-get-body' },
    body: '{"status":"captured"}',
  });
  assert.equal(reply.status, 502);
  assert.equal((JSON.parse(reply.body) as ErrorBody).reason, 'reset');
  assert.equal(up.requests.length, 2);
  assert.equal(px.proxy.retries, 0);
});

test('an upstream that resets every attempt gets exactly one retry, then 502 reset', async (t) => {
  const { up, px } = await startPair(t, (req) => req.socket.destroy());
  const reply = await send(px.port, {
    method: 'HEAD',
    path: '/v1/payments/1',
    headers: { 'x-request-id': 'r-dead' },
  });
  assert.equal(reply.status, 502);
  assert.equal(reply.headers['x-request-id'], 'r-dead');
  assert.equal(up.requests.length, 2, 'the first attempt and one retry, no more');
  assert.equal(px.proxy.retries, 1);
  const o = await px.sink.nth(1);
  assert.equal(px.sink.seen.length, 1);
  assert.equal(o.status, 502);
  assert.equal(o.errorReason, 'reset');
  assert.equal(o.sliNs, -1, 'no attempt got headers');
});

test('a refused connection is not retried: the upstream is down', async (t) => {
  const port = await closedPort();
  const px = await startProxy(`http://127.0.0.1:${port}`);
  t.after(() => px.close());
  const reply = await send(px.port, { path: '/v1/payments/1', headers: { 'x-request-id': 'r-refused' } });
  assert.equal(reply.status, 502);
  assert.equal((JSON.parse(reply.body) as ErrorBody).reason, 'refused');
  assert.equal(px.proxy.retries, 0);
  const o = await px.sink.nth(1);
  assert.equal(o.errorReason, 'refused');
});
