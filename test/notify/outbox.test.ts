/**
 * The webhook outbox against real receivers on loopback (docs/sla-definitions.md#downtime-webhooks,
 * #webhook-signatures): signatures checked with the receivers' own libraries (`razorpay`'s
 * validateWebhookSignature, the `standardwebhooks` package), retries with the same event
 * id, per-endpoint order, 410 Gone, redirects, Retry-After. The schedule runs on an injected
 * clock: each test moves it and calls `deliverDue()`, which resolves when the attempts it
 * started are answered.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Razorpay from 'razorpay';
import { Webhook } from 'standardwebhooks';
import { Outbox } from '../../src/notify/outbox.js';
import { capturedLog, downtimeEvent, endpoint, memoryStore, SECRET } from './fixtures.js';
import { type Received, startReceiver } from './receiver.js';

const T = Date.parse('2026-01-05T10:00:00Z');

/** random() = 0: each backoff delay is exactly half of min(5 s x 2^(n-1), 1 h). */
const NO_JITTER = { baseMs: 5_000, maxMs: 3_600_000, random: () => 0 };

function clock(start = T) {
  const c = { ms: start, now: () => c.ms };
  return c;
}

const ids = (rs: readonly Received[]) => rs.map((r) => r.headers['x-razorpay-event-id']);

describe('signatures', () => {
  it('a receiver on loopback gets the Razorpay envelope, and both signatures verify with the receivers’ libraries', async (t) => {
    const rx = await startReceiver();
    t.after(() => rx.close());
    const store = memoryStore();
    const whsec = `whsec_${Buffer.from('a standard webhooks key of 32 b.').toString('base64')}`;
    const rx2 = await startReceiver(undefined, '/std?tenant=7');
    t.after(() => rx2.close());
    // Real clock: standardwebhooks rejects a webhook-timestamp more than 5 minutes from now.
    const outbox = new Outbox({
      store,
      endpoints: [endpoint(rx.url), endpoint(rx2.url, { secret: whsec, accountId: null })],
      log: capturedLog().log,
      tickMs: 0,
    });
    t.after(() => outbox.close());
    const ev = downtimeEvent('payment.downtime.started');
    store.transaction(() => outbox.enqueue(ev));
    assert.equal(await outbox.deliverDue(), 2);

    const [got] = rx.received;
    assert.ok(got);
    assert.equal(got.method, 'POST');
    assert.equal(got.url, '/hooks');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['x-razorpay-event-id'], ev.id);
    assert.equal(got.headers['webhook-id'], ev.id);
    assert.deepEqual(JSON.parse(got.body), {
      entity: 'event',
      account_id: 'acc_TestAccount01',
      event: 'payment.downtime.started',
      contains: ['payment.downtime'],
      payload: { 'payment.downtime': { entity: ev.entity } },
      created_at: 1_733_040_000,
    });
    // The envelope's key order, as Razorpay sends it.
    assert.match(
      got.body,
      /^\{"entity":"event","account_id":.*,"event":.*,"contains":.*,"payload":.*,"created_at":\d+\}$/,
    );
    assert.equal(
      Razorpay.validateWebhookSignature(got.body, String(got.headers['x-razorpay-signature']), SECRET),
      true,
    );
    assert.equal(
      Razorpay.validateWebhookSignature(
        got.body,
        String(got.headers['x-razorpay-signature']),
        'another secret',
      ),
      false,
      'the check can fail',
    );
    // A plain secret is the key's raw bytes for Standard Webhooks too.
    const raw = new Webhook(SECRET, { format: 'raw' });
    assert.deepEqual(raw.verify(got.body, got.headers as Record<string, string>), JSON.parse(got.body));
    assert.throws(() => new Webhook('d3Jvbmcga2V5').verify(got.body, got.headers as Record<string, string>));

    // A whsec_ secret is base64 of the key, as the spec's libraries decode it.
    const [std] = rx2.received;
    assert.ok(std);
    assert.equal(std.url, '/std?tenant=7', 'path and query are sent as configured');
    assert.equal(JSON.parse(std.body).account_id, null);
    assert.deepEqual(
      new Webhook(whsec).verify(std.body, std.headers as Record<string, string>),
      JSON.parse(std.body),
    );
    assert.equal(
      Razorpay.validateWebhookSignature(std.body, String(std.headers['x-razorpay-signature']), whsec),
      true,
    );
  });

  it('an endpoint gets only the events it subscribed to', async (t) => {
    const rx = await startReceiver();
    t.after(() => rx.close());
    const store = memoryStore();
    const outbox = new Outbox({
      store,
      endpoints: [endpoint(rx.url, { events: ['slo.alert.raised'] })],
      log: capturedLog().log,
      tickMs: 0,
    });
    t.after(() => outbox.close());
    store.transaction(() => outbox.enqueue(downtimeEvent('payment.downtime.started')));
    assert.equal(await outbox.deliverDue(), 0);
    assert.equal(rx.received.length, 0);
  });

  it('an event enqueued in a transaction that rolls back is never sent', async (t) => {
    const rx = await startReceiver();
    t.after(() => rx.close());
    const store = memoryStore();
    const outbox = new Outbox({ store, endpoints: [endpoint(rx.url)], log: capturedLog().log, tickMs: 0 });
    t.after(() => outbox.close());
    assert.throws(() =>
      store.transaction(() => {
        outbox.enqueue(downtimeEvent('payment.downtime.started'));
        throw new Error('the state change failed');
      }),
    );
    assert.equal(await outbox.deliverDue(), 0);
  });
});

describe('retries', () => {
  it('a receiver that fails 5 times then succeeds gets the same event id and body every attempt, on the backoff schedule', async (t) => {
    const rx = await startReceiver((i) => ({ status: i <= 5 ? 500 : 204 }));
    t.after(() => rx.close());
    const c = clock();
    const store = memoryStore(c.now);
    const { log, lines } = capturedLog();
    const outbox = new Outbox({
      store,
      endpoints: [endpoint(rx.url)],
      log,
      now: c.now,
      tickMs: 0,
      backoff: NO_JITTER,
    });
    t.after(() => outbox.close());
    const ev = downtimeEvent('payment.downtime.started');
    store.transaction(() => outbox.enqueue(ev));
    assert.equal(await outbox.deliverDue(), 1);
    // Without jitter the delay after failure n is 5 s x 2^(n-1) / 2: 2.5, 5, 10, 20, 40 s.
    for (const delayMs of [2_500, 5_000, 10_000, 20_000, 40_000]) {
      c.ms += delayMs - 1;
      assert.equal(await outbox.deliverDue(), 0, `not before ${delayMs} ms`);
      c.ms += 1;
      assert.equal(await outbox.deliverDue(), 1, `at ${delayMs} ms`);
    }
    assert.equal(rx.received.length, 6);
    assert.deepEqual(ids(rx.received), Array(6).fill(ev.id));
    assert.deepEqual(
      rx.received.map((r) => r.headers['webhook-id']),
      Array(6).fill(ev.id),
    );
    assert.equal(new Set(rx.received.map((r) => r.body)).size, 1, 'the same bytes every time');
    // Delivered: nothing more is sent.
    c.ms += 3_600_000;
    assert.equal(await outbox.deliverDue(), 0);
    const metrics = outbox.renderMetrics();
    assert.match(
      metrics,
      /sloprobe_webhook_deliveries_total\{endpoint="http:\/\/127\.0\.0\.1:\d+\/hooks",event="payment\.downtime\.started",result="rejected"\} 5/,
    );
    assert.match(metrics, /sloprobe_webhook_deliveries_total\{[^}]*result="delivered"\} 1/);
    assert.match(metrics, /sloprobe_webhook_pending\{[^}]*\} 0/);
    assert.equal(lines.filter((l) => l.includes('webhook delivery failed')).length, 5);
    for (const text of [...lines, metrics]) assert.ok(!text.includes(SECRET), 'no secret in logs or metrics');
  });

  it('per-endpoint order: a resolved waits until its started is delivered; another endpoint does not wait', async (t) => {
    const slow = await startReceiver((i) => ({ status: i <= 2 ? 503 : 200 }));
    const fast = await startReceiver();
    t.after(() => Promise.all([slow.close(), fast.close()]));
    const c = clock();
    const store = memoryStore(c.now);
    const outbox = new Outbox({
      store,
      endpoints: [endpoint(slow.url), endpoint(fast.url)],
      log: capturedLog().log,
      now: c.now,
      tickMs: 0,
      backoff: NO_JITTER,
    });
    t.after(() => outbox.close());
    const started = downtimeEvent('payment.downtime.started');
    const resolved = downtimeEvent('payment.downtime.resolved');
    store.transaction(() => outbox.enqueue(started));
    store.transaction(() => outbox.enqueue(resolved));
    await outbox.deliverDue();
    assert.deepEqual(ids(fast.received), [started.id, resolved.id], 'the healthy endpoint gets both at once');
    assert.deepEqual(ids(slow.received), [started.id]);
    c.ms += 2_500;
    await outbox.deliverDue();
    c.ms += 5_000;
    await outbox.deliverDue();
    // Third attempt of started succeeds; resolved follows right away in the same pass.
    assert.deepEqual(ids(slow.received), [started.id, started.id, started.id, resolved.id]);
    assert.match(outbox.renderMetrics(), /sloprobe_webhook_oldest_pending_seconds\{[^}]*\/hooks"\} 0\n/);
  });

  it('Retry-After is honoured over the backoff, in seconds or as an HTTP date', async (t) => {
    let answer = 0;
    const rx = await startReceiver(() => {
      answer++;
      if (answer === 1) return { status: 503, headers: { 'retry-after': '120' } };
      if (answer === 2)
        return { status: 429, headers: { 'retry-after': new Date(T + 120_000 + 600_000).toUTCString() } };
      return { status: 200 };
    });
    t.after(() => rx.close());
    const c = clock();
    const store = memoryStore(c.now);
    const outbox = new Outbox({
      store,
      endpoints: [endpoint(rx.url)],
      log: capturedLog().log,
      now: c.now,
      tickMs: 0,
      backoff: NO_JITTER,
    });
    t.after(() => outbox.close());
    store.transaction(() => outbox.enqueue(downtimeEvent('payment.downtime.started')));
    assert.equal(await outbox.deliverDue(), 1);
    // Retry-After: 120 -> not at T + 119.999 s (the backoff alone would have retried at 2.5 s).
    c.ms = T + 119_999;
    assert.equal(await outbox.deliverDue(), 0);
    c.ms = T + 120_000;
    assert.equal(await outbox.deliverDue(), 1);
    // An HTTP date 10 minutes after that attempt.
    c.ms = T + 120_000 + 599_999;
    assert.equal(await outbox.deliverDue(), 0);
    c.ms = T + 120_000 + 600_000;
    assert.equal(await outbox.deliverDue(), 1);
    assert.equal(rx.received.length, 3);
  });

  it('gives up after 24 hours', async (t) => {
    const rx = await startReceiver(() => ({ status: 500 }));
    t.after(() => rx.close());
    const c = clock();
    const store = memoryStore(c.now);
    const { log, lines } = capturedLog();
    const outbox = new Outbox({
      store,
      endpoints: [endpoint(rx.url)],
      log,
      now: c.now,
      tickMs: 0,
      backoff: NO_JITTER,
    });
    t.after(() => outbox.close());
    store.transaction(() => outbox.enqueue(downtimeEvent('payment.downtime.started')));
    // Without jitter the delay after failure n is min(5 s x 2^(n-1), 1 h) / 2: 2.5 s doubling
    // to 1,280 s after failure 10 (2.5 x (2^10 - 1) = 2,557.5 s in all), then 1,800 s each.
    // Attempt n >= 11 runs at 2,557.5 + 1,800 (n - 11) s; attempt 57 at 85,357.5 s, and its
    // retry would be at 87,157.5 s > 24 h = 86,400 s: given up after 57 attempts.
    assert.equal(await outbox.deliverDue(), 1);
    for (let n = 1; n <= 56; n++) {
      c.ms += Math.min(5_000 * 2 ** (n - 1), 3_600_000) / 2;
      assert.equal(await outbox.deliverDue(), 1, `attempt ${n + 1}`);
      assert.equal(
        lines.some((l) => l.includes('given up')),
        n === 56,
        `after attempt ${n + 1}`,
      );
    }
    assert.equal(c.ms - T, 85_357_500);
    assert.ok(lines.some((l) => l.includes('webhook not delivered within 24 hours: given up')));
    assert.match(outbox.renderMetrics(), /sloprobe_webhook_given_up_total\{[^}]*\} 1/);
    const before = rx.received.length;
    c.ms += 86_400_000;
    assert.equal(await outbox.deliverDue(), 0);
    assert.equal(rx.received.length, before);
    assert.equal(before, 57);
  });
});

describe('what is never contacted', () => {
  it('410 Gone disables the endpoint, persisted in the store, and logged', async (t) => {
    const rx = await startReceiver(() => ({ status: 410 }));
    t.after(() => rx.close());
    const c = clock();
    const store = memoryStore(c.now);
    const { log, lines } = capturedLog();
    const outbox = new Outbox({
      store,
      endpoints: [endpoint(rx.url)],
      log,
      now: c.now,
      tickMs: 0,
      backoff: NO_JITTER,
    });
    store.transaction(() => {
      outbox.enqueue(downtimeEvent('payment.downtime.started'));
      outbox.enqueue(downtimeEvent('payment.downtime.resolved'));
    });
    assert.equal(await outbox.deliverDue(), 1);
    assert.ok(lines.some((l) => l.includes('410 Gone: disabled')));
    c.ms += 86_400_000;
    assert.equal(await outbox.deliverDue(), 0);
    assert.match(outbox.renderMetrics(), /sloprobe_webhook_endpoint_disabled\{[^}]*\} 1/);
    await outbox.close();
    // A new outbox on the same store (a restart) still knows, and enqueues nothing for it.
    const again = new Outbox({ store, endpoints: [endpoint(rx.url)], log, now: c.now, tickMs: 0 });
    t.after(() => again.close());
    store.transaction(() => again.enqueue(downtimeEvent('payment.downtime.started')));
    assert.equal(await again.deliverDue(), 0);
    assert.equal(rx.received.length, 1);
    assert.ok(lines.some((l) => l.includes('webhook endpoint disabled')));
  });

  it('a redirect is not followed: its target is never contacted, and the event is retried at the configured URL', async (t) => {
    const target = await startReceiver();
    const rx = await startReceiver((i) =>
      i === 1 ? { status: 307, headers: { location: target.url } } : { status: 200 },
    );
    t.after(() => Promise.all([target.close(), rx.close()]));
    const c = clock();
    const store = memoryStore(c.now);
    const { log, lines } = capturedLog();
    const outbox = new Outbox({
      store,
      endpoints: [endpoint(rx.url)],
      log,
      now: c.now,
      tickMs: 0,
      backoff: NO_JITTER,
    });
    t.after(() => outbox.close());
    store.transaction(() => outbox.enqueue(downtimeEvent('payment.downtime.started')));
    assert.equal(await outbox.deliverDue(), 1);
    assert.equal(target.received.length, 0);
    assert.ok(lines.some((l) => l.includes('redirect, which is not followed')));
    c.ms += 2_500;
    assert.equal(await outbox.deliverDue(), 1);
    assert.equal(rx.received.length, 2);
    assert.equal(target.received.length, 0);
    assert.match(outbox.renderMetrics(), /result="redirect"\} 1/);
  });

  it('a receiver that never answers is an error after the attempt timeout, then retried', async (t) => {
    const rx = await startReceiver((i) => (i === 1 ? 'hang' : { status: 200 }));
    t.after(() => rx.close());
    const c = clock();
    const store = memoryStore(c.now);
    const outbox = new Outbox({
      store,
      endpoints: [endpoint(rx.url)],
      log: capturedLog().log,
      now: c.now,
      tickMs: 0,
      timeoutMs: 200,
      backoff: NO_JITTER,
    });
    t.after(() => outbox.close());
    store.transaction(() => outbox.enqueue(downtimeEvent('payment.downtime.started')));
    assert.equal(await outbox.deliverDue(), 1);
    assert.match(outbox.renderMetrics(), /result="error"\} 1/);
    c.ms += 2_500;
    assert.equal(await outbox.deliverDue(), 1);
    assert.match(outbox.renderMetrics(), /result="delivered"\} 1/);
  });
});
