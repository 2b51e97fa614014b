import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AccessLogFormatter, createAccessLog } from '../../src/log/access-log.js';
import type { Observation } from '../../src/telemetry/observation.js';
import { obs, seedRoutes, T0 } from '../telemetry/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'sloprobe-access-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function writeAndRead(
  observations: Observation[],
  name: string,
): Promise<Array<Record<string, unknown>>> {
  const path = join(dir, name);
  const log = createAccessLog({ kind: 'file', path }, seedRoutes());
  for (const o of observations) log.observe(o);
  await log.close();
  const text = readFileSync(path, 'utf8');
  assert.ok(text.endsWith('\n'));
  return text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('access log', () => {
  it('writes one JSON line per request with exactly the documented fields', async () => {
    const lines = await writeAndRead(
      [
        obs({ startMs: T0 + 123, sliMs: 152.0314, durationMs: 153.4, requestId: 'r-1' }),
        obs({
          status: 504,
          errorReason: 'timeout_headers',
          sliMs: null,
          durationMs: 30_000,
          requestId: 'r-2',
          digest: 'ab12',
        }),
        obs({ status: 0, clientAborted: true, sliMs: null, durationMs: 7, requestId: 'r-3' }),
      ],
      'fields.log',
    );
    assert.equal(lines.length, 3);
    assert.deepEqual(lines[0], {
      time: '2026-03-02T10:00:00.123Z',
      method: 'POST',
      path: '/hpp/v1/sessions',
      route: 'hpp-create-session',
      category: 'payment-request',
      status: 200,
      outcome: 'good',
      latency_ms: 152.031,
      duration_ms: 153.4,
      request_id: 'r-1',
    });
    assert.deepEqual(lines[1], {
      time: '2026-03-02T10:00:00.000Z',
      method: 'POST',
      path: '/hpp/v1/sessions',
      route: 'hpp-create-session',
      category: 'payment-request',
      status: 504,
      outcome: 'bad',
      // The sidecar's own answer took 30 s: that is the latency the SLO counted.
      latency_ms: 30000,
      duration_ms: 30000,
      request_id: 'r-2',
      digest: 'ab12',
      error: 'timeout_headers',
    });
    assert.equal(lines[2]!.outcome, 'excluded');
    assert.equal(lines[2]!.status, 0);
    assert.equal(lines[2]!.latency_ms, null);
  });

  it('writes RFC 3339 times with milliseconds from the request arrival, across seconds', () => {
    const f = new AccessLogFormatter(seedRoutes());
    assert.equal(f.time(T0), '2026-03-02T10:00:00.000Z');
    assert.equal(f.time(T0 + 7), '2026-03-02T10:00:00.007Z');
    assert.equal(f.time(T0 + 1_045), '2026-03-02T10:00:01.045Z');
    assert.equal(f.time(T0 + 999), '2026-03-02T10:00:00.999Z');
    assert.equal(f.time(T0 + 86_400_000 + 0.9), '2026-03-03T10:00:00.000Z');
  });

  it('never writes query strings, Authorization, cookies or API keys', async () => {
    const withSecrets = {
      ...obs({ path: '/hpp/v1/sessions?api_key=SECRET-QUERY&token=SECRET-TOKEN#frag-SECRET' }),
      headers: {
        authorization: 'Basic SECRET-AUTH',
        cookie: 'session=SECRET-COOKIE',
        'x-api-key': 'SECRET-KEY',
      },
      query: 'api_key=SECRET-QUERY',
      body: '{"card":"SECRET-CARD"}',
    } as Observation;
    const path = join(dir, 'secrets.log');
    const log = createAccessLog({ kind: 'file', path }, seedRoutes());
    log.observe(withSecrets);
    log.observe(obs({ path: '/hpp/v1/sessions#SECRET-FRAGMENT' }));
    await log.close();
    const text = readFileSync(path, 'utf8');
    assert.doesNotMatch(text, /SECRET/);
    assert.doesNotMatch(text, /authorization|cookie|api_key|x-api-key/i);
    for (const line of text.trimEnd().split('\n')) {
      assert.equal((JSON.parse(line) as { path: string }).path, '/hpp/v1/sessions');
    }
  });

  it('escapes paths and request ids into valid JSON', async () => {
    const lines = await writeAndRead(
      [obs({ path: '/a"b\\c\n', requestId: 'id"\u0001' }), obs({ requestId: 'x'.repeat(1000) })],
      'escape.log',
    );
    assert.equal(lines[0]!.path, '/a"b\\c\n');
    assert.equal(lines[0]!.request_id, 'id"\u0001');
    assert.equal((lines[1]!.request_id as string).length, 200);
  });

  it('keeps every line of a large burst, in order', async () => {
    const n = 5000;
    const lines = await writeAndRead(
      Array.from({ length: n }, (_, i) => obs({ requestId: `r-${i}` })),
      'burst.log',
    );
    assert.equal(lines.length, n);
    lines.forEach((l, i) => {
      assert.equal(l.request_id, `r-${i}`);
    });
  });

  it('keeps multi-byte characters and lines longer than a batch, in order', async () => {
    // 30,000 'é' are 60,000 bytes of UTF-8: with the JSON around them, more than a 64 KiB batch
    // can take once three bytes per character are reserved; the lines around it must stay put.
    const long = `/p/${'é'.repeat(30_000)}`;
    const lines = await writeAndRead(
      [
        obs({ requestId: 'before', path: '/ünïcode/€' }),
        obs({ requestId: 'long', path: long }),
        obs({ requestId: 'after' }),
      ],
      'long-line.log',
    );
    assert.deepEqual(
      lines.map((l) => l.request_id),
      ['before', 'long', 'after'],
    );
    assert.equal(lines[0]!.path, '/ünïcode/€');
    assert.equal(lines[1]!.path, long);
  });

  it('appends to an existing file', async () => {
    await writeAndRead([obs({ requestId: 'first' })], 'append.log');
    const lines = await writeAndRead([obs({ requestId: 'second' })], 'append.log');
    assert.deepEqual(
      lines.map((l) => l.request_id),
      ['first', 'second'],
    );
  });

  it('writes to stdout, and flushes the lines of the last turn when the process exits', () => {
    const modules = {
      log: new URL('../../src/log/access-log.js', import.meta.url).href,
      fixtures: new URL('../telemetry/fixtures.js', import.meta.url).href,
    };
    const script = `
      import { createAccessLog } from ${JSON.stringify(modules.log)};
      import { obs, seedRoutes } from ${JSON.stringify(modules.fixtures)};
      const log = createAccessLog({ kind: 'stdout' }, seedRoutes());
      for (let i = 0; i < 3; i++) log.observe(obs({ requestId: 'out-' + i }));
      process.exit(0);
    `;
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    const ids = res.stdout
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { request_id: string }).request_id);
    assert.deepEqual(ids, ['out-0', 'out-1', 'out-2']);
  });

  it('is a no-op sink when off', async () => {
    const log = createAccessLog({ kind: 'off' }, seedRoutes());
    log.observe(obs());
    log.flush();
    await log.close();
    assert.equal(log.droppedLines, 0);
  });

  it('fails at creation, with the path and the reason, when the file cannot be opened', async () => {
    const blocker = join(dir, 'not-a-dir');
    await writeAndRead([obs()], 'not-a-dir');
    assert.throws(() => createAccessLog({ kind: 'file', path: join(blocker, 'x.log') }, seedRoutes()), {
      code: 'SLOPROBE_ERR_USAGE',
      message: /not-a-dir\/x\.log: E[A-Z]+$/,
    });
  });

  it('creates the directory of the file', async () => {
    const lines = await writeAndRead([obs()], 'sub/dir/access.log');
    assert.equal(lines.length, 1);
  });
});
