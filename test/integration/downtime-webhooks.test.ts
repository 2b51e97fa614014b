/**
 * Downtimes end to end, as a new user tries them: the demo's mock payment API fails one
 * method, the sidecar in front of it opens a downtime, and a receiver on loopback gets the
 * `payment.downtime.*` webhooks from the real outbox (its own timer delivers them), signed
 * so that the receivers' own libraries (`razorpay`, `standardwebhooks`) verify them; the
 * Downtime API agrees with every webhook (docs/sla-definitions.md#downtime-webhooks,
 * docs/sla-definitions.md#webhook-signatures). A maintenance window naming a method walks
 * scheduled -> started -> resolved the same way; a bad token on POST changes nothing.
 *
 * Time is the injectable clock (minutes pass when the test says so); arrivals are awaited
 * on the receiver's requests, each wait bounded so a missing webhook fails the test.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import Razorpay from 'razorpay';
import { Webhook } from 'standardwebhooks';
import { request } from 'undici';
import { createAppLog } from '../../src/log/app-log.js';
import { CONFIG, ENTITY_KEYS, type Harness, harness, type Json, MINUTE, T0 } from '../downtime/harness.js';
import { loopbackConfig, startLoopbackSidecar } from '../helpers/sidecar.js';
import { type Received, type Receiver, startReceiver } from '../notify/receiver.js';

const SECRET = 'e2e-downtime-secret-3c4d5e6f7a8b';
// The Standard Webhooks form: `whsec_` + base64 of the key bytes (here "e2e-whsec-key-0123456789").
const WHSEC = `whsec_${Buffer.from('e2e-whsec-key-0123456789').toString('base64')}`;
const TOKEN = 'e2e-admin-token-0123456789abcdef';
const ACCOUNT = 'acc_E2eDowntime001';

const hooks = (url: string) => `webhooks:
  - url: ${url}
    secret_env: E2E_HOOK_SECRET
    events: [payment.downtime.started, payment.downtime.resolved, payment.downtime.updated]
    account_id: ${ACCOUNT}
`;

interface Live {
  readonly h: Harness;
  readonly rx: Receiver;
  /** Every app log line, to prove the secret and the token are in none. */
  readonly lines: string[];
  close(): Promise<void>;
}

/**
 * The downtime harness's mock and clock, with a sidecar started without an event sink of
 * the test's: its tracker's sink is then the real outbox (sidecar.ts, `events(store)`).
 */
async function live(extra = '', token?: string, secret = SECRET): Promise<Live> {
  const rx = await startReceiver();
  const h = await harness();
  const lines: string[] = [];
  const sink = new PassThrough();
  sink.setEncoding('utf8').on('data', (c: string) => lines.push(c));
  const config = loopbackConfig(CONFIG + hooks(rx.url) + extra, 'e2e.yaml', {
    env: { E2E_HOOK_SECRET: secret },
    upstream: h.mock.url,
  });
  h.sidecar = await startLoopbackSidecar(token ? { ...config, adminToken: token } : config, {
    log: createAppLog({ destination: sink }),
    now: h.clock.now,
  });
  return {
    h,
    rx,
    lines,
    async close() {
      await h.close();
      await rx.close();
    },
  };
}

/** Waits for the receiver's n-th request; fails (instead of hanging) after `ms` of wall time. */
async function arrivals(rx: Receiver, n: number, ms = 15_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${rx.received.length} of ${n} webhooks arrived within ${ms} ms`)),
      ms,
    );
  });
  try {
    await Promise.race([rx.waitFor(n), late]);
  } finally {
    clearTimeout(timer);
  }
}

interface Body {
  entity: string;
  account_id: string;
  event: string;
  contains: string[];
  payload: { 'payment.downtime': { entity: Json } };
  created_at: number;
}

/**
 * Both signatures checked with the receivers' own libraries, then the parsed body. A plain
 * secret is the Standard Webhooks key as its bytes (`format: 'raw'`); a `whsec_` secret is
 * given to `new Webhook` as it is, which decodes it (docs/sla-definitions.md#webhook-signatures).
 */
function verified(r: Received, secret = SECRET): Body {
  assert.equal(
    Razorpay.validateWebhookSignature(r.body, String(r.headers['x-razorpay-signature']), secret),
    true,
    'X-Razorpay-Signature verifies with razorpay.validateWebhookSignature',
  );
  const wh = secret.startsWith('whsec_') ? new Webhook(secret) : new Webhook(secret, { format: 'raw' });
  const body = wh.verify(r.body, r.headers as Record<string, string>) as Body;
  // One id per event, in both header families (docs/sla-definitions.md#webhook-signatures).
  assert.match(String(r.headers['x-razorpay-event-id']), /^evt_[0-9A-Za-z]{14}$/);
  assert.equal(r.headers['webhook-id'], r.headers['x-razorpay-event-id']);
  assert.equal(body.entity, 'event');
  assert.equal(body.account_id, ACCOUNT);
  assert.deepEqual(body.contains, ['payment.downtime']);
  assert.deepEqual(Object.keys(body.payload['payment.downtime'].entity), ENTITY_KEYS);
  return body;
}

async function mockControl(h: Harness, method: 'PUT' | 'DELETE', path: string): Promise<number> {
  const res = await request(`${h.mock.url}${path}`, { method });
  await res.body.dump();
  return res.statusCode;
}

function count(h: Harness, table: 'outbox' | 'downtime_history' | 'downtimes'): number {
  return (h.sidecar.slo!.store.database.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number })
    .n;
}

test('a failing method: a signed payment.downtime.started arrives and the API lists it; after recovery the resolved webhook and the API agree', async () => {
  const { h, rx, lines, close } = await live();
  try {
    assert.equal(await mockControl(h, 'PUT', '/__mock/fail/card'), 200);
    // Minute 10:00: 20 card payments all fail, 20 fpx payments all succeed.
    assert.deepEqual(new Set(await h.pay('card', 20)), new Set([500]));
    assert.deepEqual(new Set(await h.pay('fpx', 20)), new Set([201]));
    h.clock.t = T0 + 30_000;
    h.tick();

    // 20 bad of 20: burn 1 / (1 - 0.99) = 100 > 14.4, the page raises at once
    // (docs/sla-definitions.md#burn-rate-alerts), and error ratio 100% >= 50% is `high`
    // (docs/sla-definitions.md#downtime-severity).
    const list = await h.admin('/v1/payments/downtimes');
    assert.equal(list.status, 200);
    assert.equal(list.json.count, 1);
    const d = list.json.items[0];
    assert.deepEqual(
      [d.entity, d.method, d.status, d.scheduled, d.severity, d.begin, d.end],
      ['payment.downtime', 'card', 'started', false, 'high', T0 / 1000, null],
    );

    // Each payment is counted under the method its header names, from the first config
    // generation on: card 20 requests, 20 bad; fpx 20 requests, 0 bad (a user reads these
    // on /v1/slos next to the downtime).
    const slos = (await h.admin('/v1/slos')).json.payment_methods as Json[];
    const window5m = (name: string) => {
      const w = slos.find((x) => x.name === name).windows['5m'];
      return [w.requests, w.error_ratio];
    };
    assert.deepEqual(window5m('method:card-availability'), [20, 1]);
    assert.deepEqual(window5m('method:fpx-availability'), [20, 0]);

    await arrivals(rx, 1);
    const started = verified(rx.received[0]!);
    assert.equal(started.event, 'payment.downtime.started');
    // The webhook carries the entity the API shows, field for field, the id included.
    assert.deepEqual(started.payload['payment.downtime'].entity, d);
    assert.equal(started.created_at, d.created_at);

    // Recovery from 10:01: every minute healthy, until the API says resolved. The quiet time
    // (5m) counts from the last evidence: 10:01, the end of the last Downtime minute, or the
    // last tick that still saw the page. The page outlasts the bad minute: page-slow's 6h
    // window, 20 bad of 20 + 20k requests, burns 1 / (1 + k) / 1% > 6 only while k <= 15 (the
    // evidence guard stops it sooner), then the flag holds for its 30m short window
    // (docs/sla-definitions.md#burn-rate-alerts). So no resolution before 10:06, and 90
    // minutes bounds the wait beyond 15 + 30 + 5.
    assert.equal(await mockControl(h, 'DELETE', '/__mock/fail'), 200);
    let resolvedAt = -1;
    for (let minute = 1; minute <= 90 && resolvedAt < 0; minute++) {
      h.clock.t = T0 + minute * MINUTE + 1_000;
      assert.deepEqual(new Set(await h.pay('card', 20)), new Set([201]));
      await h.pay('fpx', 20);
      h.clock.t = T0 + minute * MINUTE + 50_000;
      h.tick();
      if ((await h.admin(`/v1/payments/downtimes/${d.id}`)).json.status === 'resolved') resolvedAt = minute;
    }
    assert.ok(resolvedAt >= 6, `resolved at minute ${resolvedAt}: after 10:06, within 90 minutes`);
    const resolved = (await h.admin(`/v1/payments/downtimes/${d.id}`)).json;

    // Per-endpoint order: whatever came between, the resolved webhook is the last one.
    const last = () => rx.received.at(-1);
    const deadline = Date.now() + 15_000;
    while (last() === undefined || JSON.parse(last()!.body).event !== 'payment.downtime.resolved') {
      assert.ok(Date.now() < deadline, 'the resolved webhook arrives');
      await arrivals(rx, rx.received.length + 1);
    }
    const bodies = rx.received.map((r) => verified(r));
    const names = bodies.map((b) => b.event);
    assert.equal(names.filter((n) => n === 'payment.downtime.started').length, 1, names.join());
    assert.equal(names.filter((n) => n === 'payment.downtime.resolved').length, 1, names.join());
    for (const b of bodies) assert.equal(b.payload['payment.downtime'].entity.id, d.id);
    const end = bodies.at(-1)!.payload['payment.downtime'].entity;
    assert.deepEqual(end, resolved, 'the resolved webhook and the API agree');
    assert.equal(end.status, 'resolved');
    // `end` is the last evidence (the bad minute's end, 10:01, or a later tick that still
    // saw the page), and it is resolved at the first tick `downtime.quiet` (5m = 300 s)
    // after it; the test ticks once a minute, so 300 <= updated_at - end < 300 + 60.
    assert.ok(end.end >= T0 / 1000 + 60, `end ${end.end} at or after 10:01 (${T0 / 1000 + 60})`);
    const quietFor = end.updated_at - end.end;
    assert.ok(quietFor >= 300 && quietFor < 360, `resolved ${quietFor} s after the last evidence`);
    // Each event has its own id (one attempt each: the receiver answered 200).
    const ids = rx.received.map((r) => r.headers['webhook-id']);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(!lines.join('').includes(SECRET), 'the secret is in no log line');
  } finally {
    await close();
  }
});

// Announced 10:00 for a window 11:00-12:00 naming fpx (docs/sla-definitions.md#maintenance-paywithmybank).
const WINDOW = `maintenance:
  policy: none
  windows:
    - id: fpx-bank-upgrade
      start: 2026-01-05T11:00:00Z
      end: 2026-01-05T12:00:00Z
      announced_at: 2026-01-05T10:00:00Z
      methods: [fpx]
      instrument: { bank: MB2U }
`;

test('a maintenance window naming a method walks scheduled -> started -> resolved, in the API and in signed webhooks (a whsec_ secret)', async () => {
  const { h, rx, close } = await live(WINDOW, undefined, WHSEC);
  try {
    h.clock.t = T0 - 30 * MINUTE; // 09:30: not announced yet
    h.tick();
    assert.equal((await h.admin('/v1/payments/downtimes')).json.count, 0);
    assert.equal(count(h, 'outbox'), 0);

    // 2026-01-05T10:00:00Z = 1767607200 (T0); 11:00 = 1767610800; 12:00 = 1767614400.
    const steps: Array<[number, string, string]> = [
      [T0, 'scheduled', 'payment.downtime.updated'],
      [T0 + 60 * MINUTE, 'started', 'payment.downtime.started'],
      [T0 + 120 * MINUTE, 'resolved', 'payment.downtime.resolved'],
    ];
    let id = '';
    for (const [i, [at, status, event]] of steps.entries()) {
      h.clock.t = at;
      h.tick();
      const list = (await h.admin('/v1/payments/downtimes?method=fpx')).json;
      assert.equal(list.count, 1, `one record at ${status}`);
      const d = list.items[0];
      id ||= d.id;
      assert.equal(d.id, id, 'the same downtime throughout');
      assert.deepEqual(
        [d.status, d.scheduled, d.severity, d.begin, d.end, d.instrument, d.updated_at],
        [status, true, 'high', 1767610800, 1767614400, { bank: 'MB2U' }, at / 1000],
      );
      await arrivals(rx, i + 1);
      assert.equal(rx.received.length, i + 1, `one webhook for ${status}`);
      const body = verified(rx.received[i]!, WHSEC);
      assert.equal(body.event, event);
      assert.deepEqual(body.payload['payment.downtime'].entity, d, `webhook and API agree at ${status}`);
    }
  } finally {
    await close();
  }
});

test('a bad token on POST /v1/payments/downtimes gets 401 and changes nothing: no row, no event', async () => {
  const { h, rx, lines, close } = await live('', TOKEN);
  try {
    h.clock.t = T0;
    for (const token of ['wrong-token', `${TOKEN}x`, TOKEN.slice(0, -1), undefined]) {
      const res = await h.admin('/v1/payments/downtimes', {
        method: 'POST',
        body: JSON.stringify({ method: 'card' }),
        ...(token ? { token } : {}),
      });
      assert.equal(res.status, 401, String(token));
      assert.ok(!JSON.stringify(res.json).includes(TOKEN), 'the token never appears in a reply');
    }
    h.tick();
    assert.equal((await h.admin('/v1/payments/downtimes')).json.count, 0);
    assert.deepEqual([count(h, 'downtimes'), count(h, 'downtime_history'), count(h, 'outbox')], [0, 0, 0]);

    // The control: the right token declares one, and its webhook arrives. So the zeros above
    // are the token's doing, not a sidecar that cannot write or send.
    const ok = await h.admin('/v1/payments/downtimes', {
      method: 'POST',
      body: JSON.stringify({ method: 'card' }),
      token: TOKEN,
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal(count(h, 'outbox'), 1);
    await arrivals(rx, 1);
    assert.equal(rx.received.length, 1, 'only the authorised declaration was sent');
    const body = verified(rx.received[0]!);
    assert.equal(body.payload['payment.downtime'].entity.id, ok.json.id);
    assert.ok(!lines.join('').includes(TOKEN), 'the token is in no log line');
  } finally {
    await close();
  }
});
