/**
 * What the upstream sees as Host. Issue wording: "`preserve_host: true` passes the client's
 * Host; the default rewrites it to the upstream's, as nginx does".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { type Echoed, echo, headerValues, rawExchange, send, startProxy, startUpstream } from './harness.js';

test('default: the upstream gets its own authority as Host, the client Host in X-Forwarded-Host', async (t) => {
  const up = await startUpstream(echo);
  t.after(() => up.close());
  const p = await startProxy(up.url);
  t.after(() => p.close());
  const r = await send(p.port, { path: '/v1/payments', headers: { host: 'shop.example.test' } });
  const seen = JSON.parse(r.body) as Echoed;
  assert.deepEqual(headerValues(seen.rawHeaders, 'host'), [`127.0.0.1:${up.port}`]);
  assert.deepEqual(headerValues(seen.rawHeaders, 'x-forwarded-host'), ['shop.example.test']);
});

test('preserve_host: the client Host goes upstream as it came (port included)', async (t) => {
  const up = await startUpstream(echo);
  t.after(() => up.close());
  const config = parseConfig(
    `upstream: { url: "${up.url}", preserve_host: true }\nroutes: []\n`,
    'preserve.yaml',
  );
  assert.equal(config.preserveHost, true);
  const p = await startProxy(config.upstream, { preserveHost: config.preserveHost });
  t.after(() => p.close());
  const r = await send(p.port, { path: '/v1/payments', headers: { host: 'shop.example.test:8443' } });
  const seen = JSON.parse(r.body) as Echoed;
  assert.deepEqual(headerValues(seen.rawHeaders, 'host'), ['shop.example.test:8443']);
  assert.deepEqual(headerValues(seen.rawHeaders, 'x-forwarded-host'), ['shop.example.test:8443']);

  // An absolute-form target naming the upstream: RFC 9112 3.2.2, its authority replaces Host.
  const abs = await rawExchange(
    p.port,
    `GET http://127.0.0.1:${up.port}/v1/payments HTTP/1.1\r\nHost: other.example.test\r\nConnection: close\r\n\r\n`,
  );
  assert.match(abs, /^HTTP\/1\.1 200/);
  assert.equal(up.requests.at(-1)?.headers.host, `127.0.0.1:${up.port}`);
});

test('preserve_host: a Host that is not host[:port] gets 400 and never reaches the upstream', async (t) => {
  const up = await startUpstream(echo);
  t.after(() => up.close());
  const p = await startProxy(up.url, { preserveHost: true });
  t.after(() => p.close());
  for (const host of ['shop.example.test/admin', 'a b', 'shop@evil.test', 'x:80:80']) {
    const r = await rawExchange(
      p.port,
      `GET /v1/payments HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(r, /^HTTP\/1\.1 400/, host);
  }
  assert.equal(up.requests.length, 0);
});
