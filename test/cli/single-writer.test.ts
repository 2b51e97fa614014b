/**
 * One store, one writer: two `sloprobe run` on one data dir used to both run and silently
 * lose counts. Real processes throughout: the compiled CLI, real signals, `kill -9`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { configDir } from '../helpers/paths.js';
import { runCli, startCli } from '../helpers/spawn.js';

const CONFIG = join(configDir, 'klarna.yaml');
// Nothing is proxied in these tests: the upstream is never called.
const UPSTREAM = 'http://127.0.0.1:9';

function runArgs(dataDir: string, listen = '127.0.0.1:0'): string[] {
  return [
    'run',
    '--config',
    CONFIG,
    '--upstream',
    UPSTREAM,
    '--listen',
    listen,
    '--admin',
    '127.0.0.1:0',
    '--data-dir',
    dataDir,
    '--access-log',
    'off',
  ];
}

const RUNNING = /"msg":"sloprobe is running"/;

test('a second run on the same data dir exits 1 naming the dir and the holder PID, having logged nothing; report still reads the store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sloprobe-lock-'));
  const first = startCli(runArgs(dir));
  try {
    await first.waitFor(RUNNING);
    // Without the lock the second one runs: then it is stopped and the test fails, not hangs.
    const secondCli = startCli(runArgs(dir));
    const outcome = await secondCli.waitFor(RUNNING).then(
      () => 'running' as const,
      () => secondCli.exited,
    );
    if (outcome === 'running') {
      secondCli.child.kill('SIGTERM');
      await secondCli.exited;
      assert.fail('a second sidecar started on a data dir another one is writing');
    }
    const second = { code: outcome, stdout: secondCli.stdout, stderr: secondCli.stderr };
    assert.equal(second.code, 1, second.stderr);
    assert.equal(second.stdout, '');
    const lines = second.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `one line, no JSON log line before it:\n${second.stderr}`);
    assert.match(lines[0]!, /^sloprobe run: /);
    assert.ok(lines[0]!.includes(`the data dir ${dir} `), lines[0]);
    assert.ok(lines[0]!.includes(`process ${first.child.pid}`), lines[0]);

    // The reader takes no writer lock: it works while the sidecar runs.
    const report = await runCli(['report', '--config', CONFIG, '--data-dir', dir, '--format', 'json']);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /^\{"/);
  } finally {
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);
  }
  // A clean stop says nobody holds the store any more.
  assert.equal(existsSync(join(dir, 'sloprobe.pid')), false);
});

test('after kill -9 the lock dies with the process: a restart on the same data dir runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sloprobe-lock-'));
  const killed = startCli(runArgs(dir));
  await killed.waitFor(RUNNING);
  killed.child.kill('SIGKILL');
  assert.equal(await killed.exited, null, 'killed by a signal, no exit code');
  // The dead holder's PID file is still there; it must not block the restart.
  assert.equal(existsSync(join(dir, 'sloprobe.pid')), true);

  const restarted = startCli(runArgs(dir));
  try {
    await restarted.waitFor(RUNNING);
  } finally {
    restarted.child.kill('SIGTERM');
    assert.equal(await restarted.exited, 0, restarted.stderr);
  }
});

test('a failed start prints its one error line, not the log lines of the start', async () => {
  // A damaged store file is moved aside with an error in the log during the start; the
  // proxy port is taken, so the start then fails. Only the failure may be printed.
  const dir = mkdtempSync(join(tmpdir(), 'sloprobe-lock-'));
  const damage = () =>
    writeFileSync(join(dir, 'sloprobe.db'), 'this is not an SQLite database, it is plain text\n'.repeat(200));
  damage();
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as AddressInfo).port;
  try {
    const r = await runCli(runArgs(dir, `127.0.0.1:${port}`));
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `sloprobe run: listen 127.0.0.1:${port} is already in use (another sloprobe?); choose another with --listen HOST:PORT\n`,
    );
    // With --verbose the held-back lines are shown: they may explain the failure.
    damage();
    const verbose = await runCli([...runArgs(dir, `127.0.0.1:${port}`), '--verbose']);
    assert.equal(verbose.code, 1);
    assert.match(verbose.stderr, /"msg":"store file is unusable: moved it aside/);
  } finally {
    await new Promise<void>((r) => taken.close(() => r()));
  }
});
