/**
 * "Not an open proxy: absolute-form targets naming another host and CONNECT are refused
 * (400/405) and never forwarded; only the configured upstream is ever contacted."
 * Each refusal is still observed once, with its status.
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import {
  type Echoed,
  echo,
  headerValues,
  parseRaw,
  ROUTE_UNMATCHED,
  rawExchange,
  startPair,
} from './harness.js';

function fixture(t: { after: (fn: () => Promise<void>) => void }) {
  return startPair(t, echo);
}

test('an absolute-form target naming another host gets 400 and is never forwarded', async (t) => {
  const { up, px } = await fixture(t);
  // What a forward-proxy client sends: the Host header agrees with the foreign target.
  const reply = parseRaw(
    await rawExchange(px.port, 'GET http://bank.example/v1/payments HTTP/1.1\r\nHost: bank.example\r\n\r\n'),
  );
  assert.equal(reply.status, 400);
  const body = JSON.parse(reply.body) as { error: string; request_id: string };
  assert.equal(body.request_id, reply.headers.get('x-request-id'));
  assert.equal(up.requests.length, 0, 'the upstream saw nothing');
  assert.equal(up.connections, 0, 'no connection was even opened');
  const o = await px.sink.nth(1);
  assert.equal(o.status, 400);
  assert.equal(o.errorReason, null);
  assert.equal(o.routeIndex, ROUTE_UNMATCHED);
});

test('an absolute-form target with userinfo, or on https to another host, is refused too', async (t) => {
  const { up, px } = await fixture(t);
  const userinfo = parseRaw(
    await rawExchange(
      px.port,
      `GET http://user@127.0.0.1:${px.port}/v1/payments HTTP/1.1\r\nHost: x\r\n\r\n`,
    ),
  );
  assert.equal(userinfo.status, 400);
  const tls = parseRaw(await rawExchange(px.port, 'GET https://bank.example/ HTTP/1.1\r\nHost: x\r\n\r\n'));
  assert.equal(tls.status, 400);
  assert.equal(up.requests.length, 0);
});

test('an absolute-form target naming the sidecar itself or the upstream is normalised and forwarded (RFC 9112 3.2.2)', async (t) => {
  const { up, px } = await fixture(t);
  const self = parseRaw(
    await rawExchange(
      px.port,
      `GET http://127.0.0.1:${px.port}/v1/payments?x=1 HTTP/1.1\r\nHost: ignored.example\r\nConnection: close\r\n\r\n`,
    ),
  );
  assert.equal(self.status, 200);
  const seen = JSON.parse(self.body) as Echoed;
  assert.equal(seen.url, '/v1/payments?x=1', 'origin-form upstream');
  assert.deepEqual(
    headerValues(seen.rawHeaders, 'x-forwarded-host'),
    [`127.0.0.1:${px.port}`],
    'the target authority replaces Host (RFC 9112 3.2.2)',
  );
  const viaUpstream = parseRaw(
    await rawExchange(px.port, `GET ${up.url}?only=query HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`),
  );
  assert.equal(viaUpstream.status, 200);
  assert.equal((JSON.parse(viaUpstream.body) as Echoed).url, '/?only=query');
});

test('CONNECT gets 405 with Allow and never reaches the upstream', async (t) => {
  const { up, px } = await fixture(t);
  const reply = parseRaw(
    await rawExchange(
      px.port,
      'CONNECT bank.example:443 HTTP/1.1\r\nHost: bank.example:443\r\nX-Request-Id: tunnel-1\r\n\r\n',
    ),
  );
  assert.equal(reply.status, 405);
  assert.ok(reply.headers.get('allow'), 'RFC 9110 15.5.6: a 405 names the allowed methods');
  assert.doesNotMatch(reply.headers.get('allow') ?? '', /CONNECT/);
  assert.equal(reply.headers.get('x-request-id'), 'tunnel-1');
  assert.equal(up.connections, 0);
  const o = await px.sink.nth(1);
  assert.equal(o.method, 'CONNECT');
  assert.equal(o.status, 405);
  assert.equal(o.requestId, 'tunnel-1');
});

test('request smuggling: ambiguous framing gets 400 and neither request reaches the upstream', async (t) => {
  const { up, px } = await fixture(t);
  const attempts = [
    // CL.TE: Content-Length and Transfer-Encoding together (RFC 9112 6.1 forbids relaying it).
    'POST /v1/payments HTTP/1.1\r\nHost: a\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '0\r\n\r\nGET /admin/smuggled HTTP/1.1\r\nHost: a\r\n\r\n',
    // Two different Content-Length values.
    'POST /v1/payments HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\nhello' +
      'GET /admin/smuggled HTTP/1.1\r\nHost: a\r\n\r\n',
    // A Transfer-Encoding whose final coding is not chunked.
    'POST /v1/payments HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n' +
      '0\r\n\r\nGET /admin/smuggled HTTP/1.1\r\nHost: a\r\n\r\n',
  ];
  for (const bytes of attempts) {
    const text = await rawExchange(px.port, bytes);
    const reply = parseRaw(text);
    assert.equal(reply.status, 400, bytes.split('\r\n').slice(2, 4).join(' | '));
    assert.equal(text.match(/HTTP\/1\.1 /g)?.length, 1, 'exactly one response, then the connection closes');
    assert.ok(reply.headers.get('x-request-id'));
  }
  assert.equal(up.connections, 0, 'the upstream saw nothing');
  await px.sink.count(3);
  for (const o of px.sink.seen) {
    assert.equal(o.status, 400);
    assert.equal(o.method, 'POST', 'the method is recovered from the rejected request line');
    assert.equal(o.path, '/v1/payments');
  }
});

test('malformed request targets get 400 and are never forwarded', async (t) => {
  const { up, px } = await fixture(t);
  const targets = [
    '/v1/payments/%zz', // invalid percent-encoding
    '/v1/payments/%4', // truncated escape
    '*', // asterisk-form is for OPTIONS to a proxy, not an API
    'v1/payments', // no leading slash
    '/v1/payments#fragment', // a fragment is never part of a request target
    '/v1/\x01payments', // a control character (Node's parser refuses it)
  ];
  for (const target of targets) {
    const reply = parseRaw(await rawExchange(px.port, `GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`));
    assert.equal(reply.status, 400, JSON.stringify(target));
  }
  assert.equal(up.connections, 0);
  await px.sink.count(targets.length);
  assert.deepEqual(
    px.sink.seen.map((o) => o.status),
    targets.map(() => 400),
  );
});

test('RFC 9112 3.2: an HTTP/1.1 request without Host, or with two, gets 400', async (t) => {
  const { up, px } = await fixture(t);
  const missing = parseRaw(await rawExchange(px.port, 'GET /v1/payments HTTP/1.1\r\n\r\n'));
  assert.equal(missing.status, 400);
  const twice = parseRaw(
    await rawExchange(px.port, 'GET /v1/payments HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'),
  );
  assert.equal(twice.status, 400);
  assert.equal(up.requests.length, 0);
  await px.sink.count(2);
  assert.deepEqual(
    px.sink.seen.map((o) => [o.status, o.path]),
    [
      [400, '/v1/payments'],
      [400, '/v1/payments'],
    ],
  );
});

test('a WebSocket upgrade gets 501; an h2c upgrade offer is ignored and the request forwarded', async (t) => {
  const { up, px } = await fixture(t);
  const ws = parseRaw(
    await rawExchange(
      px.port,
      'GET /v1/stream HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    ),
  );
  assert.equal(ws.status, 501);
  assert.equal(up.requests.length, 0);
  const h2c = parseRaw(
    await rawExchange(
      px.port,
      'GET /v1/payments HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings, close\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n',
    ),
  );
  assert.equal(h2c.status, 200);
  const seen = JSON.parse(h2c.body) as Echoed;
  assert.deepEqual(headerValues(seen.rawHeaders, 'upgrade'), []);
  assert.deepEqual(headerValues(seen.rawHeaders, 'http2-settings'), [], 'named in Connection, so hop-by-hop');
});

test('a request body with broken chunked framing gets 400 mid-flight and its upstream request is cancelled', async (t) => {
  let resolveArrived!: (req: http.IncomingMessage) => void;
  const arrived = new Promise<http.IncomingMessage>((resolve) => {
    resolveArrived = resolve;
  });
  const { px } = await startPair(t, (req) => {
    req.on('error', () => {}); // the body is cut: that is the point
    req.resume();
    resolveArrived(req);
  });
  const socket = net.connect(px.port, '127.0.0.1');
  socket.setEncoding('latin1');
  let text = '';
  socket.on('data', (d: string) => {
    text += d;
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => {});
  socket.write('POST /v1/payments HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
  const upstreamReq = await arrived; // the request is in flight upstream
  const upstreamClosed = new Promise<void>((resolve) => upstreamReq.socket.once('close', () => resolve()));
  socket.write('zz-not-a-chunk-size\r\n');
  await closed;
  await upstreamClosed;
  assert.equal(parseRaw(text).status, 400);
  const o = await px.sink.nth(1);
  assert.equal(o.status, 400);
  assert.equal(o.clientAborted, false);
  assert.equal(o.errorReason, null);
});
