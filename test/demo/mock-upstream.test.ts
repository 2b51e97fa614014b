import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from 'undici';
import { loadConfigFile } from '../../src/config/load.js';
import { fillTemplate } from '../../src/demo/fill-template.js';
import {
  MOCK_DEFAULTS,
  MOCK_DELAY_HEADER,
  type MockUpstream,
  startMockUpstream,
} from '../../src/demo/mock-upstream.js';
import { mulberry32 } from '../../src/demo/random.js';
import { ErrorCodes } from '../../src/errors.js';
import { configDir } from '../helpers/paths.js';
import { ROUTES, route } from './routes.js';

interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly delayMs: number;
  readonly allow: string;
  readonly json: unknown;
}

async function call(client: Client, method: string, path: string, body?: string): Promise<Reply> {
  const res = await client.request({ method, path, body, headers: { 'content-type': 'application/json' } });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    contentType: String(res.headers['content-type']),
    delayMs: Number(res.headers[MOCK_DELAY_HEADER]),
    allow: String(res.headers.allow ?? ''),
    json: text === '' ? undefined : JSON.parse(text),
  };
}

/** Starts a mock that answers without waiting (timeScale 0) and a client for it. */
async function withMock(
  opts: { errorRate?: number; slowRate?: number; seed?: number },
  fn: (client: Client, mock: MockUpstream) => Promise<void>,
): Promise<void> {
  const mock = await startMockUpstream({ routes: ROUTES, timeScale: 0, seed: 1, ...opts });
  const client = new Client(mock.url);
  try {
    await fn(client, mock);
  } finally {
    await client.close();
    await mock.close();
  }
}

/** Every `*_amount` field anywhere in the body, to check the minor-unit rule. */
function amounts(value: unknown, out: number[] = []): number[] {
  if (Array.isArray(value)) for (const v of value) amounts(v, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k.endsWith('_amount') && typeof v === 'number') out.push(v);
      else amounts(v, out);
    }
  }
  return out;
}

test('listens on loopback by default', async () => {
  await withMock({}, async (_client, mock) => {
    assert.equal(new URL(mock.url).hostname, '127.0.0.1');
    assert.ok(mock.port > 0);
  });
});

test('every configured route answers valid input with a 2xx JSON object, amounts in minor units', async () => {
  await withMock({ errorRate: 0, slowRate: 0 }, async (client) => {
    const rng = mulberry32(5);
    for (const r of ROUTES) {
      const methods = r.anyMethod ? ['GET', 'POST', 'PUT'] : r.methods;
      for (const method of methods) {
        const path = fillTemplate(r.path, rng);
        const body = ['POST', 'PUT', 'PATCH'].includes(method) ? '{"order_amount": 49900}' : undefined;
        const reply = await call(client, method, path, body);
        const what = `${method} ${path} (${r.name})`;
        assert.ok(reply.status >= 200 && reply.status < 300, `${what}: ${reply.status}`);
        assert.match(reply.contentType, /^application\/json/, what);
        assert.equal(typeof reply.json, 'object', what);
        for (const a of amounts(reply.json)) assert.ok(Number.isInteger(a), `${what}: amount ${a}`);
      }
    }
  });
});

test('every route of the shipped config/klarna.yaml answers valid input with a 2xx JSON object', async () => {
  const config = loadConfigFile(join(configDir, 'klarna.yaml'));
  const mock = await startMockUpstream({ routes: config.routes, timeScale: 0, errorRate: 0, slowRate: 0 });
  const client = new Client(mock.url);
  try {
    const rng = mulberry32(8);
    for (const r of config.routes) {
      for (const method of r.anyMethod ? ['GET', 'POST'] : r.methods) {
        const path = fillTemplate(r.path, rng);
        const body = ['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : undefined;
        const reply = await call(client, method, path, body);
        assert.ok(
          reply.status >= 200 && reply.status < 300,
          `${method} ${path} (${r.name}): ${reply.status}`,
        );
        assert.equal(typeof reply.json, 'object');
      }
    }
  } finally {
    await client.close();
    await mock.close();
  }
});

test('a write without a JSON object body is a 400, with a JSON error body', async () => {
  await withMock({ errorRate: 0, slowRate: 0 }, async (client) => {
    for (const body of [undefined, '', '{"order_amount":', '[]', '"text"']) {
      const reply = await call(client, 'POST', '/hpp/v1/sessions', body);
      assert.equal(reply.status, 400, `body ${JSON.stringify(body)}`);
      assert.match(reply.contentType, /^application\/json/);
      assert.equal(typeof (reply.json as { error_code?: unknown }).error_code, 'string');
    }
  });
});

test('an unknown path is a 404 and a method the route lacks is a 405 naming the allowed ones', async () => {
  await withMock({ errorRate: 0, slowRate: 0 }, async (client) => {
    assert.equal((await call(client, 'GET', '/no/such/api')).status, 404);
    const reply = await call(client, 'DELETE', '/hpp/v1/sessions');
    assert.equal(reply.status, 405);
    assert.equal(reply.allow, 'POST');
  });
});

/** Sends `n` valid requests round-robin over the routes that have a latency objective. */
async function sample(client: Client, n: number, seed: number) {
  const rng = mulberry32(seed);
  const withObjective = ROUTES.filter((r) => r.latency !== undefined);
  const replies: { reply: Reply; thresholdMs: number }[] = [];
  for (let i = 0; i < n; i++) {
    const r = withObjective[i % withObjective.length]!;
    // A GET to a "*" route may belong to a GET route on the same path; POST stays on this one.
    const method = r.anyMethod ? 'POST' : r.methods[0]!;
    const body = method === 'GET' ? undefined : '{}';
    const reply = await call(client, method, fillTemplate(r.path, rng), body);
    replies.push({ reply, thresholdMs: r.latency!.thresholdMs });
  }
  return replies;
}

/** A count drawn with probability `p` over `n` trials, within 4 binomial standard deviations. */
function assertAbout(count: number, n: number, p: number, what: string): void {
  const sd = Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(count - n * p) <= 4 * sd, `${what}: ${count} of ${n}, expected about ${n * p}`);
}

test('error and slow rates are honoured over many requests (fixed seed, generous bounds)', async () => {
  const n = 600;
  await withMock({ errorRate: 0.2, slowRate: 0.3, seed: 42 }, async (client) => {
    const replies = await sample(client, n, 42);
    const errors = replies.filter((x) => x.reply.status >= 500);
    for (const e of errors) assert.ok([500, 503].includes(e.reply.status), `unexpected ${e.reply.status}`);
    assertAbout(errors.length, n, 0.2, 'errors');
    // Slow means the mock meant to answer after the route's latency objective.
    const slow = replies.filter((x) => x.reply.delayMs > x.thresholdMs);
    assertAbout(slow.length, n, 0.3, 'slow');
    // Typical answers sit well inside the objective, so the route's p99 is set by the slow share.
    const typical = replies.filter((x) => x.reply.delayMs <= x.thresholdMs);
    const wellInside = typical.filter((x) => x.reply.delayMs < x.thresholdMs / 2);
    assert.equal(wellInside.length, typical.length);
  });
});

test('with both rates at 0 nothing fails and nothing exceeds its objective', async () => {
  await withMock({ errorRate: 0, slowRate: 0 }, async (client) => {
    const replies = await sample(client, 200, 7);
    assert.equal(replies.filter((x) => x.reply.status >= 500).length, 0);
    assert.equal(replies.filter((x) => x.reply.delayMs > x.thresholdMs).length, 0);
  });
});

test('the default rates give a small steady share of errors and slow answers', async () => {
  await withMock({ seed: 3 }, async (client) => {
    const n = 1000;
    const replies = await sample(client, n, 3);
    assertAbout(replies.filter((x) => x.reply.status >= 500).length, n, MOCK_DEFAULTS.errorRate, 'errors');
    assertAbout(
      replies.filter((x) => x.reply.delayMs > x.thresholdMs).length,
      n,
      MOCK_DEFAULTS.slowRate,
      'slow',
    );
  });
});

test('the same seed gives the same answers; another seed does not', async () => {
  const run = async (seed: number) => {
    let out: string[] = [];
    await withMock({ errorRate: 0.1, slowRate: 0.1, seed }, async (client) => {
      out = (await sample(client, 200, 1)).map((x) => `${x.reply.status}/${x.reply.delayMs}`);
    });
    return out;
  };
  const a = await run(11);
  assert.deepEqual(await run(11), a);
  assert.notDeepEqual(await run(12), a);
});

test('with one seed, which requests fail or are slow does not depend on which routes are called', async () => {
  const run = async (name: string) => {
    const r = route(name);
    const out: string[] = [];
    await withMock({ errorRate: 0.1, slowRate: 0.1, seed: 5 }, async (client) => {
      const rng = mulberry32(1);
      for (let i = 0; i < 150; i++) {
        const reply = await call(client, r.methods[0]!, fillTemplate(r.path, rng), '{}');
        out.push(
          `${reply.status >= 500 ? 'error' : 'ok'}/${reply.delayMs > r.latency!.thresholdMs ? 'slow' : 'fast'}`,
        );
      }
    });
    return out;
  };
  const sessions = await run('hpp-create-session');
  assert.ok(sessions.some((x) => x.startsWith('error')) && sessions.some((x) => x.endsWith('slow')));
  assert.deepEqual(await run('settlements-read'), sessions);
});

test('close() does not wait for a delayed answer', { timeout: 5000 }, async () => {
  const mock = await startMockUpstream({ routes: [route('settlements-read')], slowRate: 1, errorRate: 0 });
  const client = new Client(mock.url);
  const pending = call(client, 'GET', '/settlements/v1/payouts');
  const connected = new Promise((resolve) => client.once('connect', resolve));
  await connected;
  await mock.close();
  // The 6.6 s+ answer never comes: the mock dropped the connection instead of holding close().
  await assert.rejects(pending);
  await client.close();
});

test('rates outside [0, 1] are refused with a usage error', async () => {
  for (const bad of [{ errorRate: -0.1 }, { slowRate: 1.5 }, { errorRate: Number.NaN }, { timeScale: -1 }]) {
    await assert.rejects(startMockUpstream({ routes: ROUTES, ...bad }), { code: ErrorCodes.USAGE });
  }
});
