/**
 * A maintenance window that names a payment method walks scheduled -> started -> resolved
 * on the injectable clock, and one that a reload removes before it starts is cancelled
 * (docs/sla-definitions.md#downtime-entity). A restart during a downtime continues it from
 * the store (a file on disk, a second sidecar process state): no second `started`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONFIG, harness, MINUTE, T0 } from './harness.js';

// Announced 10:00, 8 hours ahead of an 18:00-19:00 window (docs/sla-definitions.md#maintenance-paywithmybank).
const WINDOWS = `maintenance:
  policy: none
  windows:
    - id: fpx-bank-upgrade
      start: 2026-01-05T18:00:00Z
      end: 2026-01-05T19:00:00Z
      announced_at: 2026-01-05T10:00:00Z
      methods: [fpx]
      instrument: { bank: MB2U }
    - id: card-network-work
      start: 2026-01-06T02:00:00Z
      end: 2026-01-06T03:00:00Z
      announced_at: 2026-01-05T09:00:00Z
      methods: [card]
`;
const ONLY_FPX = WINDOWS.slice(0, WINDOWS.indexOf('    - id: card-network-work'));

test('a window naming a method: scheduled from its announcement, started at start, resolved at end; removed by a reload: cancelled', async () => {
  const h = await harness();
  try {
    h.clock.t = T0 - 2 * 3_600_000; // 08:00: neither window is announced yet
    await h.start(CONFIG + WINDOWS);
    h.tick();
    assert.equal((await h.admin('/v1/payments/downtimes')).json.count, 0, 'nothing before the announcement');

    h.clock.t = T0; // 10:00: both announced
    h.tick();
    const list = (await h.admin('/v1/payments/downtimes')).json;
    assert.equal(list.count, 2);
    const fpx = list.items.find((d: { method: string }) => d.method === 'fpx');
    const card = list.items.find((d: { method: string }) => d.method === 'card');
    // 2026-01-05T18:00:00Z = 1767636000, 19:00 = 1767639600.
    assert.deepEqual(
      {
        status: fpx.status,
        scheduled: fpx.scheduled,
        begin: fpx.begin,
        end: fpx.end,
        instrument: fpx.instrument,
      },
      {
        status: 'scheduled',
        scheduled: true,
        begin: 1767636000,
        end: 1767639600,
        instrument: { bank: 'MB2U' },
      },
    );
    // Newest first: the card window begins later (2026-01-06T02:00Z).
    assert.equal(list.items[0].id, card.id);

    // A reload drops the card window before it starts: cancelled.
    await h.sidecar.reload(h.config(CONFIG + ONLY_FPX));
    h.tick();
    assert.equal((await h.admin(`/v1/payments/downtimes/${card.id}`)).json.status, 'cancelled');
    assert.equal((await h.admin(`/v1/payments/downtimes/${fpx.id}`)).json.status, 'scheduled');

    h.clock.t = Date.UTC(2026, 0, 5, 18, 0, 0);
    h.tick();
    assert.equal((await h.admin(`/v1/payments/downtimes/${fpx.id}`)).json.status, 'started');
    h.clock.t = Date.UTC(2026, 0, 5, 18, 59, 59);
    h.tick();
    assert.equal(
      (await h.admin(`/v1/payments/downtimes/${fpx.id}`)).json.status,
      'started',
      'still on at 18:59:59',
    );
    h.clock.t = Date.UTC(2026, 0, 5, 19, 0, 0);
    h.tick();
    const done = (await h.admin(`/v1/payments/downtimes/${fpx.id}`)).json;
    assert.equal(done.status, 'resolved');
    assert.equal(done.end, 1767639600);

    const fpxEvents = h.events.filter((e) => (e.event.entity as { id: string }).id === fpx.id);
    assert.deepEqual(
      fpxEvents.map((e) => [e.event.event, (e.event.entity as { status: string }).status]),
      [
        ['payment.downtime.updated', 'scheduled'],
        ['payment.downtime.started', 'started'],
        ['payment.downtime.resolved', 'resolved'],
      ],
    );
    // A later reload still naming the finished window does not announce it again.
    await h.sidecar.reload(h.config(CONFIG + ONLY_FPX));
    h.clock.t = Date.UTC(2026, 0, 5, 18, 30, 0);
    h.tick();
    assert.equal((await h.admin('/v1/payments/downtimes?method=fpx')).json.count, 1);
  } finally {
    await h.close();
  }
});

test('a restart during a downtime continues it: the same record, no second started, resolved later', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sloprobe-downtime-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const h = await harness({ dataDir });
  try {
    await h.start();
    h.mock.failMethod('card');
    h.clock.t = T0 + 1_000;
    await h.pay('card', 20);
    h.clock.t = T0 + 30_000;
    h.tick();
    const before = (await h.admin('/v1/payments/downtimes')).json.items;
    assert.equal(before.length, 1);
    assert.equal(before[0].status, 'started');

    // Restart: the sidecar closes (flushing the store) and a new one opens the same file.
    await h.sidecar.close(100);
    h.clock.t = T0 + MINUTE + 1_000;
    await h.start();
    await h.pay('card', 20); // still failing after the restart
    h.clock.t = T0 + MINUTE + 30_000;
    h.tick();
    const afterRestart = (await h.admin('/v1/payments/downtimes')).json.items;
    assert.equal(afterRestart.length, 1, 'no second downtime');
    assert.equal(afterRestart[0].id, before[0].id);
    assert.equal(afterRestart[0].status, 'started');
    assert.equal(afterRestart[0].begin, before[0].begin);

    h.mock.failMethod(null);
    let resolved = false;
    for (let minute = 2; minute <= 90 && !resolved; minute++) {
      h.clock.t = T0 + minute * MINUTE + 1_000;
      await h.pay('card', 20);
      h.clock.t = T0 + minute * MINUTE + 50_000;
      h.tick();
      resolved = (await h.admin(`/v1/payments/downtimes/${before[0].id}`)).json.status === 'resolved';
    }
    assert.ok(resolved, 'resolved after recovery');
    const names = h.events.map((e) => e.event.event);
    assert.equal(names.filter((n) => n === 'payment.downtime.started').length, 1, names.join(', '));
    assert.equal(names.at(-1), 'payment.downtime.resolved');
  } finally {
    await h.close();
  }
});
