import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import {
  type Echoed,
  echo,
  headerValues,
  parseRaw,
  ROUTE_PAYMENTS,
  rawExchange,
  send,
  startPair,
  startProxy,
  startUpstream,
} from './harness.js';

test('GET and POST pass through with path, query, headers and bodies intact', async (t) => {
  const { px } = await startPair(t, echo);

  const get = await send(px.port, {
    path: '/v1/payments/p_1?expand=customer&x=%20y',
    headers: { 'x-merchant': 'm-42' },
  });
  assert.equal(get.status, 200);
  assert.equal(get.headers['x-upstream'], 'echo', 'upstream response headers reach the client');
  const g = JSON.parse(get.body) as Echoed;
  assert.equal(g.method, 'GET');
  assert.equal(g.url, '/v1/payments/p_1?expand=customer&x=%20y', 'the target is forwarded byte for byte');
  assert.deepEqual(headerValues(g.rawHeaders, 'x-merchant'), ['m-42']);

  const payload = JSON.stringify({ amount: 1000, currency: 'EUR', note: 'ü'.repeat(3000) });
  const post = await send(px.port, {
    method: 'POST',
    path: '/v1/payments',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    body: payload,
  });
  assert.equal(post.status, 200);
  const p = JSON.parse(post.body) as Echoed;
  assert.equal(p.method, 'POST');
  assert.equal(p.body, payload);
  assert.deepEqual(headerValues(p.rawHeaders, 'content-length'), [String(Buffer.byteLength(payload))]);

  // A chunked request body (no Content-Length) is streamed through as well.
  const chunked = await new Promise<Echoed>((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: px.port,
      method: 'PUT',
      path: '/v1/payments/p_1',
      agent: false,
    });
    req.on('response', (res) => {
      let s = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        s += d;
      });
      res.on('end', () => resolve(JSON.parse(s) as Echoed));
    });
    req.on('error', reject);
    req.write('part one, ');
    req.end('part two');
  });
  assert.equal(chunked.body, 'part one, part two');

  await px.close();
  assert.equal(px.sink.seen.length, 3, 'one observation per request');
  const [og, op] = px.sink.seen;
  assert.equal(og?.routeIndex, ROUTE_PAYMENTS);
  assert.equal(og?.method, 'GET');
  assert.equal(og?.path, '/v1/payments/p_1', 'the observed path carries no query string');
  assert.equal(og?.status, 200);
  assert.equal(og?.errorReason, null);
  assert.equal(og?.clientAborted, false);
  assert.ok((og?.sliNs ?? -1) >= 0, 'an upstream answer gives an SLI latency');
  assert.ok((og?.durationNs ?? 0) >= (og?.sliNs ?? 0), 'total duration covers the SLI span');
  assert.equal(og?.digest, null, 'no digest unless asked for');
  assert.equal(op?.method, 'POST');
  assert.ok(
    px.routes.calls.includes('GET /v1/payments/p_1'),
    'the route table is asked with method and path',
  );
});

test('RFC 9110 7.6.1: hop-by-hop fields, and every field named in Connection, are not forwarded upstream', async (t) => {
  const { px } = await startPair(t, echo);
  const text = await rawExchange(
    px.port,
    'GET /v1/payments HTTP/1.1\r\nHost: api.example.test\r\n' +
      'Connection: keep-alive, X-Hop-Secret, close\r\nX-Hop-Secret: must-not-leave\r\n' +
      'Keep-Alive: timeout=99\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nTrailer: X-Checksum\r\n' +
      'Proxy-Authorization: Basic cHJveHk6c2VjcmV0\r\nUpgrade: h2c\r\nX-End-To-End: kept\r\n\r\n',
  );
  const reply = parseRaw(text);
  assert.equal(reply.status, 200);
  const seen = JSON.parse(reply.body) as Echoed;
  for (const name of [
    'x-hop-secret',
    'keep-alive',
    'proxy-connection',
    'te',
    'trailer',
    'proxy-authorization',
    'upgrade',
  ]) {
    assert.deepEqual(headerValues(seen.rawHeaders, name), [], `${name} must not reach the upstream`);
  }
  assert.deepEqual(headerValues(seen.rawHeaders, 'x-end-to-end'), ['kept']);
  for (const v of headerValues(seen.rawHeaders, 'connection')) {
    assert.doesNotMatch(v, /x-hop-secret/i, "the client's Connection header is not relayed");
  }
});

test('RFC 9110 7.6.1: hop-by-hop fields of the upstream response are not relayed to the client', async (t) => {
  const { px } = await startPair(t, (_req, res) => {
    res.setHeader('Connection', 'keep-alive, X-Upstream-Internal');
    res.setHeader('X-Upstream-Internal', 'secret');
    res.setHeader('Keep-Alive', 'timeout=77');
    res.setHeader('Proxy-Authenticate', 'Basic realm="internal"');
    res.setHeader('Trailer', 'X-Checksum');
    res.setHeader('Upgrade', 'h2c');
    res.setHeader('X-End-To-End', 'kept');
    res.end('body');
  });
  const reply = await send(px.port, { path: '/v1/payments' });
  assert.equal(reply.status, 200);
  assert.equal(reply.body, 'body');
  for (const name of ['x-upstream-internal', 'proxy-authenticate', 'trailer', 'upgrade']) {
    assert.deepEqual(headerValues(reply.rawHeaders, name), [], `${name} must not reach the client`);
  }
  assert.notEqual(
    reply.headers['keep-alive'],
    'timeout=77',
    "the upstream's Keep-Alive is its own hop's business",
  );
  assert.equal(reply.headers['x-end-to-end'], 'kept');
});

test('X-Forwarded-For is appended to, X-Forwarded-Proto/Host describe this hop, Via is appended in both directions', async (t) => {
  const { up, px } = await startPair(t, echo);
  const reply = await send(px.port, {
    path: '/v1/payments',
    headers: {
      host: 'api.example.test',
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'forged.example',
      via: '1.1 edge-lb',
    },
  });
  const seen = JSON.parse(reply.body) as Echoed;
  assert.deepEqual(headerValues(seen.rawHeaders, 'x-forwarded-for'), ['203.0.113.7, 127.0.0.1']);
  assert.deepEqual(headerValues(seen.rawHeaders, 'x-forwarded-proto'), ['http']);
  assert.deepEqual(headerValues(seen.rawHeaders, 'x-forwarded-host'), ['api.example.test']);
  assert.deepEqual(headerValues(seen.rawHeaders, 'via'), ['1.1 edge-lb, 1.1 sloprobe']);
  // The upstream gets its own authority as Host; the client's is in X-Forwarded-Host.
  assert.deepEqual(headerValues(seen.rawHeaders, 'host'), [`127.0.0.1:${up.port}`]);
  assert.equal(
    reply.headers.via,
    '1.1 sloprobe',
    'RFC 9110 7.6.3: the proxy adds itself to Via on the response',
  );

  // An HTTP/1.0 client is received over 1.0: Via says so (RFC 9110 7.6.3 received-protocol).
  const old = parseRaw(await rawExchange(px.port, 'GET /v1/payments HTTP/1.0\r\n\r\n'));
  assert.equal(old.status, 200);
  const seenOld = JSON.parse(old.body) as Echoed;
  assert.deepEqual(headerValues(seenOld.rawHeaders, 'via'), ['1.0 sloprobe']);
  assert.deepEqual(headerValues(seenOld.rawHeaders, 'x-forwarded-host'), [], 'no Host, nothing to forward');
});

test('x-request-id: a sane one is passed through, otherwise one is generated; the client always gets it back', async (t) => {
  const { px } = await startPair(t, echo);
  const given = await send(px.port, { path: '/v1/payments', headers: { 'x-request-id': 'req-abc-123' } });
  assert.deepEqual(headerValues((JSON.parse(given.body) as Echoed).rawHeaders, 'x-request-id'), [
    'req-abc-123',
  ]);
  assert.equal(given.headers['x-request-id'], 'req-abc-123');

  const none = await send(px.port, { path: '/v1/payments' });
  const generated = none.headers['x-request-id'];
  assert.equal(typeof generated, 'string');
  assert.ok((generated as string).length > 0);
  assert.deepEqual(headerValues((JSON.parse(none.body) as Echoed).rawHeaders, 'x-request-id'), [generated]);

  // Over 200 characters, or not visible ASCII: replaced, never echoed back.
  const long = 'a'.repeat(201);
  const tooLong = await send(px.port, { path: '/v1/payments', headers: { 'x-request-id': long } });
  assert.notEqual(tooLong.headers['x-request-id'], long);
  const withSpace = await send(px.port, { path: '/v1/payments', headers: { 'x-request-id': 'a b' } });
  assert.notEqual(withSpace.headers['x-request-id'], 'a b');
  assert.deepEqual(headerValues((JSON.parse(withSpace.body) as Echoed).rawHeaders, 'x-request-id'), [
    withSpace.headers['x-request-id'],
  ]);

  await px.close();
  const ids = px.sink.seen.map((o) => o.requestId);
  assert.deepEqual(ids, [
    'req-abc-123',
    generated,
    tooLong.headers['x-request-id'],
    withSpace.headers['x-request-id'],
  ]);
  assert.equal(new Set(ids).size, 4, 'generated ids are distinct');
});

test('the upstream cannot replace the request id the client sees', async (t) => {
  const { px } = await startPair(t, (_req, res) => {
    res.setHeader('x-request-id', 'upstream-own');
    res.end('ok');
  });
  const reply = await send(px.port, { path: '/v1/payments', headers: { 'x-request-id': 'client-id' } });
  assert.deepEqual(headerValues(reply.rawHeaders, 'x-request-id'), ['client-id']);
});

test('Expect: 100-continue is answered by the sidecar, then the body streams upstream', async (t) => {
  const { px } = await startPair(t, echo);
  const result = await new Promise<{ sawContinue: boolean; status: number; body: Echoed }>(
    (resolve, reject) => {
      let sawContinue = false;
      const req = http.request({
        host: '127.0.0.1',
        port: px.port,
        method: 'POST',
        path: '/v1/payments',
        agent: false,
        headers: { expect: '100-continue', 'content-length': 7 },
      });
      req.on('continue', () => {
        sawContinue = true;
        req.end('payload');
      });
      req.on('response', (res) => {
        let s = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          s += d;
        });
        res.on('end', () =>
          resolve({ sawContinue, status: res.statusCode ?? 0, body: JSON.parse(s) as Echoed }),
        );
      });
      req.on('error', reject);
      req.flushHeaders();
    },
  );
  assert.equal(result.sawContinue, true, 'the client is told to send its body');
  assert.equal(result.status, 200);
  assert.equal(result.body.body, 'payload');
  assert.deepEqual(
    headerValues(result.body.rawHeaders, 'expect'),
    [],
    'Expect is answered here, not forwarded',
  );
});

test('Expect: 100-continue on a refused request gets the refusal, not 100; other expectations get 417', async (t) => {
  const { up, px } = await startPair(t, echo);
  const refused = await rawExchange(
    px.port,
    'POST http://elsewhere.example/v1/payments HTTP/1.1\r\nHost: elsewhere.example\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n',
  );
  assert.match(refused, /^HTTP\/1\.1 400 /, 'no interim 100 before the refusal');
  const odd = parseRaw(
    await rawExchange(
      px.port,
      'POST /v1/payments HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\nContent-Length: 5\r\n\r\n',
    ),
  );
  assert.equal(odd.status, 417, 'RFC 9110 10.1.1: an unsupported expectation gets 417');
  assert.ok(odd.headers.get('x-request-id'));
  assert.equal(up.requests.length, 0);
  await px.close();
  assert.deepEqual(
    px.sink.seen.map((o) => o.status),
    [400, 417],
  );
});

test('keep-alive on both sides: sequential requests share one client and one upstream connection', async (t) => {
  const up = await startUpstream(echo);
  const px = await startProxy(up.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let clientSockets = 0;
  px.proxy.server.on('connection', () => {
    clientSockets++;
  });
  t.after(async () => {
    agent.destroy();
    await px.close();
    await up.close();
  });
  for (let i = 0; i < 3; i++) {
    const r = await send(px.port, { path: `/v1/payments/${i}`, agent });
    assert.equal(r.status, 200);
  }
  assert.equal(clientSockets, 1);
  assert.equal(up.connections, 1);
});

test('digest (docs/sla-definitions.md#repeated-requests): identical requests share it, a different body does not', async (t) => {
  const { px } = await startPair(t, echo, { digest: true });
  const post = (body: string) =>
    send(px.port, {
      method: 'POST',
      path: '/v1/payments?idem=1',
      headers: { 'content-length': body.length },
      body,
    });
  await post('{"amount":100}');
  await post('{"amount":100}');
  await post('{"amount":101}');
  await send(px.port, { path: '/v1/payments?idem=1' });
  await px.close();
  const [a, b, c, d] = px.sink.seen.map((o) => o.digest);
  assert.match(a ?? '', /^[0-9a-f]{24}$/, '96 bits of HMAC-SHA-256, hex');
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.notEqual(a, d, 'the method is part of the digest');
});
