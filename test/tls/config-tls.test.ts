/**
 * TLS keys in the config: certificate and key files are read at load, and every way they
 * can be wrong is a config error at the key's file:line:column (exit 2), never a handshake
 * failure at the first request. Positions are computed from each case's YAML text.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { loadConfigFile } from '../../src/config/load.js';
import { ConfigErrors } from '../../src/errors.js';
import { runCli } from '../helpers/spawn.js';
import { makePki } from './pki.js';

/** `line:column` (1-based) of the value after `key:` on the line that holds `needle`. */
function valueAt(text: string, needle: string): string {
  const index = text.indexOf(needle);
  assert.ok(index >= 0, `"${needle}" is not in the test YAML`);
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const colon = text.indexOf(': ', index);
  return `${line}:${colon + 2 - lineStart + 1}`;
}

/** `line:column` of the key on the line that holds `needle` (its first non-space character). */
function keyAt(text: string, needle: string): string {
  const index = text.indexOf(needle);
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  return `${line}:${index + needle.length - needle.trimStart().length - lineStart + 1}`;
}

function errorsOf(file: string): string[] {
  try {
    loadConfigFile(file);
  } catch (err) {
    assert.ok(err instanceof ConfigErrors, String(err));
    assert.equal(err.exitCode, 2);
    return err.errors.map((e) => e.message);
  }
  assert.fail('the config loaded');
}

test('missing, non-PEM, mismatched and misplaced TLS files are positioned errors', (t) => {
  const pki = makePki(t);
  if (!pki) return;
  const a = pki.issue('a', { by: pki.ca, serial: '10', san: ['DNS:a.test'] });
  const b = pki.issue('b', { by: pki.ca, serial: '11', san: ['DNS:b.test'] });
  const der = join(pki.dir, 'ca.der');
  writeFileSync(der, Buffer.from([0x30, 0x82, 0x01, 0x0a, 0x02, 0x82]));
  const missing = join(pki.dir, 'nowhere.pem');
  const cases: Array<{ yaml: string; needle: string; message: RegExp; key?: boolean }> = [
    {
      yaml: `upstream:\n  url: https://api.test\n  tls:\n    ca: ${missing}\n`,
      needle: '    ca:',
      message: /upstream\.tls\.ca: cannot read .*nowhere\.pem: no such file/,
    },
    {
      yaml: `upstream:\n  url: https://api.test\n  tls:\n    ca: ${der}\n`,
      needle: '    ca:',
      message: /upstream\.tls\.ca: .*ca\.der holds no PEM certificate .*openssl x509 -inform der/,
    },
    {
      // A key where the certificate should be.
      yaml: `upstream:\n  url: https://api.test\n  tls:\n    cert: ${a.keyFile}\n    key: ${a.keyFile}\n`,
      needle: '    cert:',
      message: /upstream\.tls\.cert: .*a\.key holds no PEM certificate/,
    },
    {
      yaml: `upstream:\n  url: https://api.test\n  tls:\n    cert: ${a.certFile}\n    key: ${a.certFile}\n`,
      needle: '    key:',
      message: /upstream\.tls\.key: .*a\.pem holds no PEM private key/,
    },
    {
      yaml: `upstream:\n  url: https://api.test\n  tls:\n    cert: ${a.certFile}\n    key: ${b.keyFile}\n`,
      needle: '    key:',
      message: /upstream\.tls\.key: .*b\.key is not the private key of the first certificate in .*a\.pem/,
    },
    {
      yaml: `upstream:\n  url: https://api.test\n  tls:\n    cert: ${a.certFile}\n`,
      needle: '    cert:',
      message: /upstream\.tls\.cert: key is needed too \(both or neither\)/,
    },
    {
      yaml: `upstream:\n  url: https://api.test\n  tls:\n    servername: 10.0.0.1\n`,
      needle: '    servername:',
      message: /upstream\.tls\.servername: SNI carries DNS names only/,
    },
    {
      yaml: `upstream:\n  url: https://api.test\n  tls:\n    insecure_skip_verify: true\n`,
      needle: '    insecure_skip_verify:',
      message: /upstream\.tls\.insecure_skip_verify: certificate verification cannot be turned off/,
      key: true,
    },
    {
      yaml: `listen:\n  address: 127.0.0.1:8443\n  tls:\n    cert: ${a.certFile}\n    key: ${missing}\n`,
      needle: '    key:',
      message: /listen\.tls\.key: cannot read .*nowhere\.pem: no such file/,
    },
  ];
  for (const [i, c] of cases.entries()) {
    const file = join(pki.dir, `case-${i}.yaml`);
    const yaml = c.yaml.startsWith('upstream')
      ? `${c.yaml}routes: []\n`
      : `upstream: http://127.0.0.1:9\n${c.yaml}routes: []\n`;
    writeFileSync(file, yaml);
    const errors = errorsOf(file);
    const wanted = `${file}:${c.key ? keyAt(yaml, c.needle) : valueAt(yaml, c.needle)}: `;
    assert.ok(
      errors.some((e) => e.startsWith(wanted) && c.message.test(e)),
      `case ${i}: expected ${wanted}${c.message} in\n${errors.join('\n')}`,
    );
  }
});

test('TLS settings on an http upstream are an error at the tls key', (t) => {
  const pki = makePki(t);
  if (!pki) return;
  const yaml = `upstream:\n  url: http://api.test\n  tls:\n    ca: ${pki.ca.certFile}\nroutes: []\n`;
  const file = join(pki.dir, 'http.yaml');
  writeFileSync(file, yaml);
  const errors = errorsOf(file);
  // `key: true`: the position of the `tls` key itself, line 3 column 3.
  assert.ok(
    errors.some((e) => e.startsWith(`${file}:3:3: upstream.tls: TLS settings need an https upstream`)),
    errors.join('\n'),
  );
});

test('a private key never prints: JSON and inspect show a placeholder', (t) => {
  const pki = makePki(t);
  if (!pki) return;
  const c = pki.issue('client', { by: pki.ca, serial: '20', san: ['DNS:c.test'], client: true });
  const file = join(pki.dir, 'ok.yaml');
  writeFileSync(
    file,
    `upstream:\n  url: https://api.test\n  tls:\n    cert: ${c.certFile}\n    key: ${c.keyFile}\nroutes: []\n`,
  );
  const config = loadConfigFile(file);
  assert.equal(config.upstreamTls?.minVersion, 'TLSv1.2', 'the default oldest version');
  const body = c.key.split('\n')[1]!;
  assert.ok(body.length > 20);
  assert.ok(!JSON.stringify(config).includes(body));
  assert.ok(!inspect(config, { depth: 10 }).includes(body));
});

test('sloprobe check exits 2 on a missing CA file and names it', async (t) => {
  const pki = makePki(t);
  if (!pki) return;
  const file = join(pki.dir, 'check.yaml');
  writeFileSync(
    file,
    `upstream:\n  url: https://api.test\n  tls:\n    ca: ${join(pki.dir, 'gone.pem')}\nroutes: []\n`,
  );
  const r = await runCli(['check', '--config', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /:4:9: upstream\.tls\.ca: cannot read .*gone\.pem: no such file/);
});
