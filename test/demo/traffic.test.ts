import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { loadConfigFile } from '../../src/config/load.js';
import { startTraffic, UNKNOWN_PATH_PREFIX } from '../../src/demo/traffic.js';
import { ErrorCodes } from '../../src/errors.js';
import { configDir } from '../helpers/paths.js';
import { ROUTES, templateMatches } from './routes.js';

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly contentType: string;
  readonly body: string;
}

/** Resolves when the socket is closed; an 'error' before it (a reset) is expected and ignored. */
function closed(s: Socket): Promise<void> | undefined {
  if (s.closed) return undefined;
  return new Promise((resolve) => s.once('close', () => resolve()));
}

/** A loopback server that records every request and resolves `done` after `want` of them. */
async function collector(t: TestContext, want: number) {
  const seen: Seen[] = [];
  const sockets: Socket[] = [];
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        contentType: req.headers['content-type'] ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      if (seen.length === want) resolveDone();
    });
  });
  // Idle connections stay open for a minute, so only the generator's stop() can close them in time.
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s: Socket) => sockets.push(s));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, sockets, done, server };
}

function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

test('sends weighted Klarna-like calls, the odd unknown path and bad body, then stops cleanly', {
  timeout: 20_000,
}, async (t) => {
  const c = await collector(t, 400);
  const traffic = startTraffic({ target: c.url, routes: ROUTES, rps: 1000, concurrency: 8, seed: 7 });
  await c.done;
  await traffic.stop();
  // Every connection the generator opened is closed by stop(); if one were left, this would hang.
  await Promise.all(c.sockets.map(closed));

  assert.ok(c.seen.length <= traffic.sent, `${c.seen.length} received, ${traffic.sent} sent`);
  const sentAfterStop = traffic.sent;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(traffic.sent, sentAfterStop);

  const byRoute = new Map<string, number>();
  let unknown = 0;
  let badBodies = 0;
  for (const r of c.seen) {
    assert.doesNotMatch(r.path, /[{}*]/);
    const matched = ROUTES.find(
      (route) => templateMatches(route.path, r.path) && (route.anyMethod || route.methods.includes(r.method)),
    );
    if (!matched) unknown++;
    else byRoute.set(matched.name, (byRoute.get(matched.name) ?? 0) + 1);
    if (['POST', 'PUT', 'PATCH'].includes(r.method)) {
      assert.equal(r.contentType, 'application/json');
      if (!isJsonObject(r.body)) badBodies++;
    }
  }
  assert.ok(unknown > 0, 'some requests match no route, so `unmatched` shows up');
  assert.ok(badBodies > 0, 'some writes carry a malformed body, so 4xx show up');
  assert.ok(unknown < c.seen.length / 10 && badBodies < c.seen.length / 10, 'both stay occasional');
  const count = (name: string) => byRoute.get(name) ?? 0;
  assert.ok(count('hpp-create-session') > count('settlements-read'), 'payments before settlements');
  assert.ok(count('ordermanagement-read') > count('settlements-read'), 'order reads before settlements');
  assert.ok(count('settlements-read') > 0, 'settlements are still called');
});

test('with the shipped config/klarna.yaml every call but the odd unknown one is a configured route', {
  timeout: 20_000,
}, async (t) => {
  const { routes } = loadConfigFile(join(configDir, 'klarna.yaml'));
  const c = await collector(t, 200);
  const traffic = startTraffic({ target: c.url, routes, rps: 1000, concurrency: 8, seed: 99 });
  await c.done;
  await traffic.stop();
  const unmatched = c.seen.filter(
    (r) =>
      !routes.some(
        (route) =>
          templateMatches(route.path, r.path) && (route.anyMethod || route.methods.includes(r.method)),
      ),
  );
  assert.ok(unmatched.length < c.seen.length / 10, `${unmatched.length} of ${c.seen.length} match no route`);
  // The only paths outside the map are the deliberate ones, never a badly filled template.
  for (const r of unmatched) assert.ok(r.path.startsWith(UNKNOWN_PATH_PREFIX), `${r.method} ${r.path}`);
});

test('stop() can be called twice and right after start', { timeout: 5000 }, async (t) => {
  const c = await collector(t, Number.POSITIVE_INFINITY);
  const traffic = startTraffic({ target: c.url, routes: ROUTES, seed: 1 });
  await Promise.all([traffic.stop(), traffic.stop()]);
  await Promise.all(c.sockets.map(closed));
});

test('a refused connection is reported through onError and counted', { timeout: 5000 }, async (t) => {
  const c = await collector(t, 1);
  c.server.close();
  await once(c.server, 'close');
  let resolveFirst!: (e: unknown) => void;
  const first = new Promise<unknown>((resolve) => {
    resolveFirst = resolve;
  });
  const traffic = startTraffic({
    target: c.url,
    routes: ROUTES,
    rps: 200,
    seed: 1,
    onError: (e) => resolveFirst(e),
  });
  const error = await first;
  await traffic.stop();
  assert.equal((error as { code?: string }).code, 'ECONNREFUSED');
  assert.ok(traffic.failed >= 1);
});

test('a proxy listening on 0.0.0.0 is reached through loopback', { timeout: 5000 }, async (t) => {
  const c = await collector(t, 1);
  const traffic = startTraffic({ target: c.url.replace('127.0.0.1', '0.0.0.0'), routes: ROUTES, rps: 100 });
  await c.done;
  await traffic.stop();
  assert.ok(c.seen.length >= 1);
});

test('only ever targets a loopback http URL', () => {
  for (const target of [
    'http://example.com',
    'http://10.0.0.1:8080',
    'https://127.0.0.1:8443',
    'not a url',
  ]) {
    assert.throws(() => startTraffic({ target, routes: ROUTES }), { code: ErrorCodes.USAGE }, target);
  }
  for (const bad of [
    { rps: 0 },
    { rps: Number.POSITIVE_INFINITY },
    { concurrency: 0 },
    { concurrency: 1.5 },
  ]) {
    assert.throws(() => startTraffic({ target: 'http://127.0.0.1:1', routes: ROUTES, ...bad }), {
      code: ErrorCodes.USAGE,
    });
  }
});
