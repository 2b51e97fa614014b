import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ErrorCodes } from '../../src/errors.js';
import { resolveDigestKey } from '../../src/store/digest-key.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sloprobe-digest-key-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('SLOPROBE_DIGEST_KEY wins over digest_key, which wins over the data dir', () => {
  const env = { SLOPROBE_DIGEST_KEY: 'from-the-environment-123' };
  const k = resolveDigestKey({ dataDir: join(dir, 'a'), configKey: 'from-the-config-file-1', env });
  assert.deepEqual([k.source, k.key.toString()], ['env', 'from-the-environment-123']);
  const c = resolveDigestKey({ dataDir: join(dir, 'a'), configKey: 'from-the-config-file-1', env: {} });
  assert.deepEqual([c.source, c.key.toString()], ['config', 'from-the-config-file-1']);
  assert.throws(() => statSync(join(dir, 'a')), 'no key file is created when a key is given');
});

test('a short SLOPROBE_DIGEST_KEY is a usage error (exit 2) that says how to make one', () => {
  assert.throws(
    () => resolveDigestKey({ dataDir: ':memory:', env: { SLOPROBE_DIGEST_KEY: 'short' } }),
    (err: Error & { code?: string }) =>
      err.code === ErrorCodes.USAGE && /SLOPROBE_DIGEST_KEY.*16 characters.*openssl rand/.test(err.message),
  );
});

test('the data dir key is 32 random bytes created once with mode 0600, then read back', () => {
  const data = join(dir, 'fresh');
  const a = resolveDigestKey({ dataDir: data, env: {} });
  const b = resolveDigestKey({ dataDir: data, env: {} });
  assert.equal(a.source, 'file');
  assert.equal(a.key.length, 32);
  assert.ok(a.key.equals(b.key));
  assert.equal(statSync(a.file!).mode & 0o777, 0o600);
});

test('a damaged key file stops the start with what to do; :memory: gets a fresh key per process', () => {
  const data = join(dir, 'damaged');
  resolveDigestKey({ dataDir: data, env: {} });
  writeFileSync(join(data, 'digest.key'), 'not a key\n');
  assert.throws(
    () => resolveDigestKey({ dataDir: data, env: {} }),
    (err: Error & { code?: string }) =>
      err.code === ErrorCodes.STORE && /damaged.*delete it/.test(err.message),
  );
  const m1 = resolveDigestKey({ dataDir: ':memory:', env: {} });
  const m2 = resolveDigestKey({ dataDir: ':memory:', env: {} });
  assert.equal(m1.source, 'process');
  assert.ok(!m1.key.equals(m2.key));
});
