/**
 * `sloprobe health`, the container health check: it finds the admin listener the way `run`
 * does, so moving the admin port in one place moves the check with it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { configDir } from '../helpers/paths.js';
import { runCli, startCli } from '../helpers/spawn.js';

const CONFIG = join(configDir, 'klarna.yaml');

test('health asks the admin listener named by --admin, $SLOPROBE_ADMIN or the config; exit 1 once it is gone', async () => {
  const cli = startCli([
    'run',
    '--config',
    CONFIG,
    '--upstream',
    'http://127.0.0.1:9',
    '--listen',
    '127.0.0.1:0',
    '--admin',
    '127.0.0.1:0',
    '--data-dir',
    ':memory:',
    '--access-log',
    'off',
  ]);
  const port = (await cli.waitFor(/"admin":"127\.0\.0\.1:(\d+)"/))[1]!;
  // A config whose admin is that port, on every interface: health asks on loopback.
  const dir = mkdtempSync(join(tmpdir(), 'sloprobe-health-'));
  const moved = join(dir, 'moved.yaml');
  writeFileSync(moved, readFileSync(CONFIG, 'utf8').replace(/^admin: .*$/m, `admin: 0.0.0.0:${port}`));
  try {
    const byFlag = await runCli(['health', '--admin', `127.0.0.1:${port}`]);
    assert.equal(byFlag.code, 0, byFlag.stderr);
    assert.equal(byFlag.stdout, `http://127.0.0.1:${port}/healthz: ok\n`);

    const byEnv = await runCli(['health', '--ready'], {
      SLOPROBE_ADMIN: `0.0.0.0:${port}`,
      SLOPROBE_CONFIG: '',
    });
    assert.equal(byEnv.code, 0, byEnv.stderr);
    assert.equal(byEnv.stdout, `http://127.0.0.1:${port}/readyz: ok\n`);

    const byConfig = await runCli(['health', '-c', moved], { SLOPROBE_ADMIN: '' });
    assert.equal(byConfig.code, 0, byConfig.stderr);
  } finally {
    cli.child.kill('SIGTERM');
    assert.equal(await cli.exited, 0);
  }
  const gone = await runCli(['health', '--admin', `127.0.0.1:${port}`]);
  assert.equal(gone.code, 1);
  assert.match(
    gone.stderr,
    new RegExp(`^sloprobe health: http://127\\.0\\.0\\.1:${port}/healthz: .*ECONNREFUSED.*\\n$`),
  );
});

test('health: a bad --admin is bad input (exit 2)', async () => {
  const r = await runCli(['health', '--admin', 'nowhere'], { SLOPROBE_CONFIG: '' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^sloprobe health: --admin: /);
});
