/**
 * `report --prometheus` on bad input and broken servers: a clear one-line error and the
 * documented exit code, never a stack trace or a crash. The servers are real loopback ones.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { configDir } from '../helpers/paths.js';
import { runCli } from '../helpers/spawn.js';
import { closedPort, startUpstream } from '../proxy/harness.js';

const config = join(configDir, 'klarna.yaml');

test('a --prometheus that is not a URL is bad input (exit 2)', async () => {
  const r = await runCli(['report', '--config', config, '--prometheus', 'prometheus:9090:x']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--prometheus "prometheus:9090:x" is not a URL \(write http:\/\/prometheus:9090\)/);
});

test('a bad --selector is bad input (exit 2)', async () => {
  const r = await runCli([
    'report',
    '--config',
    config,
    '--prometheus',
    'http://127.0.0.1:9',
    '--selector',
    'job=x',
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /is not a label matcher/);
});

test('nothing listening: exit 1 naming the address, never the password in it', async () => {
  const port = await closedPort();
  const r = await runCli([
    'report',
    '--config',
    config,
    '--prometheus',
    `http://ops:s3cret@127.0.0.1:${port}`,
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`cannot reach Prometheus at http://127\\.0\\.0\\.1:${port}`));
  assert.doesNotMatch(r.stderr, /s3cret/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('user:password in the URL is sent as basic auth', async () => {
  const seen: Array<string | undefined> = [];
  const server = await startUpstream((req, res) => {
    seen.push(req.headers.authorization);
    res
      .writeHead(401, { 'content-type': 'application/json' })
      .end('{"status":"error","error":"unauthorized"}');
  });
  try {
    const url = server.url.replace('http://', 'http://ops:s3cret@');
    const r = await runCli(['report', '--config', config, '--prometheus', url]);
    assert.equal(r.code, 1);
    // base64("ops:s3cret") = b3BzOnMzY3JldA==
    assert.equal(seen[0], 'Basic b3BzOnMzY3JldA==');
    assert.doesNotMatch(r.stderr, /s3cret/);
  } finally {
    await server.close();
  }
});

test('a server that is not Prometheus, and a Prometheus error, are named', async () => {
  const html = await startUpstream((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<html>'),
  );
  const refusing = await startUpstream((_req, res) =>
    res
      .writeHead(400, { 'content-type': 'application/json' })
      .end('{"status":"error","errorType":"bad_data","error":"parse error"}'),
  );
  try {
    const a = await runCli(['report', '--config', config, '--prometheus', html.url]);
    assert.equal(a.code, 1);
    assert.match(a.stderr, /answered 200 without a JSON body; is it Prometheus\?/);
    const b = await runCli(['report', '--config', config, '--prometheus', refusing.url]);
    assert.equal(b.code, 1);
    assert.match(b.stderr, /Prometheus refused the query .* \(400\): parse error/);
  } finally {
    await html.close();
    await refusing.close();
  }
});
