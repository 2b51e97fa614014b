/**
 * `sloprobe run` as a user starts it: the compiled executable, real signals, real sockets.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { configDir } from '../helpers/paths.js';
import { runCli, startCli } from '../helpers/spawn.js';

let upstream: Server;
let upstreamUrl: string;
let releaseSlow: (() => void) | undefined;

before(async () => {
  upstream = createServer((req, res) => {
    if (req.url === '/hpp/v1/sessions/slow') {
      releaseSlow = () => res.end('{"slow":true}');
      return;
    }
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

after(async () => {
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

const LISTEN = ['--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--data-dir', ':memory:'];

test('a broken config exits 2 with file:line:column and no stack trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sloprobe-run-'));
  const file = join(dir, 'broken.yaml');
  writeFileSync(
    file,
    'upstream: http://127.0.0.1:9000\nclasses:\n  c: { availability: 99% }\ncategories:\n  k: { class: c }\nroutes:\n  - { name: a, method: GET, path: /a, category: k, latency: { p99: "200" } }\n',
  );
  const r = await runCli(['run', '--config', file, ...LISTEN]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    new RegExp(
      `${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7:\\d+: routes\\[0\\]\\.latency\\.p99: "200" is not a duration`,
    ),
  );
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace without --verbose');
});

test('no config at all is bad input (exit 2) and says how to give one', async () => {
  const r = await runCli(['run'], { SLOPROBE_CONFIG: '' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--config FILE or set SLOPROBE_CONFIG/);
});

test('unknown flags and commands exit 2', async () => {
  assert.equal((await runCli(['run', '--nope'])).code, 2);
  assert.equal((await runCli(['frobnicate'])).code, 2);
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /run\s+run the sidecar/);
});

test('environment variables configure the sidecar; SIGTERM drains an in-flight request and exits 0', async () => {
  const cli = startCli(['run', '--data-dir', ':memory:', '--access-log', 'off'], {
    SLOPROBE_CONFIG: join(configDir, 'klarna.yaml'),
    SLOPROBE_UPSTREAM: upstreamUrl,
    SLOPROBE_LISTEN: '127.0.0.1:0',
    SLOPROBE_ADMIN: '127.0.0.1:0',
  });
  const m = await cli.waitFor(/"proxy":"127\.0\.0\.1:(\d+)","admin":"127\.0\.0\.1:(\d+)"/);
  const proxy = `http://127.0.0.1:${m[1]}`;
  const ok = await request(`${proxy}/hpp/v1/sessions/abc`);
  assert.equal(ok.statusCode, 200);
  await ok.body.dump();

  const slow = request(`${proxy}/hpp/v1/sessions/slow`);
  while (!releaseSlow) await new Promise((r) => setImmediate(r));
  cli.child.kill('SIGTERM');
  await cli.waitFor(/draining in-flight requests/);
  releaseSlow();
  const res = await slow;
  assert.equal(res.statusCode, 200, 'the in-flight request finishes during the drain');
  assert.equal(await res.body.text(), '{"slow":true}');
  assert.equal(await cli.exited, 0);
});

test('a taken port is a runtime failure (exit 1) that names the listener and the flag to change', async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as AddressInfo).port;
  try {
    const r = await runCli([
      'run',
      '--config',
      join(configDir, 'klarna.yaml'),
      '--listen',
      `127.0.0.1:${port}`,
      '--admin',
      '127.0.0.1:0',
      '--data-dir',
      ':memory:',
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(`listen 127\\.0\\.0\\.1:${port} is already in use .*--listen HOST:PORT`),
    );
  } finally {
    await new Promise<void>((r) => taken.close(() => r()));
  }
});
