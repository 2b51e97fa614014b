/**
 * `sloprobe_payment_method_requests_total` through a real sidecar in front of the demo's
 * mock payment API: requests naming a method in the header count under it, a value outside
 * the list under `other`, and every series writes all three outcomes from the start, so a
 * fleet's `increase()` counts its first requests (docs/sla-definitions.md#downtime-entity,
 * docs/sla-definitions.md#availability-occurrences).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { type Harness, harness } from '../downtime/harness.js';
import { requireTool } from '../helpers/tools.js';

let h: Harness;
let text = '';

before(async () => {
  h = await harness();
  await h.start();
  // The mock answers every request (errorRate 0): all good.
  const statuses = [...(await h.pay('card', 3)), ...(await h.pay('fpx', 2)), ...(await h.pay('paypal', 1))];
  assert.ok(
    statuses.every((s) => s < 500),
    `statuses ${statuses}`,
  );
  const res = await request(`http://127.0.0.1:${h.sidecar.adminAddress.port}/metrics`);
  text = await res.body.text();
});

after(async () => {
  await h?.close();
});

function value(labels: string): number | undefined {
  const prefix = `sloprobe_payment_method_requests_total{${labels}} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

test('requests count under the method the header names, `other` for a value outside the list', () => {
  // 3 card, 2 fpx, 1 paypal (not in [card, fpx]: other); nothing bad, nothing abandoned.
  assert.equal(value('payment_method="card",outcome="good"'), 3);
  assert.equal(value('payment_method="fpx",outcome="good"'), 2);
  assert.equal(value('payment_method="other",outcome="good"'), 1);
  assert.equal(value('payment_method="card",outcome="bad"'), 0);
  assert.equal(value('payment_method="card",outcome="excluded"'), 0);
});

test('a series without traffic yet is written with zeros, its instrument as a label', () => {
  // The `orders` route is card on VISA; no request went to it.
  for (const outcome of ['good', 'bad', 'excluded'])
    assert.equal(value(`payment_method="card",instrument="network=VISA",outcome="${outcome}"`), 0);
});

test('the whole /metrics text passes promtool check metrics', (t) => {
  const promtool = requireTool(t, 'promtool', 'apt-get install prometheus');
  if (!promtool) return;
  const r = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});
