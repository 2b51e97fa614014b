/**
 * `replay --into-store` writes the payment-method minutes the live sidecar keeps under the
 * store's `~method:` keys, counted as the live per-method recorder counts them (every copy of
 * a repeat, an upstream failure the sidecar answered is an error, an excluded request is
 * neither), so the status page's per-method daily bars read the backfilled days. A route
 * whose method is read per request from a header cannot be attributed from a log line:
 * left out, and said.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { replayCommand } from '../../src/cli/replay.js';
import { parseConfig } from '../../src/config/load.js';
import { MethodDays } from '../../src/status/method-daily.js';
import { Store } from '../../src/store/store.js';
import { CRITICAL_30D_HEAD } from '../helpers/config-text.js';
import { runCli } from './io.js';

const CONFIG = `${CRITICAL_30D_HEAD}  payments: { class: critical, payment_method: { header: x-payment-method, values: [card, fpx] } }
  transfers: { class: critical }
routes:
  - { name: pay, method: POST, path: /v1/payments, category: payments }
  - { name: transfer, method: POST, path: /v1/transfers, category: transfers, payment_method: bank_transfer }
slos:
  - { name: transfer-uptime, sli: availability, method: timeslices, objective: 99.5%, over: { route: transfer } }
`;

const line = (time: string, path: string, status: number, extra = '') =>
  `{"time":"2025-06-10T${time}Z","method":"POST","path":"${path}","status":${status},"latency_ms":12.5${extra}}`;

test('replay --into-store writes per-method minutes the status page reads', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sloprobe-method-minutes-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const configFile = join(dir, 'sloprobe.yaml');
  writeFileSync(configFile, CONFIG);
  const log = join(dir, 'access.log');
  writeFileSync(
    log,
    `${[
      line('12:01:01', '/v1/transfers', 200, ',"digest":"d1"'),
      line('12:01:02', '/v1/transfers', 200, ',"digest":"d1"'),
      line('12:01:03', '/v1/transfers', 500, ',"digest":"d2"'),
      // Nothing sent and no error: the client went away first, excluded.
      line('12:01:04', '/v1/transfers', 0),
      // The sidecar answered an upstream failure itself.
      line('12:01:05', '/v1/transfers', 502, ',"error":"refused"'),
      line('12:02:00', '/v1/transfers', 500),
      line('12:02:10', '/v1/payments', 200),
    ].join('\n')}\n`,
  );
  // On one thread, and with the lines parsed on worker threads (counted on the main one).
  for (const threads of ['1', '2']) {
    const data = join(dir, `data-${threads}`);
    const args = ['-c', configFile, '--into-store', '--data-dir', data, '--threads', threads, log];
    const r = await runCli(replayCommand, args);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /2 payment-method minutes/);
    assert.match(r.stderr, /no payment-method minutes for pay: .*header or the query/);
    await check(data);
  }
});

async function check(data: string): Promise<void> {
  const store = Store.openReadOnly(data);
  try {
    const minute = Date.UTC(2025, 5, 10, 12, 1) / 60_000;
    const rows = store.readMethodRollups(minute - 10, minute + 10).map(({ buckets: _, ...c }) => c);
    assert.deepEqual(rows, [
      // 12:01: five lines. Good: the two 200s (a repeat counts as live counts it, every copy).
      // Bad: the 500 and the 502. Excluded: the status 0. Errors: the 500 (an error status)
      // and the 502 (the sidecar's own answer to a refused connection). Distinct: 5 - 1.
      {
        minute,
        route: 'method:bank_transfer',
        total: 5,
        good: 2,
        bad: 2,
        excluded: 1,
        slow: 0,
        errors: 2,
        distinct: 4,
      },
      {
        minute: minute + 1,
        route: 'method:bank_transfer',
        total: 1,
        good: 0,
        bad: 1,
        excluded: 0,
        slow: 0,
        errors: 1,
        distinct: 1,
      },
    ]);
    // The route rows are still the routes' own: the repeat counts once in the error rate.
    const routes = store.readRollups(minute, minute + 1);
    assert.deepEqual(
      routes.map((x) => [x.route, x.total, x.distinct, x.errors]),
      [['transfer', 5, 4, 1]],
    );

    // The bars: transfer is judged by timeslices. 12:01 (2 of 4) and 12:02 (1 of 1) are
    // Downtime minutes, but 2 consecutive minutes are no Downtime Period (10 are needed):
    // the day's uptime is 100%, over the day's 6 requests.
    const cfg = parseConfig(CONFIG, 'sloprobe.yaml');
    const days = new MethodDays(cfg, 'UTC', 2);
    const figures = await days.figures(
      (from, to) => store.readMethodRollups(from, to),
      Date.UTC(2025, 5, 10, 23),
    );
    const bank = days.views.findIndex((v) => v.series.name === 'method:bank_transfer');
    const today = figures[bank]!.at(-1)!;
    assert.equal(today.requests, 6);
    assert.equal(today.ratio, 1);
    assert.equal(today.downtimePeriodMinutes, 0);
  } finally {
    store.close();
  }
}
