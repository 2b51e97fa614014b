/**
 * The per-request read of a payment method: real requests to a real server on loopback, so
 * `rawHeaders` and the target are exactly what Node gives the proxy. Values outside the
 * allowed list, or absent, are `other` (the list's length), so cardinality stays bounded.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import type { ResolvedRoute } from '../../src/config/types.js';
import { MethodReader } from '../../src/payments/method-reader.js';

function route(name: string, payment: ResolvedRoute['payment']): ResolvedRoute {
  return {
    index: 0,
    name,
    methods: ['POST'],
    anyMethod: false,
    path: '/',
    category: 'c',
    class: 'k',
    latency: undefined,
    availability: 0.99,
    timeoutMs: undefined,
    ...(payment ? { payment } : {}),
  };
}

const reader = new MethodReader([
  route('by-header', {
    method: undefined,
    methodFrom: { source: 'header', name: 'x-payment-method', values: ['card', 'fpx', 'upi'] },
    instrument: {},
    instrumentFrom: undefined,
  }),
  route('by-query', {
    method: 'card',
    methodFrom: undefined,
    instrument: {},
    instrumentFrom: {
      field: 'network',
      selector: { source: 'query', name: 'network', values: ['VISA', 'MC'] },
    },
  }),
  route('static', { method: 'fpx', methodFrom: undefined, instrument: {}, instrumentFrom: undefined }),
  route('none', undefined),
]);

let port = 0;
let seen: number[] = [];
let routeIndex = 0;
const server = createServer((req: IncomingMessage, res) => {
  seen.push(reader.variantOf(routeIndex, req));
  req.resume();
  res.end();
});

before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((r) => server.close(() => r())));

async function variants(index: number, reqs: Array<{ path?: string; headers?: Record<string, string> }>) {
  routeIndex = index;
  seen = [];
  for (const r of reqs) {
    const res = await request(`http://127.0.0.1:${port}${r.path ?? '/'}`, {
      method: 'POST',
      headers: r.headers,
    });
    await res.body.dump();
  }
  return seen;
}

test('a header: its value (any case, spaces trimmed) is its index in the list; anything else is other = 3', async () => {
  const got = await variants(0, [
    { headers: { 'x-payment-method': 'card' } },
    { headers: { 'X-Payment-Method': 'FPX' } },
    { headers: { 'x-payment-method': ' upi ' } },
    { headers: { 'x-payment-method': 'cards' } },
    { headers: { 'x-payment-method': '' } },
    { headers: { 'x-payment-methods': 'card' } },
    {},
  ]);
  assert.deepEqual(got, [0, 1, 2, 3, 3, 3, 3]);
});

test('a query parameter: only that exact name counts, first occurrence wins; other = 2', async () => {
  const got = await variants(1, [
    { path: '/?network=VISA' },
    { path: '/?a=1&network=MC&b=2' },
    { path: '/?network=AMEX' },
    { path: '/?mynetwork=VISA' },
    { path: '/?network' },
    { path: '/?network=VISA%20' },
    { path: '/?network=MC&network=VISA' },
    { path: '/' },
  ]);
  assert.deepEqual(got, [0, 1, 2, 2, 2, 2, 1, 2]);
});

test('a static method or none reads nothing: variant 0', async () => {
  assert.deepEqual(await variants(2, [{ headers: { 'x-payment-method': 'card' } }]), [0]);
  assert.deepEqual(await variants(3, [{}]), [0]);
});
