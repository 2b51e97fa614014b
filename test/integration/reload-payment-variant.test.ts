/**
 * A request in flight across a reload is counted under the payment method it named, as
 * the new config knows that method. The proxy read the method (or instrument field) with
 * the old config, as an index into the old route's list; the new route's list may be in
 * another order, lack the value, or not exist. Each case holds one request at a real
 * upstream, reloads, releases it, and reads the per-method counter on /metrics.
 *
 * What the new config knows decides (README "Payment methods": "a value outside the list,
 * or none, is `other`"): the value found in the new list counts there; a value the new
 * list lacks, or a request whose value the old route never read, is `other`; a route that
 * now has a static method counts every request as that method.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { request } from 'undici';
import type { ResolvedConfig } from '../../src/config/types.js';
import { METHOD_REQUESTS } from '../../src/payments/method-metrics.js';
import { parseSamples, type Sample, sum } from '../helpers/prom.js';
import { loopbackConfig, startLoopbackSidecar } from '../helpers/sidecar.js';
import { startHoldingUpstream } from '../proxy/harness.js';

const HEAD = `upstream: http://127.0.0.1:9
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request: { class: transaction-critical }
routes:
  - name: pay
    method: POST
    path: /v1/pay
    category: payment-request
`;

/** The per-method counter samples after one request to /v1/pay crossed a reload from `before` to `after`. */
async function acrossReload(
  before: string,
  after: string,
  headers: Record<string, string>,
  t: { after(fn: () => unknown): void },
): Promise<Sample[]> {
  const up = await startHoldingUpstream();
  const held = up.held;
  t.after(() => up.close());
  const config = (route: string): ResolvedConfig =>
    loopbackConfig(HEAD + route, 'reload.yaml', { upstream: up.url });
  const s = await startLoopbackSidecar(config(before));
  t.after(() => s.close(1000));

  const response = request(`http://127.0.0.1:${s.proxyAddress.port}/v1/pay`, {
    method: 'POST',
    headers,
    body: '{}',
  });
  await up.arrived;
  await s.reload(config(after));
  held[0]!.writeHead(201).end('{}');
  const res = await response;
  assert.equal(res.statusCode, 201);
  await res.body.dump();
  const text = await (await request(`http://127.0.0.1:${s.adminAddress.port}/metrics`)).body.text();
  const samples = parseSamples(text).filter((x) => x.name === METHOD_REQUESTS);
  // One request, counted once, whatever the method.
  assert.equal(sum(samples, METHOD_REQUESTS), 1, text);
  return samples;
}

const count = (samples: Sample[], method: string, instrument?: string): number =>
  samples
    .filter((s) => s.labels.payment_method === method && s.labels.instrument === instrument)
    .reduce((n, s) => n + s.value, 0);

describe('a payment-method variant across a reload', () => {
  test('the new list in another order: the method the request named', async (t) => {
    const samples = await acrossReload(
      '    payment_method: { header: x-payment-method, values: [card, fpx] }\n',
      '    payment_method: { header: x-payment-method, values: [fpx, card] }\n',
      { 'x-payment-method': 'fpx' },
      t,
    );
    assert.equal(count(samples, 'fpx'), 1);
    assert.equal(count(samples, 'card'), 0);
  });

  test('a value the new list lacks: other, not the method now at its position', async (t) => {
    const samples = await acrossReload(
      '    payment_method: { header: x-payment-method, values: [card, fpx, upi] }\n',
      '    payment_method: { header: x-payment-method, values: [card, upi] }\n',
      { 'x-payment-method': 'fpx' },
      t,
    );
    assert.equal(count(samples, 'other'), 1);
    assert.equal(count(samples, 'upi'), 0);
  });

  test('a route that read no method and now reads one: other (the value was never read)', async (t) => {
    const samples = await acrossReload(
      '',
      '    payment_method: { header: x-payment-method, values: [card, fpx] }\n',
      { 'x-payment-method': 'fpx' },
      t,
    );
    assert.equal(count(samples, 'other'), 1);
    assert.equal(count(samples, 'card'), 0);
  });

  test('an instrument field in another order: the value the request named', async (t) => {
    const samples = await acrossReload(
      '    payment_method: card\n    instrument: { network: { header: x-network, values: [VISA, MASTERCARD] } }\n',
      '    payment_method: card\n    instrument: { network: { header: x-network, values: [MASTERCARD, VISA] } }\n',
      { 'x-network': 'MASTERCARD' },
      t,
    );
    assert.equal(count(samples, 'card', 'network=MASTERCARD'), 1);
    assert.equal(count(samples, 'card', 'network=VISA'), 0);
  });

  test('a route whose method is now static: that method', async (t) => {
    const samples = await acrossReload(
      '    payment_method: { header: x-payment-method, values: [card, fpx] }\n',
      '    payment_method: fpx\n',
      { 'x-payment-method': 'card' },
      t,
    );
    assert.equal(count(samples, 'fpx'), 1);
  });
});
