/**
 * "Failures: upstream refused/reset/unreachable -> 502, upstream timeouts (connect,
 * headers, body) -> 504, both with a small JSON body naming the request id; the client's
 * own abort cancels the upstream request.". DESIGN.md: proxy-generated failures
 * are bad; "a request the client abandoned before a response is neither".
 *
 * The fields of the Observation itself (SLI latency, clientAborted, status 0) and what
 * needs a special upstream (a full accept queue); the fault table, test/faults, runs every
 * fault against the whole sidecar and checks its counters and sockets.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { errors } from 'undici';
import { statusForReason, upstreamErrorReason } from '../../src/proxy/errors-response.js';
import {
  closedPort,
  echo,
  ROUTE_SLOW,
  send,
  startPair,
  startProxy,
  startUpstream,
  TIMEOUTS,
} from './harness.js';

/** Resolves on 'close' even when an 'error' comes first (once() would reject). */
function closeOf(emitter: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => emitter.once('close', () => resolve()));
}

interface ErrorBody {
  error: string;
  reason: string;
  request_id: string;
}

test('upstream refuses the connection: 502 upstream_unavailable, reason refused', async (t) => {
  const port = await closedPort();
  const px = await startProxy(`http://127.0.0.1:${port}`);
  t.after(() => px.close());
  const reply = await send(px.port, { path: '/v1/payments', headers: { 'x-request-id': 'r-refused' } });
  assert.equal(reply.status, 502);
  assert.equal(reply.headers['content-type'], 'application/json');
  assert.equal(reply.headers['x-request-id'], 'r-refused');
  assert.deepEqual(JSON.parse(reply.body) as ErrorBody, {
    error: 'upstream_unavailable',
    reason: 'refused',
    request_id: 'r-refused',
  });
  const o = await px.sink.nth(1);
  assert.equal(o.status, 502);
  assert.equal(o.errorReason, 'refused');
  assert.equal(o.sliNs, -1, 'no upstream headers, no SLI latency');
  assert.equal(o.clientAborted, false);
});

test('upstream sends no headers in time: 504 upstream_timeout, reason timeout_headers', async (t) => {
  const { px } = await startPair(
    t,
    () => {
      // never answers
    },
    { timeouts: { ...TIMEOUTS, headersMs: 150 } },
  );
  const reply = await send(px.port, { path: '/v1/payments' });
  assert.equal(reply.status, 504);
  const body = JSON.parse(reply.body) as ErrorBody;
  assert.equal(body.error, 'upstream_timeout');
  assert.equal(body.reason, 'timeout_headers');
  const o = await px.sink.nth(1);
  assert.equal(o.status, 504);
  assert.equal(o.errorReason, 'timeout_headers');
  assert.equal(o.sliNs, -1);
});

test("a route's own timeout overrides the headers timeout", async (t) => {
  const up = await startUpstream((req, res) => {
    if (req.url === '/slow') return; // never answers
    echo(req, res);
  });
  // The global headers timeout is far longer than the test; only the route's can fire.
  const px = await startProxy(up.url, {
    timeouts: { ...TIMEOUTS, headersMs: 600_000 },
    routeTimeoutMs: (route) => (route === ROUTE_SLOW ? 100 : undefined),
  });
  t.after(async () => {
    await px.close();
    await up.close();
  });
  const reply = await send(px.port, { path: '/slow' });
  assert.equal(reply.status, 504);
  assert.equal((JSON.parse(reply.body) as ErrorBody).reason, 'timeout_headers');
  assert.equal((await px.sink.nth(1)).routeIndex, ROUTE_SLOW);
});

test('upstream stalls mid-body: the client response is cut (status already sent), reason timeout_body', async (t) => {
  const { px } = await startPair(
    t,
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 1000 });
      res.write('first part');
      // ... and the rest never comes
    },
    { timeouts: { ...TIMEOUTS, bodyMs: 150 } },
  );
  const outcome = await new Promise<{ status: number; complete: boolean; received: string }>(
    (resolve, reject) => {
      const req = http.get(
        { host: '127.0.0.1', port: px.port, path: '/v1/payments', agent: false },
        (res) => {
          let received = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            received += d;
          });
          res.on('error', () => {
            // ECONNRESET / aborted: expected, 'close' reports it
          });
          res.on('close', () => resolve({ status: res.statusCode ?? 0, complete: res.complete, received }));
        },
      );
      req.on('error', reject);
    },
  );
  assert.equal(outcome.status, 200);
  assert.equal(outcome.received, 'first part');
  assert.equal(outcome.complete, false, 'the client can tell the body is incomplete');
  const o = await px.sink.nth(1);
  assert.equal(o.status, 200, 'the status already sent stays');
  assert.equal(o.errorReason, 'timeout_body');
  assert.equal(o.clientAborted, false);
  assert.ok(o.sliNs >= 0);
});

test("the client's abort cancels the upstream request; observed as clientAborted with status 0", async (t) => {
  let resolveArrived!: (req: http.IncomingMessage) => void;
  const arrived = new Promise<http.IncomingMessage>((resolve) => {
    resolveArrived = resolve;
  });
  const up = await startUpstream((req) => resolveArrived(req)); // never answers
  const px = await startProxy(up.url);
  t.after(async () => {
    await px.close();
    await up.close();
  });
  const req = http.get({ host: '127.0.0.1', port: px.port, path: '/v1/payments', agent: false });
  req.on('error', () => {});
  const upstreamReq = await arrived;
  const closed = closeOf(upstreamReq.socket);
  req.destroy();
  await closed; // the upstream request is cancelled, not left to run
  const o = await px.sink.nth(1);
  assert.equal(o.clientAborted, true);
  assert.equal(o.status, 0, 'nothing was sent');
  assert.equal(o.errorReason, null, 'not an upstream failure');
  assert.equal(o.sliNs, -1);
});

test('connect timeout: an upstream whose accept queue is full gets 504, reason timeout_connect', async (t) => {
  if (process.platform !== 'linux') {
    t.skip('relies on Linux dropping SYNs when a listen backlog is full');
    return;
  }
  // A stopped process with backlog 1 never accepts: once its queue holds two connections,
  // Linux drops further SYNs and a connect can only time out. Loopback only.
  const child = spawn(
    process.execPath,
    [
      '-e',
      "const s=require('net').createServer();s.listen({port:0,host:'127.0.0.1',backlog:1},()=>console.log(s.address().port))",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const fillers: net.Socket[] = [];
  t.after(() => {
    for (const f of fillers) f.destroy();
    child.kill('SIGKILL');
  });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const port = Number(line.toString().trim());
  child.kill('SIGSTOP');
  for (let i = 0; i < 2; i++) {
    const f = net.connect(port, '127.0.0.1');
    f.on('error', () => {});
    fillers.push(f);
    await once(f, 'connect');
  }
  const px = await startProxy(`http://127.0.0.1:${port}`, { timeouts: { ...TIMEOUTS, connectMs: 100 } });
  t.after(() => px.close());
  const reply = await send(px.port, { path: '/v1/payments' });
  assert.equal(reply.status, 504);
  assert.equal((JSON.parse(reply.body) as ErrorBody).reason, 'timeout_connect');
  assert.equal((await px.sink.nth(1)).errorReason, 'timeout_connect');
});

test('undici and socket error codes map to the recorded reason and to 502/504', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  const cases: Array<[unknown, string, number]> = [
    [err('UND_ERR_CONNECT_TIMEOUT'), 'timeout_connect', 504],
    [err('UND_ERR_HEADERS_TIMEOUT'), 'timeout_headers', 504],
    [err('UND_ERR_BODY_TIMEOUT'), 'timeout_body', 504],
    [err('ECONNREFUSED'), 'refused', 502],
    [err('ECONNRESET'), 'reset', 502],
    [err('UND_ERR_SOCKET'), 'reset', 502],
    [err('ENOTFOUND'), 'unreachable', 502],
    [err('EHOSTUNREACH'), 'unreachable', 502],
    [err('ENETUNREACH'), 'unreachable', 502],
    [err('CERT_HAS_EXPIRED'), 'tls', 502],
    [err('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls', 502],
    [err('HPE_INVALID_CONSTANT'), 'protocol', 502],
    [err('UND_ERR_RES_CONTENT_LENGTH_MISMATCH'), 'protocol', 502],
    // undici 7 builds its parser errors without a code (test/faults covers the real thing).
    [new errors.HTTPParserError('Response does not match the HTTP/1.1 protocol'), 'protocol', 502],
    [new errors.SocketError('other side closed'), 'reset', 502],
    [new errors.SocketError('bad response'), 'protocol', 502],
    // Happy-eyeballs: every address refused.
    [new AggregateError([err('ECONNREFUSED'), err('ECONNREFUSED')]), 'refused', 502],
    [Object.assign(new Error('wrapped'), { cause: err('ECONNRESET') }), 'reset', 502],
    [new Error('no code'), 'other', 502],
    ['not even an error', 'other', 502],
  ];
  for (const [e, reason, status] of cases) {
    const got = upstreamErrorReason(e);
    assert.equal(got, reason, String(e));
    assert.equal(statusForReason(got), status);
  }
});

test('a throwing sink does not disturb the response, and is counted', async (t) => {
  const up = await startUpstream(echo);
  const { ProxyServer } = await import('../../src/proxy/server.js');
  const proxy = new ProxyServer({
    upstream: up.url,
    timeouts: TIMEOUTS,
    lookup: () => 0,
    routeTimeoutMs: () => undefined,
    sink: {
      observe() {
        throw new Error('recorder broke');
      },
    },
  });
  const warned = once(process, 'warning');
  const { port } = await proxy.listen('127.0.0.1', 0);
  t.after(async () => {
    await proxy.close(1000);
    await up.close();
  });
  const reply = await send(port, { path: '/v1/payments' });
  assert.equal(reply.status, 200);
  await warned;
  assert.equal(proxy.sinkErrors, 1);
});

test('HTTP pipelining: when the client leaves, the response still queued behind another is observed too', {
  timeout: 10_000,
}, async (t) => {
  let resolveSlow!: () => void;
  const slowArrived = new Promise<void>((resolve) => {
    resolveSlow = resolve;
  });
  let resolveFast!: () => void;
  const fastAnswered = new Promise<void>((resolve) => {
    resolveFast = resolve;
  });
  const { px } = await startPair(t, (req, res) => {
    if (req.url === '/slow') {
      resolveSlow(); // never answers
      return;
    }
    res.end('fast', () => resolveFast());
  });
  const socket = net.connect(px.port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write('GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /v1/payments HTTP/1.1\r\nHost: a\r\n\r\n');
  await slowArrived;
  await fastAnswered; // the second response now waits behind the first, which never comes
  socket.destroy();
  await px.sink.count(2);
  const byPath = new Map(px.sink.seen.map((o) => [o.path, o]));
  assert.equal(byPath.get('/slow')?.clientAborted, true);
  assert.equal(byPath.get('/v1/payments')?.clientAborted, true, 'never delivered: the client left first');
  await px.close();
  assert.equal(px.sink.seen.length, 2, 'each request observed exactly once');
});
