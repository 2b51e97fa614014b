/**
 * A complete request followed on its connection by a malformed one: the complete request
 * was sent upstream and ran (a payment), so its real response must reach the client; the
 * malformed one is answered after it, and the connection closes. A 400 in place of the
 * payment's response reads as "not processed", and the client would pay twice.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { parseRaw, ROUTE_PAYMENTS, startPair } from './harness.js';

/** An upstream that holds every request (body read) until the test answers it. */
function holdingUpstream() {
  const held: http.ServerResponse[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    req.resume();
    req.on('end', () => {
      held.push(res);
      for (const w of waiters) if (held.length >= w.n) w.resolve();
    });
  };
  const holding = (n: number): Promise<void> =>
    held.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }));
  return { held, handler, holding };
}

/** A raw client connection that collects everything it reads until the proxy closes it. */
function rawClient(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  socket.setEncoding('latin1');
  let text = '';
  socket.on('data', (d: string) => {
    text += d;
  });
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(text)));
  return { socket, closed };
}

const PAYMENT =
  'POST /v1/payments HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"amount":10}';

test('a malformed request pipelined behind a payment in flight: the payment gets its real response, then the 400', async (t) => {
  const up = holdingUpstream();
  const { px } = await startPair(t, up.handler);
  const client = rawClient(px.port);
  client.socket.write(PAYMENT);
  await up.holding(1); // the upstream is running the payment
  const parseFailed = once(px.proxy.server, 'clientError');
  client.socket.write('XYZ / HTTP/1.1\r\n\r\n');
  await parseFailed;
  up.held[0]!.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"pay_1"}');
  const text = await client.closed;

  const [first, second, ...rest] = text.split(/(?=HTTP\/1\.1 )/);
  assert.match(first ?? '', /^HTTP\/1\.1 201 /, 'the payment response, as the upstream sent it');
  assert.equal(parseRaw(first ?? '').body, '{"id":"pay_1"}');
  assert.match(second ?? '', /^HTTP\/1\.1 400 /, 'then the malformed request is refused');
  assert.match(second ?? '', /\r\nConnection: close\r\n/);
  assert.deepEqual(rest, [], 'and nothing else: the connection closed');

  await px.sink.count(2);
  const [payment, refused] = px.sink.seen;
  assert.equal(payment?.status, 201, 'the payment is recorded as what it was');
  assert.equal(payment?.clientAborted, false);
  assert.equal(payment?.errorReason, null);
  assert.equal(payment?.routeIndex, ROUTE_PAYMENTS);
  assert.equal(refused?.status, 400);
  assert.equal(refused?.method, 'XYZ');
});

test('two pipelined payments in flight, then garbage: both responses in order, then the 400', async (t) => {
  const up = holdingUpstream();
  const { px } = await startPair(t, up.handler);
  const client = rawClient(px.port);
  client.socket.write(PAYMENT + PAYMENT.replace('10', '20'));
  await up.holding(2);
  const parseFailed = once(px.proxy.server, 'clientError');
  client.socket.write('\x01\x02 not http\r\n\r\n');
  await parseFailed;
  // Answered out of order upstream; the client still gets them in request order.
  up.held[1]!.writeHead(201).end('{"id":"pay_2"}');
  up.held[0]!.writeHead(201).end('{"id":"pay_1"}');
  const text = await client.closed;
  const parts = text.split(/(?=HTTP\/1\.1 )/);
  assert.equal(parts.length, 3, text);
  assert.equal(parseRaw(parts[0]!).body, '{"id":"pay_1"}');
  assert.equal(parseRaw(parts[1]!).body, '{"id":"pay_2"}');
  assert.match(parts[2]!, /^HTTP\/1\.1 400 /);
  await px.sink.count(3);
  assert.deepEqual(
    px.sink.seen.map((o) => [o.status, o.clientAborted]),
    [
      [201, false],
      [201, false],
      [400, false],
    ],
  );
});

test('a pipelined request whose body breaks behind a payment in flight: the payment is answered, then that request gets its 400', async (t) => {
  const arrived: Array<{ req: http.IncomingMessage; res: http.ServerResponse }> = [];
  let both!: () => void;
  const twoArrived = new Promise<void>((resolve) => {
    both = resolve;
  });
  const { px } = await startPair(t, (req, res) => {
    req.on('error', () => {}); // the second body is cut: that is the point
    req.resume();
    arrived.push({ req, res });
    if (arrived.length === 2) both();
  });
  const client = rawClient(px.port);
  client.socket.write(
    `${PAYMENT}POST /v1/payments HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`,
  );
  await twoArrived; // both are in flight upstream, the second still uploading
  const second = arrived[1]!;
  // Not events.once: the upstream's socket also emits the parse error of the cut body.
  const secondClosed = new Promise<void>((resolve) => second.req.socket.once('close', () => resolve()));
  const parseFailed = once(px.proxy.server, 'clientError');
  client.socket.write('zz-not-a-chunk-size\r\n');
  await parseFailed;
  await secondClosed; // its upstream request was cancelled
  arrived[0]!.res.writeHead(201).end('{"id":"pay_1"}');
  const parts = (await client.closed).split(/(?=HTTP\/1\.1 )/);
  assert.equal(parts.length, 2, parts.join(''));
  assert.match(parts[0]!, /^HTTP\/1\.1 201 /);
  assert.equal(parseRaw(parts[0]!).body, '{"id":"pay_1"}');
  assert.match(parts[1]!, /^HTTP\/1\.1 400 /);
  await px.sink.count(2);
  assert.deepEqual(
    px.sink.seen.map((o) => [o.status, o.clientAborted]),
    [
      [201, false],
      [400, false],
    ],
  );
});
