/**
 * TLS on the proxy listener, through the real CLI: `listen.tls` serves HTTPS, and SIGHUP
 * re-reads the certificate and key so a rotated certificate (cert-manager, a renewed file)
 * is served without a restart. Issue wording: "optional TLS on the client listener
 * (certificate and key reloaded on SIGHUP)".
 */
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import tls from 'node:tls';
import { startCli } from '../helpers/spawn.js';
import { makePki } from './pki.js';

/** The serial of the certificate a fresh connection to `port` is served (hex, upper case). */
function servedSerial(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'pay.sidecar.test' }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

function get(port: number, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path: '/v1/payments', ca, servername: 'pay.sidecar.test', agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('listen.tls serves HTTPS; SIGHUP serves the rotated certificate to new connections', async (t) => {
  const pki = makePki(t);
  if (!pki) return;
  const san = ['DNS:pay.sidecar.test'];
  const first = pki.issue('first', { by: pki.ca, serial: 'A1A1', san });
  const second = pki.issue('second', { by: pki.ca, serial: 'B2B2', san });
  // The files the config names; rotation overwrites them in place, as a mounted secret does.
  const certFile = join(pki.dir, 'tls.crt');
  const keyFile = join(pki.dir, 'tls.key');
  copyFileSync(first.certFile, certFile);
  copyFileSync(first.keyFile, keyFile);

  const upstream: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(JSON.stringify({ proto: req.headers['x-forwarded-proto'] })));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => upstream.close(() => r())));
  const config = join(pki.dir, 'sloprobe.yaml');
  writeFileSync(
    config,
    `upstream: http://127.0.0.1:${(upstream.address() as AddressInfo).port}
listen:
  address: 127.0.0.1:0
  tls:
    cert: ${certFile}
    key: ${keyFile}
routes: []
`,
  );
  const cli = startCli([
    'run',
    '--config',
    config,
    '--admin',
    '127.0.0.1:0',
    '--data-dir',
    ':memory:',
    '--access-log',
    'off',
  ]);
  try {
    const m = await cli.waitFor(/"proxy":"127\.0\.0\.1:(\d+)"/);
    const port = Number(m[1]);
    assert.equal(await servedSerial(port, pki.ca.cert), 'A1A1');
    const r = await get(port, pki.ca.cert);
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { proto: 'https' }, 'X-Forwarded-Proto says the client used TLS');

    copyFileSync(second.certFile, certFile);
    copyFileSync(second.keyFile, keyFile);
    cli.child.kill('SIGHUP');
    const reloaded = await cli.waitFor(/"needs_restart":(\[[^\]]*\]),"msg":"config reloaded/);
    assert.equal(reloaded[1], '[]', 'a certificate rotation needs no restart');
    assert.equal(await servedSerial(port, pki.ca.cert), 'B2B2');
    assert.equal((await get(port, pki.ca.cert)).status, 200);
  } finally {
    cli.child.kill('SIGTERM');
  }
  assert.equal(await cli.exited, 0);
});
