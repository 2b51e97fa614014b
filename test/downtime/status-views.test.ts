/**
 * The status views read the downtime tracker: a downtime of a payment method declared
 * through the Downtime API shows in the Statuspage JSON (as an incident, its category's
 * component an outage), in the Atom feed with its updates, and leaves both when resolved.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { type Harness, harness, MINUTE } from './harness.js';

const TOKEN = 'test-admin-token-0123456789';

let h: Harness;
before(async () => {
  h = await harness({ token: TOKEN });
  await h.start();
});
after(async () => {
  await h.close();
});

async function get(path: string): Promise<string> {
  const res = await request(`http://127.0.0.1:${h.sidecar.adminAddress.port}${path}`);
  assert.equal(res.statusCode, 200, path);
  return res.body.text();
}

test('a declared downtime of card is an incident of the payments component, then resolved', async () => {
  const made = await h.admin('/v1/payments/downtimes', {
    method: 'POST',
    body: JSON.stringify({ method: 'card', severity: 'high' }),
    token: TOKEN,
  });
  assert.equal(made.status, 200, JSON.stringify(made.json));
  const id: string = made.json.id;
  assert.equal(made.json.status, 'started');

  // Both routes of category `payments` serve card, so the component is the category and a
  // started `high` downtime makes it a major outage (README: the state rule).
  const summary = JSON.parse(await get('/api/v2/summary.json'));
  const component = summary.components.find((c: { name: string }) => c.name === 'payments');
  assert.equal(component?.status, 'major_outage');
  assert.equal(summary.incidents.length, 1);
  assert.equal(summary.incidents[0].status, 'investigating');
  assert.equal(summary.incidents[0].impact, 'critical');
  assert.equal(summary.status.indicator, 'critical');
  const atom = await get('/status/history.atom');
  assert.ok(atom.includes(`urn:sloprobe:downtime:${id}`), 'the feed has the downtime');
  assert.ok(atom.includes('Downtime of card started'), 'and its first update');

  h.clock.t += 5 * MINUTE;
  const resolved = await h.admin(`/v1/payments/downtimes/${id}`, {
    method: 'PATCH',
    body: JSON.stringify({ status: 'resolved' }),
    token: TOKEN,
  });
  assert.equal(resolved.status, 200, JSON.stringify(resolved.json));
  const unresolved = JSON.parse(await get('/api/v2/incidents/unresolved.json'));
  assert.equal(unresolved.incidents.length, 0);
  const after = JSON.parse(await get('/api/v2/summary.json'));
  assert.equal(after.components.find((c: { name: string }) => c.name === 'payments')?.status, 'operational');
  const incidents = JSON.parse(await get('/api/v2/incidents.json'));
  assert.equal(incidents.incidents[0].status, 'resolved');
  assert.ok((await get('/status/history.atom')).includes('Downtime of card resolved'));
});
