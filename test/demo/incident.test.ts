/**
 * The demo's scripted incident switches the real mock upstream: one method fails, then
 * recovers, then fails again; stop() leaves it healthy. The mock fails all of a method or a
 * counted share of it, also over its own control route. Synchronised on the incident's own
 * callbacks, with intervals of a millisecond.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import { parseConfig } from '../../src/config/load.js';
import { startIncidents } from '../../src/demo/incident.js';
import { startMockUpstream } from '../../src/demo/mock-upstream.js';

const CONFIG = `upstream: http://127.0.0.1:9
classes: { c: { availability: 99% } }
categories: { pay: { class: c, payment_method: { header: x-payment-method, values: [card, fpx] } } }
routes:
  - { name: pay, method: POST, path: /v1/payments, category: pay }
`;

test('the incident fails one method on the mock, recovers it, repeats, and stop() leaves it healthy', async () => {
  const config = parseConfig(CONFIG, 'incident.yaml');
  const mock = await startMockUpstream({ routes: config.routes, errorRate: 0, slowRate: 0, timeScale: 0 });
  const changes: boolean[] = [];
  let notify: (() => void) | undefined;
  const next = () => new Promise<void>((r) => (notify = r));
  let wait = next();
  const incidents = startIncidents({
    mock,
    method: 'card',
    firstAfterMs: 1,
    lastingMs: 1,
    everyMs: 2,
    onChange: (failing) => {
      changes.push(failing);
      notify?.();
    },
  });
  const status = async (method: string) => {
    const res = await request(`${mock.url}/v1/payments`, {
      method: 'POST',
      headers: { 'x-payment-method': method, 'content-type': 'application/json' },
      body: '{}',
    });
    await res.body.dump();
    return res.statusCode;
  };
  try {
    while (changes.length < 3) {
      await wait;
      wait = next();
    }
    incidents.stop();
    assert.deepEqual(changes.slice(0, 3), [true, false, true]);
    assert.equal(mock.failing, null);
    assert.equal(await status('card'), 201);
    mock.failMethod('card');
    assert.equal(await status('card'), 500);
    assert.equal(await status('fpx'), 201, 'the other method is unaffected');
    // A share of 0.3: of every 10 card requests, the first 3 fail.
    mock.failMethod('card', 0.3);
    const got: number[] = [];
    for (let i = 0; i < 20; i++) got.push(await status('card'));
    assert.deepEqual(
      got,
      [500, 500, 500, 201, 201, 201, 201, 201, 201, 201, 500, 500, 500, 201, 201, 201, 201, 201, 201, 201],
    );
    // Over the mock's own control route.
    const put = await request(`${mock.url}/__mock/fail/fpx?share=1`, { method: 'PUT' });
    assert.deepEqual(await put.body.json(), { failing: 'fpx' });
    assert.equal(await status('fpx'), 500);
    const del = await request(`${mock.url}/__mock/fail`, { method: 'DELETE' });
    await del.body.dump();
    assert.equal(await status('fpx'), 201);
  } finally {
    incidents.stop();
    await mock.close();
  }
});
