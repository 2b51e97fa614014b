/**
 * HTTP/1.1 framing and parser attacks against the real sidecar (startSidecar, the config
 * below), one raw connection per case from desync-cases.yaml. "A malformed or ambiguous
 * request gets 400 and never reaches the upstream": for each case the client gets the
 * listed statuses and then a closed connection, and the upstream, which records every
 * byte it receives, sees exactly the listed request lines and never `/smuggled`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import type { Sidecar } from '../../src/sidecar.js';
import { repoRoot } from '../helpers/paths.js';
import { loopbackConfig, startLoopbackSidecar } from '../helpers/sidecar.js';
import { framedResponses } from '../proxy/harness.js';
import { type RecordingUpstream, startRecordingUpstream } from './recording-upstream.js';

const CONFIG = `upstream: http://127.0.0.1:9
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request: { class: transaction-critical }
routes:
  - { name: payments, method: [POST, PUT], path: /v1/payments, category: payment-request }
  - { name: status, method: [GET, HEAD], path: /v1/status, category: payment-request }
  - { name: search, method: GET, path: /v1/search, category: payment-request, allow_body_on_get: true }
`;

interface Case {
  id: string;
  from: string;
  send: string | [string, string, number, string];
  expect: number[];
  upstream: string[];
  reason?: string;
  absent?: string[];
}

const CASES = parse(readFileSync(join(repoRoot, 'test', 'hostile', 'desync-cases.yaml'), 'utf8')) as Case[];

function bytesOf(send: Case['send']): Buffer {
  const text = typeof send === 'string' ? send : send[0] + send[1].repeat(send[2]) + send[3];
  return Buffer.from(text, 'latin1');
}

/** Request lines in what the upstream received (in bodies too: a smuggled one is caught). */
function requestLines(text: string): string[] {
  return text.match(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \S+ HTTP\/\d\.\d(?=\r?\n)/gm) ?? [];
}

/**
 * Sends `bytes` in one write and reads until the sidecar closes the connection. The
 * client never ends its side, so only the sidecar can close it; a case it leaves open
 * fails at the deadline instead of hanging the suite.
 */
function exchange(port: number, bytes: Buffer): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
    });
    const deadline = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, 10_000);
    socket.on('error', () => {}); // a reset after the response is still a close
    socket.on('close', () => {
      clearTimeout(deadline);
      resolve({ text, closed: true });
    });
  });
}

/** The one response to a HEAD request: its head, and nothing after it. */
function headOnly(text: string): ReturnType<typeof framedResponses> {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return { responses: [], rest: text };
  const { responses } = framedResponses(`${text.slice(0, end)}\r\ncontent-length: 0\r\n\r\n`);
  return { responses, rest: text.slice(end + 4) };
}

let upstream: RecordingUpstream;
let sidecar: Sidecar;

before(async () => {
  upstream = await startRecordingUpstream();
  sidecar = await startLoopbackSidecar(loopbackConfig(CONFIG, 'hostile.yaml', { upstream: upstream.url }));
  // Warm the upstream pool: a refusal found mid-body must hold with a connection idle and
  // ready, not only while the first connect is still pending.
  const { text } = await exchange(
    sidecar.proxyAddress.port,
    Buffer.from('GET /v1/status HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 'latin1'),
  );
  assert.match(text, /^HTTP\/1\.1 200 /);
  await waitFor(() => upstream.received().includes('GET /v1/status'));
});

/** Polls `cond` until it holds; fails after a deadline rather than hanging. */
async function waitFor(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

after(async () => {
  await sidecar.close(1_000);
  await upstream.close();
});

test('the case file holds the categories the sidecar must refuse', () => {
  const ids = new Set(CASES.map((c) => c.id));
  assert.equal(ids.size, CASES.length, 'case ids are unique');
  for (const c of CASES) {
    assert.ok(c.from.length > 0 && c.expect.length > 0, c.id);
    if (c.upstream.length === 0) for (const s of c.expect) assert.ok(s >= 400, `${c.id}: refused`);
  }
  // At least one case per attack the sidecar is meant to refuse (see the file's sections).
  for (const prefix of ['cl-', 'te-', 'obs-fold', 'bare-', 'nul-', 'chunk-', 'trailer-', 'oversize-'])
    assert.ok(
      CASES.some((c) => c.id.startsWith(prefix)),
      prefix,
    );
});

for (const c of CASES) {
  test(`${c.id}: ${c.from}`, async () => {
    const before = upstream.received().length;
    const { text, closed } = await exchange(sidecar.proxyAddress.port, bytesOf(c.send));
    // A response to HEAD has a Content-Length but no body (RFC 9110 9.3.2).
    const { responses, rest } = c.id.startsWith('head-') ? headOnly(text) : framedResponses(text);
    assert.deepEqual(
      responses.map((r) => r.status),
      c.expect,
      `statuses; got ${JSON.stringify(text.slice(0, 300))}`,
    );
    assert.equal(rest, '', 'only complete responses');
    assert.ok(closed, 'the sidecar closed the connection');
    const last = responses.at(-1)!;
    assert.equal(last.headers.get('connection'), 'close', 'the last response says the connection closes');
    if (c.reason !== undefined) assert.equal((JSON.parse(last.body) as { reason: string }).reason, c.reason);
    const seen = upstream.received().slice(before);
    if (c.upstream.length === 0) assert.equal(seen, '', 'not one byte reached the upstream');
    assert.deepEqual(requestLines(seen), c.upstream, 'the request lines the upstream received');
    assert.ok(!seen.includes('/smuggled'), 'no smuggled request reached the upstream');
    for (const s of c.absent ?? [])
      assert.ok(!seen.includes(s), `${JSON.stringify(s)} never reaches the upstream`);
  });
}

test('a bad chunk in a later packet than the headers: 400, the upstream request is cut unfinished, nothing behind it is sent', async () => {
  const doneBefore = upstream.completed.length;
  const before = upstream.received().length;
  const socket = net.connect(sidecar.proxyAddress.port, '127.0.0.1');
  socket.setEncoding('latin1');
  let text = '';
  socket.on('data', (d: string) => {
    text += d;
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write('POST /v1/payments HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n');
  // The request streams: its head (and first chunk) are upstream before the bad bytes exist.
  await waitFor(() => upstream.received().slice(before).includes('POST /v1/payments'));
  socket.write('zz\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n');
  await closed;
  assert.deepEqual(
    framedResponses(text).responses.map((r) => r.status),
    [400],
  );
  // A request sent after it and answered: had the cut one been completed, it would be too.
  await exchange(
    sidecar.proxyAddress.port,
    Buffer.from('GET /v1/status?after=cut HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 'latin1'),
  );
  // The upstream's server never saw the cut request end, and nothing followed it.
  assert.deepEqual(upstream.completed.slice(doneBefore), ['GET /v1/status?after=cut']);
  assert.ok(!upstream.received().slice(before).includes('/smuggled'));
});

test('after every case: nothing smuggled anywhere upstream, and the sidecar still serves', async () => {
  const { text } = await exchange(
    sidecar.proxyAddress.port,
    Buffer.from('GET /v1/status HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 'latin1'),
  );
  assert.deepEqual(
    framedResponses(text).responses.map((r) => r.status),
    [200],
  );
  assert.ok(!upstream.received().includes('smuggled'));
});
