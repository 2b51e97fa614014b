/**
 * An https upstream, for real: certificates made at test time (pki.ts), an https.Server on
 * 127.0.0.1, the ProxyServer in front of it with `upstream.tls` as the config loader resolves
 * it. Issue wording: "an https upstream with a custom CA bundle, a client certificate (mTLS
 * to a provider that requires it), SNI and minimum version settings".
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { loadConfigFile } from '../../src/config/load.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { CONNECT_MODULE } from '../../src/proxy/tls.js';
import { classify } from '../../src/telemetry/classify.js';
import { headerValues, send, startProxy } from '../proxy/harness.js';
import { type Issued, makePki, type Pki } from './pki.js';

interface TlsUpstream {
  readonly port: number;
  /** Per request that reached the upstream: SNI (false when none), Host, client cert CN. */
  readonly seen: Array<{ sni: string | false; host: string | undefined; clientCn: string | undefined }>;
  /** TLS handshakes the upstream completed. */
  handshakes: number;
}

async function startTlsUpstream(
  t: TestContext,
  server: Issued,
  extra: https.ServerOptions = {},
): Promise<TlsUpstream> {
  const seen: TlsUpstream['seen'] = [];
  const srv = https.createServer({ cert: server.cert, key: server.key, ...extra }, (req, res) => {
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate();
    seen.push({
      sni: (socket as TLSSocket & { servername: string | false }).servername,
      host: req.headers.host,
      clientCn: peer && 'subject' in peer && peer.subject ? String(peer.subject.CN) : undefined,
    });
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  const up = { port: 0, seen, handshakes: 0 };
  srv.on('secureConnection', () => {
    up.handshakes++;
  });
  // A refused handshake must not crash the test process.
  srv.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  up.port = (srv.address() as AddressInfo).port;
  t.after(async () => {
    srv.closeAllConnections();
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  });
  return up;
}

/** The config as a user writes it, through the loader (which reads and checks the PEM files). */
function configWith(pki: Pki, upstreamYaml: string): ResolvedConfig {
  const file = join(pki.dir, `sloprobe-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `${upstreamYaml}\nroutes: []\n`);
  return loadConfigFile(file);
}

async function proxyFor(t: TestContext, config: ResolvedConfig) {
  const p = await startProxy(config.upstream, {
    upstreamTls: config.upstreamTls,
    preserveHost: config.preserveHost,
  });
  t.after(() => p.close());
  return p;
}

test('the connector loaded by path is the one undici exports', () => {
  const require = createRequire(import.meta.url);
  const undici = require('undici') as { buildConnector: unknown };
  assert.equal(require(CONNECT_MODULE), undici.buildConnector);
});

test('a CA bundle is trusted; a certificate from another CA is refused with 502 tls, counted bad', async (t) => {
  const pki = makePki(t);
  if (!pki) return;
  const good = await startTlsUpstream(
    t,
    pki.issue('good', { by: pki.ca, serial: '1001', san: ['IP:127.0.0.1'] }),
  );
  const stranger = await startTlsUpstream(
    t,
    pki.issue('stranger', { by: pki.otherCa, serial: '1002', san: ['IP:127.0.0.1'] }),
  );
  const trusting = (port: number) =>
    configWith(pki, `upstream:\n  url: https://127.0.0.1:${port}\n  tls:\n    ca: ${pki.ca.certFile}\n`);

  const ok = await proxyFor(t, trusting(good.port));
  const r1 = await send(ok.port, { path: '/v1/payments' });
  assert.equal(r1.status, 200);
  assert.equal(good.seen.length, 1);
  assert.equal(good.seen[0]!.sni, false, 'an IP upstream gets no SNI (RFC 6066)');

  const refused = await proxyFor(t, trusting(stranger.port));
  const r2 = await send(refused.port, { path: '/v1/payments' });
  assert.equal(r2.status, 502);
  assert.equal(JSON.parse(r2.body).reason, 'tls');
  assert.equal(stranger.seen.length, 0, 'no request reached an upstream that failed verification');
  const o = await refused.sink.nth(1);
  assert.equal(o.errorReason, 'tls');
  assert.equal(classify(o.status, o.errorReason, o.clientAborted), 'bad');
});

test('NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment does not switch verification off', async (t) => {
  const pki = makePki(t);
  if (!pki) return;
  const stranger = await startTlsUpstream(
    t,
    pki.issue('stranger', { by: pki.otherCa, serial: '2001', san: ['IP:127.0.0.1'] }),
  );
  // No `tls:` at all: the public roots, which do not include either test CA.
  const p = await proxyFor(t, configWith(pki, `upstream: https://127.0.0.1:${stranger.port}\n`));
  const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  try {
    const r = await send(p.port, { path: '/v1/payments' });
    assert.equal(r.status, 502);
    assert.equal(JSON.parse(r.body).reason, 'tls');
  } finally {
    if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
  }
  assert.equal(stranger.seen.length, 0);
});

test('mTLS: an upstream that requires a client certificate accepts ours and refuses a proxy without one', async (t) => {
  const pki = makePki(t);
  if (!pki) return;
  const up = await startTlsUpstream(
    t,
    pki.issue('provider', { by: pki.ca, serial: '3001', san: ['IP:127.0.0.1'] }),
    { ca: pki.ca.cert, requestCert: true, rejectUnauthorized: true },
  );
  const client = pki.issue('merchant-client', {
    by: pki.ca,
    serial: '3002',
    san: ['DNS:merchant.test'],
    client: true,
  });
  const base = `upstream:\n  url: https://127.0.0.1:${up.port}\n  tls:\n    ca: ${pki.ca.certFile}\n`;
  const withCert = await proxyFor(
    t,
    configWith(pki, `${base}    cert: ${client.certFile}\n    key: ${client.keyFile}\n`),
  );
  const r1 = await send(withCert.port, { path: '/v1/payments' });
  assert.equal(r1.status, 200);
  assert.equal(up.seen[0]!.clientCn, 'merchant-client', 'the upstream saw our client certificate');

  const without = await proxyFor(t, configWith(pki, base));
  const r2 = await send(without.port, { path: '/v1/payments' });
  assert.equal(r2.status, 502, 'refused by the upstream: the sidecar answers 502');
  assert.equal(up.seen.length, 1, 'the request without a client certificate never reached the handler');
  const o = await without.sink.nth(1);
  assert.equal(classify(o.status, o.errorReason, o.clientAborted), 'bad');
});

test('SNI: the configured servername is sent and checked; by default the upstream host is', async (t) => {
  const pki = makePki(t);
  if (!pki) return;
  // Names only, no IP SAN: verification passes only if the name checked is the one configured.
  const named = await startTlsUpstream(
    t,
    pki.issue('named', { by: pki.ca, serial: '4001', san: ['DNS:api.provider.test'] }),
  );
  const p = await proxyFor(
    t,
    configWith(
      pki,
      `upstream:\n  url: https://127.0.0.1:${named.port}\n  tls:\n    ca: ${pki.ca.certFile}\n    servername: api.provider.test\n`,
    ),
  );
  assert.equal((await send(p.port, { path: '/v1/payments' })).status, 200);
  assert.equal(named.seen[0]!.sni, 'api.provider.test');

  const local = await startTlsUpstream(
    t,
    pki.issue('local', { by: pki.ca, serial: '4002', san: ['DNS:localhost'] }),
  );
  const q = await proxyFor(
    t,
    configWith(
      pki,
      `upstream:\n  url: https://localhost:${local.port}\n  tls:\n    ca: ${pki.ca.certFile}\n`,
    ),
  );
  assert.equal((await send(q.port, { path: '/v1/payments' })).status, 200);
  assert.equal(local.seen[0]!.sni, 'localhost', 'default SNI: the upstream URL host');
});

test('min_version: TLSv1.3 refuses an upstream that offers at most TLSv1.2', async (t) => {
  const pki = makePki(t);
  if (!pki) return;
  const old = await startTlsUpstream(
    t,
    pki.issue('old', { by: pki.ca, serial: '5001', san: ['IP:127.0.0.1'] }),
    { maxVersion: 'TLSv1.2' },
  );
  const base = `upstream:\n  url: https://127.0.0.1:${old.port}\n  tls:\n    ca: ${pki.ca.certFile}\n`;
  // The same upstream is fine at the default (TLSv1.2), so the refusal below is the setting's.
  const dflt = await proxyFor(t, configWith(pki, base));
  assert.equal((await send(dflt.port, { path: '/v1/payments' })).status, 200);
  const strict = await proxyFor(t, configWith(pki, `${base}    min_version: TLSv1.3\n`));
  const r = await send(strict.port, { path: '/v1/payments' });
  assert.equal(r.status, 502);
  assert.equal(JSON.parse(r.body).reason, 'tls');
  assert.equal(old.seen.length, 1, 'only the default proxy got through');
});

test('preserve_host over https: the client Host goes upstream, SNI stays the configured name, one connection', async (t) => {
  const pki = makePki(t);
  if (!pki) return;
  const up = await startTlsUpstream(
    t,
    pki.issue('vhost', { by: pki.ca, serial: '6001', san: ['DNS:api.provider.test'] }),
  );
  const p = await proxyFor(
    t,
    configWith(
      pki,
      `upstream:\n  url: https://127.0.0.1:${up.port}\n  preserve_host: true\n  tls:\n    ca: ${pki.ca.certFile}\n    servername: api.provider.test\n`,
    ),
  );
  const r1 = await send(p.port, { path: '/v1/payments', headers: { host: 'shop-a.example.test' } });
  const r2 = await send(p.port, { path: '/v1/payments', headers: { host: 'shop-b.example.test:8443' } });
  assert.deepEqual([r1.status, r2.status], [200, 200]);
  assert.deepEqual(
    up.seen.map((s) => [s.host, s.sni]),
    [
      ['shop-a.example.test', 'api.provider.test'],
      ['shop-b.example.test:8443', 'api.provider.test'],
    ],
  );
  // Two Hosts, one pooled connection: a per-request SNI would have made undici reconnect.
  assert.equal(up.handshakes, 1);
  assert.deepEqual(headerValues(r1.rawHeaders, 'content-type'), ['application/json']);
});

test('preserve_host to an IP upstream without servername: no SNI, whatever the client Host says', async (t) => {
  const pki = makePki(t);
  if (!pki) return;
  const up = await startTlsUpstream(
    t,
    pki.issue('ip', { by: pki.ca, serial: '7001', san: ['IP:127.0.0.1'] }),
  );
  const p = await proxyFor(
    t,
    configWith(
      pki,
      `upstream:\n  url: https://127.0.0.1:${up.port}\n  preserve_host: true\n  tls:\n    ca: ${pki.ca.certFile}\n`,
    ),
  );
  const r = await send(p.port, { path: '/v1/payments', headers: { host: 'shop.example.test' } });
  assert.equal(r.status, 200);
  assert.deepEqual(
    up.seen.map((s) => [s.host, s.sni]),
    [['shop.example.test', false]],
  );
});
