import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);

const loadedUndiciEntry = (): boolean =>
  Object.keys(require.cache).some((file) => /[\\/]undici[\\/]index\.js$/.test(file));

test('the sidecar loads no undici package entry, and the webhook Client is the exported class', async () => {
  // This file runs in its own process: nothing has loaded undici yet.
  assert.equal(loadedUndiciEntry(), false);
  // sidecar.ts imports what `sloprobe run` needs, the webhook channel included.
  await import('../../src/sidecar.js');
  const { Client, request } = await import('../../src/notify/webhook-channel.js');
  assert.equal(loadedUndiciEntry(), false, 'the sidecar must not load the whole undici package');
  const undici = await import('undici');
  assert.equal(loadedUndiciEntry(), true);
  assert.equal(Client, undici.Client, 'undici moved its Client module: update src/notify/webhook-channel.ts');
  assert.equal(
    request,
    undici.Client.prototype.request,
    'undici moved its request: update src/notify/webhook-channel.ts',
  );
});
