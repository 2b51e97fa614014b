/**
 * Per-method windows survive a restart: the method minutes go to the store (a file on disk),
 * and a sidecar started again on it restores them, the minute it restarted in included (the
 * counts stored for that minute before the restart are added to the new recorder's).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Store } from '../../src/store/store.js';
import { CONFIG, harness, T0 } from '../downtime/harness.js';

function cardAvailability(h: Awaited<ReturnType<typeof harness>>) {
  h.tick();
  const s = h.sidecar.downtime!.current().find((x) => x.name === 'method:card-availability');
  assert.ok(s, 'the card series has an availability SLO');
  return { requests: s.requests, bad: s.bad };
}

test('a restart keeps the per-method windows, the minute it restarted in included', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sloprobe-methods-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const h = await harness({ dataDir: dir });
  try {
    h.clock.t = T0 + 10_000;
    await h.start(CONFIG);
    await h.pay('card', 6);
    h.mock.failMethod('card', 1);
    await h.pay('card', 4);
    h.mock.failMethod(null);
    // 6 good + 4 answered 500 by the mock.
    assert.deepEqual(cardAvailability(h), { requests: 10, bad: 4 });
    await h.sidecar.close(100);

    // The next minute's restart: the stored minute comes back whole.
    h.clock.t = T0 + 70_000;
    await h.start(CONFIG);
    assert.deepEqual(cardAvailability(h), { requests: 10, bad: 4 });
    await h.pay('card', 2);
    // 10 restored + 2 new good ones.
    assert.deepEqual(cardAvailability(h), { requests: 12, bad: 4 });
    await h.sidecar.close(100);

    // A restart within that same minute: the 2 stored before it are added to the new 3.
    h.clock.t = T0 + 80_000;
    await h.start(CONFIG);
    await h.pay('card', 3);
    assert.deepEqual(cardAvailability(h), { requests: 15, bad: 4 });
  } finally {
    await h.close();
  }
  {
    // Stored under the series' own key: the route SLOs do not see them as a route.
    const store = Store.open(
      { dataDir: dir, minuteRetentionMs: 35 * 86_400_000, hourRetentionMs: 400 * 86_400_000 },
      () => {},
    );
    const m0 = T0 / 60_000;
    const methods = store.readMethodRollups(m0, m0 + 2).map((r) => `${r.minute - m0} ${r.route} ${r.total}`);
    const routes = store.readRollups(m0, m0 + 2).map((r) => r.route);
    store.close();
    assert.deepEqual(methods.sort(), ['0 method:card 10', '1 method:card 5']);
    assert.ok(!routes.some((r) => r.includes('method:')), `route rows only: ${routes.join(', ')}`);
  }
});
