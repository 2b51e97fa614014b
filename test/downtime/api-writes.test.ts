/**
 * The Downtime API's writes over real sockets: POST declares and PATCH updates, resolves or
 * cancels, only with `Authorization: Bearer <admin token>`. A bad token gets 401 and changes
 * nothing; no token configured gets 403 saying how to enable writes; bad input gets 400
 * naming the field and writes nothing (no record, no history row, no event).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENTITY_KEYS, type Harness, harness, MINUTE, T0 } from './harness.js';

const TOKEN = 'test-admin-token-0123456789';

function historyRows(h: Harness): number {
  const row = h.sidecar.slo!.store.database.prepare('SELECT COUNT(*) AS n FROM downtime_history').get() as {
    n: number;
  };
  return row.n;
}

describe('with admin.token configured', () => {
  let h: Harness;
  before(async () => {
    h = await harness({ token: TOKEN });
    await h.start();
  });
  after(async () => {
    await h.close();
  });

  test('a bad or missing token gets 401 and changes nothing', async () => {
    const body = JSON.stringify({ method: 'card' });
    for (const token of ['wrong-token', `${TOKEN}x`, TOKEN.slice(0, -1), undefined]) {
      const res = await h.admin('/v1/payments/downtimes', {
        method: 'POST',
        body,
        ...(token ? { token } : {}),
      });
      assert.equal(res.status, 401, String(token));
      assert.equal(res.json.error.code, 'BAD_REQUEST_ERROR');
      assert.ok(!JSON.stringify(res.json).includes(TOKEN), 'the token never appears in a reply');
    }
    assert.equal((await h.admin('/v1/payments/downtimes')).json.count, 0);
    assert.equal(historyRows(h), 0);
    assert.equal(h.events.length, 0);
  });

  test('bad input gets 400 naming the field, and nothing is written', async () => {
    const now = T0 / 1000;
    const cases: Array<[unknown, string]> = [
      [{}, 'method'],
      [{ method: 'Card' }, 'method'],
      [{ method: 'card', severity: 'critical' }, 'severity'],
      [{ method: 'card', begin: now + 600, end: now + 60 }, 'end'],
      [{ method: 'card', end: now - 60 }, 'end'],
      [{ method: 'card', instrument: { colour: 'red' } }, 'instrument.colour'],
      [{ method: 'card', instrument: { network: 'VI SA' } }, 'instrument.network'],
      [{ method: 'card', status: 'started' }, 'status'],
      [[1, 2], 'body'],
    ];
    for (const [body, field] of cases) {
      const res = await h.admin('/v1/payments/downtimes', {
        method: 'POST',
        body: JSON.stringify(body),
        token: TOKEN,
      });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json.error.field, field, JSON.stringify(body));
    }
    const broken = await h.admin('/v1/payments/downtimes', {
      method: 'POST',
      body: '{"method":',
      token: TOKEN,
    });
    assert.equal(broken.status, 400);
    assert.equal(broken.json.error.field, 'body');
    assert.equal((await h.admin('/v1/payments/downtimes')).json.count, 0);
    assert.equal(historyRows(h), 0);
    assert.equal(h.events.length, 0);
  });

  test('POST declares a scheduled downtime that starts and resolves on time; PATCH changes and cancels', async () => {
    h.clock.t = T0;
    const begin = T0 / 1000 + 600; // 10:10
    const end = begin + 1800; // 10:40
    const created = await h.admin('/v1/payments/downtimes', {
      method: 'POST',
      token: TOKEN,
      body: JSON.stringify({ method: 'fpx', begin, end, severity: 'high', instrument: { bank: 'MB2U' } }),
    });
    assert.equal(created.status, 200);
    const d = created.json;
    assert.deepEqual(Object.keys(d), ENTITY_KEYS);
    // begin is in the future: status scheduled, and scheduled defaults to true.
    assert.deepEqual(
      {
        method: d.method,
        begin: d.begin,
        end: d.end,
        status: d.status,
        scheduled: d.scheduled,
        severity: d.severity,
      },
      { method: 'fpx', begin, end, status: 'scheduled', scheduled: true, severity: 'high' },
    );
    assert.deepEqual(d.instrument, { bank: 'MB2U' });

    h.clock.t = T0 + 10 * MINUTE; // 10:10 = begin
    h.tick();
    assert.equal((await h.admin(`/v1/payments/downtimes/${d.id}`)).json.status, 'started');

    const moved = await h.admin(`/v1/payments/downtimes/${d.id}`, {
      method: 'PATCH',
      token: TOKEN,
      body: JSON.stringify({ severity: 'medium', end: end + 600 }),
    });
    assert.equal(moved.status, 200);
    assert.equal(moved.json.severity, 'medium');
    assert.equal(moved.json.end, end + 600);
    // A started downtime cannot be cancelled, only resolved.
    const cancel = await h.admin(`/v1/payments/downtimes/${d.id}`, {
      method: 'PATCH',
      token: TOKEN,
      body: JSON.stringify({ status: 'cancelled' }),
    });
    assert.equal(cancel.status, 400);
    assert.equal(cancel.json.error.field, 'status');

    h.clock.t = (end + 600) * 1000; // 10:50 = the new end
    h.tick();
    const done = (await h.admin(`/v1/payments/downtimes/${d.id}`)).json;
    assert.equal(done.status, 'resolved');
    assert.equal(done.end, end + 600);

    const names = h.events
      .filter((e) => (e.event.entity as { id: string }).id === d.id)
      .map((e) => e.event.event);
    assert.deepEqual(names, [
      'payment.downtime.updated', // announced (scheduled)
      'payment.downtime.started',
      'payment.downtime.updated', // severity and end
      'payment.downtime.resolved',
    ]);

    // A second one, cancelled before it starts.
    const next = await h.admin('/v1/payments/downtimes', {
      method: 'POST',
      token: TOKEN,
      body: JSON.stringify({ method: 'card', begin: end + 3600 }),
    });
    const cancelled = await h.admin(`/v1/payments/downtimes/${next.json.id}`, {
      method: 'PATCH',
      token: TOKEN,
      body: JSON.stringify({ status: 'cancelled' }),
    });
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.json.status, 'cancelled');
    const again = await h.admin(`/v1/payments/downtimes/${next.json.id}`, {
      method: 'PATCH',
      token: TOKEN,
      body: JSON.stringify({ severity: 'low' }),
    });
    assert.equal(again.status, 400, 'a cancelled downtime is final');

    // Newest first: the card downtime begins later than the fpx one.
    const list = (await h.admin('/v1/payments/downtimes')).json;
    assert.deepEqual(
      list.items.map((i: { id: string }) => i.id),
      [next.json.id, d.id],
    );
    assert.equal((await h.admin('/v1/payments/downtimes?count=1&skip=1')).json.items[0].id, d.id);
    assert.equal((await h.admin('/v1/payments/downtimes?status=cancelled')).json.count, 1);
    for (const e of h.events) assert.equal(e.inTransaction, true);
  });

  test('PATCH of an unknown id is 404 (after the token is checked)', async () => {
    const body = JSON.stringify({ status: 'resolved' });
    const res = await h.admin('/v1/payments/downtimes/down_ZZZZZZZZZZZZZZ', {
      method: 'PATCH',
      token: TOKEN,
      body,
    });
    assert.equal(res.status, 404);
    assert.equal(res.json.error.code, 'BAD_REQUEST_ERROR');
    const denied = await h.admin('/v1/payments/downtimes/down_ZZZZZZZZZZZZZZ', {
      method: 'PATCH',
      token: 'no',
      body,
    });
    assert.equal(denied.status, 401);
  });
});

describe('without a token', () => {
  let h: Harness;
  let saved: string | undefined;
  before(async () => {
    saved = process.env.SLOPROBE_ADMIN_TOKEN;
    delete process.env.SLOPROBE_ADMIN_TOKEN;
    h = await harness();
    await h.start();
  });
  after(async () => {
    if (saved !== undefined) process.env.SLOPROBE_ADMIN_TOKEN = saved;
    await h.close();
  });

  test('writes answer 403 and say how to enable them; reads stay open', async () => {
    const res = await h.admin('/v1/payments/downtimes', {
      method: 'POST',
      body: '{"method":"card"}',
      token: 'x',
    });
    assert.equal(res.status, 403);
    assert.match(res.json.error.description, /admin\.token/);
    assert.match(res.json.error.description, /SLOPROBE_ADMIN_TOKEN/);
    assert.equal((await h.admin('/v1/payments/downtimes')).status, 200);
  });

  test('SLOPROBE_ADMIN_TOKEN enables them', async () => {
    process.env.SLOPROBE_ADMIN_TOKEN = TOKEN;
    try {
      const res = await h.admin('/v1/payments/downtimes', {
        method: 'POST',
        body: '{"method":"card"}',
        token: TOKEN,
      });
      assert.equal(res.status, 200);
      // No begin: it begins now, so it is started (and, not announced ahead, unscheduled).
      assert.equal(res.json.status, 'started');
      assert.equal(res.json.scheduled, false);
      assert.equal(res.json.begin, T0 / 1000);
      assert.deepEqual(
        h.events.map((e) => e.event.event),
        ['payment.downtime.started'],
      );
    } finally {
      delete process.env.SLOPROBE_ADMIN_TOKEN;
    }
  });
});
