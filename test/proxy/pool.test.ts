import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);

const loadedUndiciEntry = (): boolean =>
  Object.keys(require.cache).some((file) => /[\\/]undici[\\/]index\.js$/.test(file));

test('the proxy loads undici Pool alone, and it is the class the undici package exports', async () => {
  // This file runs in its own process: nothing has loaded undici yet.
  assert.equal(loadedUndiciEntry(), false);
  const { Pool } = await import('../../src/proxy/pool.js');
  await import('../../src/proxy/server.js');
  assert.equal(loadedUndiciEntry(), false, 'the proxy must not load the whole undici package');
  const undici = await import('undici');
  assert.equal(loadedUndiciEntry(), true);
  assert.equal(Pool, undici.Pool, 'undici moved its Pool module: update POOL_MODULE in src/proxy/pool.ts');
});
