/**
 * Framing the sidecar does not forward: header names that only look like Content-Length
 * or Transfer-Encoding, request lines of another HTTP version, and transfer codings other
 * than chunked. "A malformed request gets 400 and never reaches the upstream": each case
 * runs on raw sockets against an upstream that records every byte it receives.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Echoed,
  echo,
  headerValues,
  parseRaw,
  rawExchange,
  startPair,
  startProxy,
  startRawUpstream,
} from './harness.js';

async function rawFixture(t: { after: (fn: () => Promise<void>) => void }) {
  const up = await startRawUpstream();
  const px = await startProxy(up.url);
  t.after(async () => {
    await px.close();
    await up.close();
  });
  return { up, px };
}

/** Responses in a raw reply (the proxy only ever sends complete ones). */
function statusLines(text: string): string[] {
  return text.match(/^HTTP\/1\.[01] \d{3}/gm) ?? [];
}

test('request smuggling through a look-alike Content-Length: refused, and the hidden request never reaches the upstream', async (t) => {
  const { up, px } = await rawFixture(t);
  // A front-end that reads `Content_Length` as framing sees one POST with this body; a
  // proxy that forwards the field as an ordinary one sends the upstream two requests.
  const hidden = 'GET /admin/smuggled HTTP/1.1\r\nHost: a\r\n\r\n';
  const text = await rawExchange(
    px.port,
    `POST /v1/payments HTTP/1.1\r\nHost: a\r\nContent_Length: ${hidden.length}\r\n\r\n${hidden}`,
  );
  assert.deepEqual(statusLines(text), ['HTTP/1.1 400'], 'one response, then the connection closes');
  const reply = parseRaw(text);
  assert.equal(reply.headers.get('connection'), 'close');
  assert.equal((JSON.parse(reply.body) as { reason: string }).reason, 'ambiguous_framing');
  assert.equal(up.received(), '', 'the upstream received no byte');
  assert.equal(up.connections, 0);
  // The refused POST, and the hidden GET that was parsed behind it: never sent, recorded
  // as never answered (status 0, excluded like an abandoned request).
  await px.sink.count(2);
  assert.deepEqual(
    px.sink.seen.map((o) => [o.method, o.path, o.status, o.clientAborted]),
    [
      ['POST', '/v1/payments', 400, false],
      ['GET', '/admin/smuggled', 0, true],
    ],
  );
});

test('every look-alike of a framing field is refused with 400 and the connection closed', async (t) => {
  const { up, px } = await rawFixture(t);
  const names = [
    'Content_Length',
    'content_length',
    'ContentLength',
    'Content--Length',
    '_Content-Length',
    'Transfer_Encoding',
    'Transfer---Encoding',
    'Transfer___Encoding',
    'TRANSFER-ENCODING_',
  ];
  for (const name of names) {
    const text = await rawExchange(
      px.port,
      `POST /v1/payments HTTP/1.1\r\nHost: a\r\n${name}: 5\r\nContent-Length: 2\r\n\r\n{}GET / HTTP/1.1\r\nHost: a\r\n\r\n`,
    );
    assert.deepEqual(statusLines(text), ['HTTP/1.1 400'], name);
    assert.equal(parseRaw(text).headers.get('connection'), 'close', name);
  }
  assert.equal(up.received(), '', 'the upstream received no byte');
});

test('names that are not look-alikes pass: real framing in any case, and longer names', async (t) => {
  const { up, px } = await startPair(t, echo);
  const reply = parseRaw(
    await rawExchange(
      px.port,
      'POST /v1/payments HTTP/1.1\r\nHost: a\r\nCONTENT-LENGTH: 2\r\nX-Content-Length: 7\r\n' +
        'Content-Length-Hint: 9\r\nContent-Language: de\r\nConnection: close\r\n\r\n{}',
    ),
  );
  assert.equal(reply.status, 200);
  const seen = JSON.parse(reply.body) as Echoed;
  assert.equal(seen.body, '{}');
  assert.deepEqual(headerValues(seen.rawHeaders, 'x-content-length'), ['7']);
  assert.deepEqual(headerValues(seen.rawHeaders, 'content-length-hint'), ['9']);
  assert.equal(up.requests.length, 1);
});

test('a request line other than HTTP/1.0 or HTTP/1.1 gets 400, framing headers or not', async (t) => {
  const { up, px } = await rawFixture(t);
  const lines = [
    'POST /v1/payments HTTP/0.9\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}',
    'GET /v1/payments HTTP/2.0\r\nHost: a\r\n\r\n',
    'GET /v1/payments HTTP/1.2\r\nHost: a\r\n\r\n',
  ];
  for (const bytes of lines) {
    const text = await rawExchange(px.port, bytes);
    assert.deepEqual(statusLines(text), ['HTTP/1.1 400'], bytes.split('\r\n')[0]);
  }
  // The first two are parsed by Node and refused by the sidecar, the third by Node's parser.
  const reasons = await Promise.all(
    ['GET /v1/payments HTTP/0.9\r\nHost: a\r\n\r\n', 'GET /v1/payments HTTP/2.0\r\nHost: a\r\n\r\n'].map(
      async (b) => (JSON.parse(parseRaw(await rawExchange(px.port, b)).body) as { reason: string }).reason,
    ),
  );
  assert.deepEqual(reasons, ['unsupported_version', 'unsupported_version']);
  assert.equal(up.received(), '', 'the upstream received no byte');
  // HTTP/1.0 is still forwarded.
  const ok = parseRaw(await rawExchange(px.port, 'GET /v1/payments HTTP/1.0\r\n\r\n'));
  assert.equal(ok.status, 200);
});

test('Transfer-Encoding with a coding besides chunked gets 501 (RFC 9112 6.1) and is never forwarded', async (t) => {
  const { up, px } = await rawFixture(t);
  const cases = [
    'Transfer-Encoding: gzip, chunked\r\n',
    // Node joins the two fields into "gzip, chunked".
    'Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n',
  ];
  for (const te of cases) {
    // The body is a valid chunked one: what is not understood is the coding under it.
    const text = await rawExchange(
      px.port,
      `POST /v1/payments HTTP/1.1\r\nHost: a\r\n${te}\r\n2\r\nab\r\n0\r\n\r\n`,
    );
    const reply = parseRaw(text);
    assert.equal(reply.status, 501, te);
    assert.equal((JSON.parse(reply.body) as { reason: string }).reason, 'transfer_coding_not_supported');
  }
  // chunked applied twice is refused by Node's parser already (400, ambiguous framing).
  const twice = await rawExchange(
    px.port,
    'POST /v1/payments HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n',
  );
  assert.equal(parseRaw(twice).status, 400);
  assert.equal(up.received(), '', 'the upstream received no byte');
  // Plain chunked, in any case, is still forwarded (re-chunked by the sidecar).
  const echoed = await startPair(t, echo);
  const ok = parseRaw(
    await rawExchange(
      echoed.px.port,
      'POST /v1/payments HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n2\r\nab\r\n0\r\n\r\n',
    ),
  );
  assert.equal(ok.status, 200);
  assert.equal((JSON.parse(ok.body) as Echoed).body, 'ab');
});
