/**
 * The detection half of downtimes, with real parts: the demo's mock payment API is
 * switched over its own HTTP control route to fail one payment method; the sidecar in front
 * of it opens a downtime that the Downtime API lists `started` with Curlec's fields
 * (docs/sla-definitions.md#downtime-entity); after recovery and `downtime.quiet` it lists it
 * `resolved`. Time is the injectable clock: a minute passes when the test says so.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { requireTool } from '../helpers/tools.js';
import { ENTITY_KEYS, type Harness, harness, MINUTE, T0 } from './harness.js';

let h: Harness;

before(async () => {
  h = await harness();
  await h.start();
});
after(async () => {
  await h.close();
});

async function mockControl(method: 'PUT' | 'DELETE', path: string): Promise<number> {
  const res = await request(`${h.mock.url}${path}`, { method });
  await res.body.dump();
  return res.statusCode;
}

test('a failing method is listed started (high), a healthy one never; recovery resolves it after the quiet time', async () => {
  assert.equal(await mockControl('PUT', '/__mock/fail/card'), 200);
  // Minute 0 (10:00): 20 card payments all fail, 20 fpx payments all succeed.
  const card = await h.pay('card', 20);
  const fpx = await h.pay('fpx', 20);
  assert.deepEqual(new Set(card), new Set([500]));
  assert.deepEqual(new Set(fpx), new Set([201]));
  h.clock.t = T0 + 30_000;
  h.tick();

  // 20 bad of 20: error ratio 1, burn 1 / (1 - 0.99) = 100 over every window, above the page
  // factor 14.4 (docs/sla-definitions.md#burn-rate-alerts): the card series pages at once.
  let list = await h.admin('/v1/payments/downtimes');
  assert.equal(list.status, 200);
  assert.equal(list.json.entity, 'collection');
  assert.equal(list.json.count, 1);
  const d = list.json.items[0];
  assert.deepEqual(Object.keys(d), ENTITY_KEYS);
  assert.match(d.id, /^down_[0-9A-Za-z]{14}$/);
  assert.equal(d.entity, 'payment.downtime');
  assert.equal(d.method, 'card');
  assert.equal(d.status, 'started');
  assert.equal(d.scheduled, false);
  // Error ratio 100% >= 50%: the method fails outright (docs/sla-definitions.md#downtime-severity).
  assert.equal(d.severity, 'high');
  assert.deepEqual(d.instrument, {});
  // The failures are all in the minute in progress (10:00), so it is the first bad minute.
  assert.equal(d.begin, T0 / 1000);
  assert.equal(d.end, null);
  // Recorded when it was detected: at this tick (10:00:30), or at 10:00:00 if the runtime's
  // own one-second timer evaluated first, while the clock still read 10:00.
  assert.ok([T0 / 1000, (T0 + 30_000) / 1000].includes(d.created_at), String(d.created_at));

  const one = await h.admin(`/v1/payments/downtimes/${d.id}`);
  assert.equal(one.status, 200);
  assert.deepEqual(one.json, d);

  // Recovery: from 10:01 every minute is healthy (20 card, 20 fpx, all good).
  assert.equal(await mockControl('DELETE', '/__mock/fail'), 200);
  let resolvedAt = -1;
  for (let minute = 1; minute <= 90 && resolvedAt < 0; minute++) {
    h.clock.t = T0 + minute * MINUTE + 1_000;
    assert.deepEqual(new Set(await h.pay('card', 20)), new Set([201]));
    await h.pay('fpx', 20);
    h.clock.t = T0 + minute * MINUTE + 50_000;
    h.tick();
    const now = await h.admin(`/v1/payments/downtimes/${d.id}`);
    if (now.json.status === 'resolved') resolvedAt = minute;
  }
  assert.ok(resolvedAt > 0, 'resolved within 90 minutes of recovery');
  // Minute 10:00 was the last Downtime minute; quiet is 5m with no Downtime minute and no
  // page condition, so the earliest resolution is at 10:06 (evaluated at 10:06:50).
  assert.ok(resolvedAt >= 6, `resolved at minute ${resolvedAt}, not before 10:06`);
  // The page condition lasts longer (docs/sla-definitions.md#flag-evidence): k minutes after
  // recovery the card series holds 20 bad of n = 20 + 20k. page-slow needs the 95% Wilson
  // lower bound above 6 x 1% = 0.06: at k = 9, p = 20/200 = 0.1, the bound is
  // (0.1 + 0.0096 - 1.96 sqrt(0.00045 + 0.000024)) / 1.0192 = 0.0657, still above; at k = 10,
  // p = 20/220 = 0.0909, (0.0909 + 0.0087 - 1.96 sqrt(0.000376 + 0.0000198)) / 1.0175 = 0.0596,
  // below. So the last firing evaluation is at 10:09:50, and quiet ends 5 minutes later: the
  // downtime resolves at minute 15 or 16. The latched flag's 30-minute hold would keep it open
  // past minute 40: a held flag is no evidence (README, Payment downtimes).
  assert.ok(resolvedAt <= 16, `resolved at minute ${resolvedAt}: the page's hold kept it open`);

  list = await h.admin('/v1/payments/downtimes?status=resolved&method=card');
  assert.equal(list.json.count, 1);
  const r = list.json.items[0];
  assert.equal(r.id, d.id);
  assert.equal(r.created_at, d.created_at);
  assert.ok(r.end !== null && r.end >= r.begin && r.end <= r.updated_at);
  // fpx never failed: nothing listed for it.
  assert.equal((await h.admin('/v1/payments/downtimes?method=fpx')).json.count, 0);

  // Events: started first, resolved last, each enqueued inside the state change's transaction.
  const names = h.events.map((e) => e.event.event);
  assert.equal(names[0], 'payment.downtime.started');
  assert.equal(names.at(-1), 'payment.downtime.resolved');
  assert.equal(names.filter((n) => n === 'payment.downtime.started').length, 1);
  for (const e of h.events) {
    assert.equal(e.inTransaction, true, `${e.event.event} enqueued outside the transaction`);
    assert.match(e.event.id, /^evt_[0-9A-Za-z]{14}$/);
    assert.equal(e.event.contains, 'payment.downtime');
    assert.equal((e.event.entity as { id: string }).id, d.id);
  }
  assert.equal(new Set(h.events.map((e) => e.event.id)).size, h.events.length, 'event ids are unique');
  assert.equal((h.events.at(-1)!.event.entity as { status: string }).status, 'resolved');
});

test('per-method figures: /v1/slos and /metrics carry an availability and a timeslices SLO per method', async (t) => {
  const slos = await h.admin('/v1/slos');
  const names = (slos.json.payment_methods as Array<{ name: string }>).map((s) => s.name);
  for (const n of [
    'method:card-availability',
    'method:card-timeslices',
    'method:fpx-availability',
    'method:other-availability',
    'method:card/network=VISA-availability',
  ])
    assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
  const res = await request(`http://127.0.0.1:${h.sidecar.adminAddress.port}/metrics`);
  const text = await res.body.text();
  assert.match(
    text,
    /sloprobe_slo_objective_ratio\{slo="method:fpx-availability",sli="availability"\} 0\.99/,
  );
  // Each family is written once (route and method SLOs share one rendering).
  assert.equal(text.split('\n').filter((l) => l === '# TYPE sloprobe_slo_objective_ratio gauge').length, 1);
  const promtool = requireTool(t, 'promtool', 'apt-get install prometheus');
  if (promtool) {
    const r = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
  }
});

test('an unknown downtime id gets 404 with a Razorpay-shaped error body', async () => {
  const res = await h.admin('/v1/payments/downtimes/down_00000000000000');
  assert.equal(res.status, 404);
  assert.equal(res.json.error.code, 'BAD_REQUEST_ERROR');
  assert.equal(typeof res.json.error.description, 'string');
  assert.equal((await h.admin('/v1/payments/downtimes/not-an-id')).status, 404);
});

test('bad filters get 400 naming the field', async () => {
  for (const [q, field] of [
    ['status=down', 'status'],
    ['method=Card!', 'method'],
    ['count=0', 'count'],
    ['count=101', 'count'],
    ['skip=-1', 'skip'],
    ['from=10&to=5', 'to'],
    ['colour=red', 'colour'],
  ]) {
    const res = await h.admin(`/v1/payments/downtimes?${q}`);
    assert.equal(res.status, 400, q);
    assert.equal(res.json.error.field, field, q);
  }
});
