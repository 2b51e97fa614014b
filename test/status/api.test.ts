/**
 * Statuspage v2 JSON and the Atom/RSS feeds on a live admin listener, read with a real
 * client (undici) and a real XML parser (fast-xml-parser). Traffic and downtimes: the table
 * in fixture.ts; expected values follow from the state rule in src/status/state.ts and
 * Statuspage's vocabularies.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { request } from 'undici';
import {
  ACTIVE_INCIDENT,
  NOW,
  RESOLVED_INCIDENT,
  type Running,
  SMALL_CONFIG,
  smallTraffic,
  startWithHistory,
} from './fixture.js';

/** A parsed JSON or XML document, read field by field. */
// biome-ignore lint/suspicious/noExplicitAny: the assertions check the shape
type Doc = any;

let run: Running;
before(async () => {
  run = await startWithHistory(SMALL_CONFIG, smallTraffic, [ACTIVE_INCIDENT, RESOLVED_INCIDENT]);
});
after(() => run.close());

async function get(path: string): Promise<{ status: number; type: string; text: string }> {
  const res = await request(`${run.url}${path}`);
  return { status: res.statusCode, type: String(res.headers['content-type']), text: await res.body.text() };
}

async function json(path: string): Promise<Doc> {
  const r = await get(path);
  assert.equal(r.status, 200, path);
  assert.match(r.type, /^application\/json/);
  return JSON.parse(r.text) as Doc;
}

const ID = /^[0-9a-z]{12}$/;

test('components: categories as components, service classes as groups, Statuspage statuses', async () => {
  const doc = await json('/api/v2/components.json');
  assert.match(doc.page.id, ID);
  const byName = new Map<string, Doc>(doc.components.map((c: Doc) => [c.name, c]));
  const group = byName.get('transaction-critical');
  const pr = byName.get('payment-request');
  // A started high-severity downtime affects payment-request: major_outage.
  assert.equal(pr.status, 'major_outage');
  assert.equal(pr.group, false);
  assert.equal(pr.group_id, group.id);
  assert.equal(group.group, true);
  assert.deepEqual(group.components, [pr.id]);
  // The worst child: the group is in a major outage too.
  assert.equal(group.status, 'major_outage');
  // Nothing started affects settlements or disputes (the maintenance windows are over or ahead).
  assert.equal(byName.get('settlements').status, 'operational');
  assert.equal(byName.get('disputes').status, 'operational');
  assert.equal(byName.get('additional').status, 'operational');
  for (const c of doc.components) {
    assert.match(c.id, ID);
    assert.equal(c.page_id, doc.page.id);
    for (const k of [
      'created_at',
      'updated_at',
      'position',
      'description',
      'showcase',
      'only_show_if_degraded',
    ])
      assert.ok(k in c, `${c.name} has ${k}`);
  }
});

test('status.json: a major outage anywhere is indicator critical', async () => {
  const doc = await json('/api/v2/status.json');
  assert.deepEqual(doc.status, { indicator: 'critical', description: 'Major System Outage' });
});

test('incidents: unscheduled downtimes with their updates, newest first', async () => {
  const all = await json('/api/v2/incidents.json');
  assert.deepEqual(
    all.incidents.map((i: Doc) => [i.name, i.status, i.impact]),
    [
      ['Card payments failing', 'investigating', 'critical'],
      ['FPX bank slow', 'resolved', 'major'],
    ],
  );
  const active = all.incidents[0];
  assert.match(active.id, ID);
  assert.equal(active.started_at, new Date(NOW - 30 * 60_000).toISOString());
  assert.equal(active.resolved_at, null);
  assert.deepEqual(
    active.incident_updates.map((u: Doc) => u.body),
    ['Upstream issuer acknowledged.', 'Error rate above 20% on card payments.'],
  );
  assert.equal(active.incident_updates[0].incident_id, active.id);
  assert.deepEqual(
    active.incident_updates[1].affected_components.map((c: Doc) => [c.name, c.old_status, c.new_status]),
    [['payment-request', 'operational', 'major_outage']],
  );
  assert.equal(all.incidents[1].resolved_at, '2026-11-27T09:00:00.000Z');
  const unresolved = await json('/api/v2/incidents/unresolved.json');
  assert.deepEqual(
    unresolved.incidents.map((i: Doc) => i.id),
    [active.id],
  );
});

test('scheduled maintenances: configured windows, by time and by policy', async () => {
  const all = await json('/api/v2/scheduled-maintenances.json');
  assert.deepEqual(
    all.scheduled_maintenances.map((m: Doc) => [
      m.name,
      m.status,
      m.impact,
      m.scheduled_for,
      m.scheduled_until,
    ]),
    [
      [
        'Scheduled maintenance next-month',
        'scheduled',
        'maintenance',
        '2026-12-15T01:00:00.000Z',
        '2026-12-15T02:00:00.000Z',
      ],
      [
        'Scheduled maintenance rushed-fix',
        'completed',
        'maintenance',
        '2026-11-25T01:00:00.000Z',
        '2026-11-25T02:00:00.000Z',
      ],
      [
        'Scheduled maintenance db-upgrade',
        'completed',
        'maintenance',
        '2026-11-20T01:00:00.000Z',
        '2026-11-20T03:00:00.000Z',
      ],
    ],
  );
  // Announced one day ahead, the Klarna policy asks for 7: the first update says it counts.
  const rushed = all.scheduled_maintenances[1];
  assert.match(
    rushed.incident_updates.at(-1).body,
    /does not meet the klarna maintenance policy \(klarna\.notice/,
  );
  const upcoming = await json('/api/v2/scheduled-maintenances/upcoming.json');
  assert.deepEqual(
    upcoming.scheduled_maintenances.map((m: Doc) => m.name),
    ['Scheduled maintenance next-month'],
  );
  const active = await json('/api/v2/scheduled-maintenances/active.json');
  assert.deepEqual(active.scheduled_maintenances, []);
  const summary = await json('/api/v2/summary.json');
  assert.equal(summary.status.indicator, 'critical');
  assert.equal(summary.incidents.length, 1);
  assert.deepEqual(
    summary.scheduled_maintenances.map((m: Doc) => m.name),
    ['Scheduled maintenance next-month'],
  );
  assert.equal(summary.components.length, 5);
});

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' });

test('Atom: valid XML, one entry per downtime or window, stable ids, RFC 3339 dates', async () => {
  const r = await get('/status/history.atom');
  assert.equal(r.status, 200);
  assert.match(r.type, /^application\/atom\+xml/);
  assert.equal(XMLValidator.validate(r.text), true);
  const feed = parser.parse(r.text).feed;
  assert.equal(feed['@xmlns'], 'http://www.w3.org/2005/Atom');
  const entries = feed.entry as Doc[];
  // Newest change first: the active incident (updated 11:50 on the 30th), the next-month
  // announcement (29th), the resolved incident (27th 09:00), then the two past windows,
  // whose last update is their end (25th 02:00, 20th 03:00).
  assert.deepEqual(
    entries.map((e) => [e.id, e.updated]),
    [
      ['urn:sloprobe:downtime:down_active1', '2026-11-30T11:50:00Z'],
      ['urn:sloprobe:downtime:next-month', '2026-11-29T00:00:00Z'],
      ['urn:sloprobe:downtime:down_resolved1', '2026-11-27T09:00:00Z'],
      ['urn:sloprobe:downtime:rushed-fix', '2026-11-25T02:00:00Z'],
      ['urn:sloprobe:downtime:db-upgrade', '2026-11-20T03:00:00Z'],
    ],
  );
  assert.equal(feed.updated, '2026-11-30T11:50:00Z');
  for (const e of entries) assert.ok(!Number.isNaN(Date.parse(e.published)));
  assert.match(entries[0].content['#text'], /Upstream issuer acknowledged\./);
  assert.equal(entries[0].content['@type'], 'html');
});

test('RSS 2.0: the same entries as items with guids and RFC 822 dates', async () => {
  const r = await get('/status/history.rss');
  assert.equal(r.status, 200);
  assert.equal(XMLValidator.validate(r.text), true);
  const rss = parser.parse(r.text).rss;
  assert.equal(rss['@version'], '2.0');
  const items = rss.channel.item as Doc[];
  assert.deepEqual(
    items.map((i) => i.guid['#text']),
    [
      'urn:sloprobe:downtime:down_active1',
      'urn:sloprobe:downtime:next-month',
      'urn:sloprobe:downtime:down_resolved1',
      'urn:sloprobe:downtime:rushed-fix',
      'urn:sloprobe:downtime:db-upgrade',
    ],
  );
  assert.equal(items[0].pubDate, 'Mon, 30 Nov 2026 11:50:00 GMT');
  assert.equal(items[0].guid['@isPermaLink'], 'false');
});
