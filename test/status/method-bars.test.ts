/**
 * The page's 90 daily bars per payment-method series, from method minutes in the store:
 * each day's figure as the SLA counts it (occurrences, or the timeslice uptime for a series
 * whose routes an SLO judges by timeslices), "no data" for a day without requests, and a
 * tooltip with the figure, the requests and the downtimes that concern the series.
 *
 * | series              | day        | minutes (UTC) | requests/min | bad (= HTTP 500)      |
 * | ------------------- | ---------- | ------------- | ------------ | --------------------- |
 * | method:card         | every day  | 10:00         | 1000         | 0                     |
 * | method:card         | 2026-11-10 | 10:00         | 1000         | 30: 97%, missed       |
 * | method:card         | 2026-11-14 | -             | 0            | no traffic: no data   |
 * | method:fpx          | none       | -             | 0            | no data on every day  |
 * | method:bank_transfer| every day  | 10:00         | 100          | 0                     |
 * | method:bank_transfer| 2026-11-20 | 10:00-10:11   | 100          | 10 (10% > 5%) x 12    |
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import type { DowntimeView } from '../../src/status/sources.js';
import type { MinuteRollup } from '../../src/telemetry/rollup.js';
import { CRITICAL_30D_HEAD } from '../helpers/config-text.js';
import { DAY, FIRST_DAY, NOW, startWithHistory } from './fixture.js';

const CONFIG = `${CRITICAL_30D_HEAD}  payments: { class: critical, payment_method: { header: x-payment-method, values: [card, fpx] } }
  transfers: { class: critical }
maintenance:
  policy: klarna
  windows:
    - { id: core-upgrade, start: "2026-11-20T01:00:00Z", end: "2026-11-20T03:00:00Z", announced_at: "2026-11-10T00:00:00Z", categories: [transfers] }
routes:
  - { name: pay, method: POST, path: /v1/payments, category: payments }
  - { name: transfer, method: POST, path: /v1/transfers, category: transfers, payment_method: bank_transfer }
slos:
  - { name: transfer-uptime, sli: availability, method: timeslices, objective: 99.5%, over: { route: transfer } }
`;

const sec = (ms: number) => Math.floor(ms / 1000);

function downtime(id: string, method: string, beginMs: number, endMs: number | null): DowntimeView {
  return {
    id,
    entity: 'payment.downtime',
    method,
    begin: sec(beginMs),
    end: endMs === null ? null : sec(endMs),
    status: endMs === null ? 'started' : 'resolved',
    scheduled: false,
    severity: 'high',
    instrument: {},
    created_at: sec(beginMs),
    updated_at: sec(endMs ?? beginMs),
    categories: ['payments'],
    title: `${method} failing`,
    updates: [],
    policy: undefined,
  };
}

const DOWNTIMES = [
  downtime('down_card1', 'card', Date.UTC(2026, 10, 10, 8), Date.UTC(2026, 10, 10, 9)),
  downtime('down_fpx1', 'fpx', NOW - 20 * 60_000, null),
];

/** A method minute as the runtime stores it: counters only, no latency buckets. */
function rollup(minute: number, route: string, total: number, bad: number): MinuteRollup {
  const r = { minute, route, total, good: total - bad, bad, excluded: 0, slow: 0, errors: bad };
  return { ...r, distinct: total, buckets: [] };
}

function methodTraffic(): MinuteRollup[] {
  const out: MinuteRollup[] = [];
  for (let d = FIRST_DAY; d <= NOW; d += DAY) {
    const key = new Date(d).toISOString().slice(0, 10);
    const ten = (d + 10 * 3_600_000) / 60_000;
    if (key !== '2026-11-14') out.push(rollup(ten, 'method:card', 1000, key === '2026-11-10' ? 30 : 0));
    if (key === '2026-11-20')
      for (let m = 0; m < 12; m++) out.push(rollup(ten + m, 'method:bank_transfer', 100, 10));
    else out.push(rollup(ten, 'method:bank_transfer', 100, 0));
  }
  return out;
}

/** The HTML of one series' card. */
function card(html: string, series: string): string {
  const at = html.indexOf(`data-method="${series}"`);
  assert.ok(at >= 0, `a card for ${series}`);
  const next = html.indexOf('data-method="', at + 1);
  return html.slice(at, next < 0 ? html.indexOf('</section>', at) : next);
}

const tips = (html: string) => [...html.matchAll(/<rect class="bar (\w+)"[^>]*><title>([^<]*)<\/title>/g)];
const tipOf = (html: string, day: string) => tips(html).find((m) => m[2]!.startsWith(`${day}:`));

test('90 daily bars per payment method, each day as the SLA counts it, with its downtimes', async (t) => {
  const run = await startWithHistory(CONFIG, () => [], DOWNTIMES, methodTraffic);
  t.after(() => run.close());
  const res = await request(`${run.url}/status`);
  assert.equal(res.statusCode, 200);
  const html = await res.body.text();
  assert.match(html, /<h2 id="h-methods">Payment methods<\/h2>/);

  const cardHtml = card(html, 'method:card');
  assert.equal(tips(cardHtml).length, 90);
  assert.match(cardHtml, /daily availability over 90 days/);
  // 970 of 1000 good: 97%, below 99% but above 1 - 5 x 1% = 95%: "minor".
  const nov10 = tipOf(cardHtml, '2026-11-10')!;
  assert.equal(nov10[1], 'minor');
  assert.equal(nov10[2], '2026-11-10: 97% (970 of 1,000 requests good); downtime down_card1 (high)');
  const nov14 = tipOf(cardHtml, '2026-11-14')!;
  assert.deepEqual([nov14[1], nov14[2]], ['nodata', '2026-11-14: no data (no requests)']);
  assert.deepEqual(
    [tipOf(cardHtml, '2026-11-11')![1], tipOf(cardHtml, '2026-11-11')![2]],
    ['ok', '2026-11-11: 100% (1,000 of 1,000 requests good)'],
  );
  assert.match(cardHtml, /data-status="operational"/);

  // No request ever: every day is "no data", never 100%; its open high downtime: major outage.
  const fpx = card(html, 'method:fpx');
  assert.deepEqual(new Set(tips(fpx).map((m) => m[1])), new Set(['nodata']));
  assert.equal(tips(fpx).length, 90);
  assert.match(fpx, /data-status="major_outage"/);
  assert.match(tipOf(fpx, '2026-11-30')![2]!, /downtime down_fpx1 \(high\)/);

  // Judged by timeslices: 12 consecutive minutes above 5% are one Downtime Period, so the
  // day's uptime is (1440 - 12) / 1440 = 99.1667%, below 99.5% and above 1 - 5 x 0.5% = 97.5%.
  const bank = card(html, 'method:bank_transfer');
  assert.match(bank, /daily uptime over 90 days/);
  const nov20 = tipOf(bank, '2026-11-20')!;
  assert.equal(nov20[1], 'minor');
  assert.equal(
    nov20[2],
    '2026-11-20: uptime 99.167% (12 Downtime Period minutes, 1,200 distinct requests); maintenance core-upgrade (met policy)',
  );
  assert.match(bank, /<rect class="maint met"/);
  // The transfers maintenance does not concern card.
  assert.doesNotMatch(cardHtml, /core-upgrade/);
});
