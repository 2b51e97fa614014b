/**
 * The status views on a live sidecar fed only by real requests through the proxy (no
 * pre-filled store): healthy traffic shows operational with today's bar filled in; a 20x
 * burn raises `page` and the category turns to `major_outage` in summary.json. (The way
 * back, as the failures leave the short windows, is the engine's; the state rule's steps are
 * in rules.test.ts.) The wall clock: the proxy stamps observations with it.
 *
 * Objective 99%: 10 failures in 50 requests is 0.2 / 0.01 = burn 20, above the 14.4 page
 * factor for 30 days in both the 1h and the 5m windows (docs/sla-definitions.md#burn-rate-alerts).
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { createAppLog } from '../../src/log/app-log.js';
import type { Sidecar } from '../../src/sidecar.js';
import { loopbackConfig, startLoopbackSidecar } from '../helpers/sidecar.js';
import { startFlakyUpstream } from '../proxy/harness.js';

const CONFIG = `upstream: http://127.0.0.1:9
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request: { class: transaction-critical }
  settlements: { class: transaction-critical }
routes:
  - { name: create-payment, method: POST, path: /v1/payments, category: payment-request }
  - { name: read-settlement, method: GET, path: /v1/settlements, category: settlements }
`;

let upstream: Awaited<ReturnType<typeof startFlakyUpstream>>;
const load = (yaml: string) => loopbackConfig(yaml, 'live.yaml', { upstream: upstream.url });
let sidecar: Sidecar;

before(async () => {
  upstream = await startFlakyUpstream();
  const config = load(CONFIG);
  const sink = new PassThrough();
  sink.resume();
  sidecar = await startLoopbackSidecar(config, { log: createAppLog({ destination: sink }) });
});
after(async () => {
  await sidecar.close(0);
  await upstream.close();
});

async function send(n: number, failing: number): Promise<void> {
  upstream.failNext = failing;
  for (let i = 0; i < n; i++) {
    const res = await request(`http://127.0.0.1:${sidecar.proxyAddress.port}/v1/payments`, {
      method: 'POST',
      body: '{}',
    });
    await res.body.dump();
  }
}

async function summary(): Promise<{
  status: { indicator: string };
  components: { name: string; status: string }[];
}> {
  const res = await request(`http://127.0.0.1:${sidecar.adminAddress.port}/api/v2/summary.json`);
  return (await res.body.json()) as never;
}

const stateOf = (doc: Awaited<ReturnType<typeof summary>>, name: string) =>
  doc.components.find((c) => c.name === name)?.status;

test('real traffic: operational with today filled in, then a major outage on a 20x burn', async () => {
  await send(50, 0);
  sidecar.slo!.tick();
  let doc = await summary();
  assert.equal(stateOf(doc, 'payment-request'), 'operational');
  assert.equal(doc.status.indicator, 'none');
  // Today's bar has a figure: 50 of 50 good.
  const page = await (await request(`http://127.0.0.1:${sidecar.adminAddress.port}/`)).body.text();
  assert.match(
    page,
    /\d{4}-\d{2}-\d{2}: 100% \(50 of 50 requests good\)<\/title><\/rect>(<rect class="maint[^>]*>)?<\/svg>/,
  );

  // 20 of the next 50 fail: 20 bad of 100, a ratio of 0.2, a burn of 20 against 99%. The
  // page rests on evidence (docs/sla-definitions.md#flag-evidence): the 95% Wilson lower
  // bound of 20/100 is (0.2 + 0.019208 - 1.96 sqrt(0.0016 + 0.000096)) / 1.038416 = 0.133,
  // above page-slow's 6 x 1% = 0.06, so page-slow raises `page`: a major outage.
  await send(50, 20);
  sidecar.slo!.tick();
  doc = await summary();
  assert.equal(stateOf(doc, 'payment-request'), 'major_outage');
  assert.equal(stateOf(doc, 'settlements'), 'operational');
  assert.equal(doc.status.indicator, 'critical');
});

test('a reload swaps the categories the views show', async () => {
  const next = CONFIG.replace(
    '  settlements: { class: transaction-critical }',
    '  settlements: { class: transaction-critical }\n  disputes: { class: transaction-critical }',
  );
  await sidecar.reload(load(next));
  const doc = await summary();
  assert.deepEqual(
    doc.components.map((c) => c.name),
    ['transaction-critical', 'payment-request', 'settlements', 'disputes'],
  );
});
