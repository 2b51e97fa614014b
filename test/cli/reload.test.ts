/**
 * SIGHUP reloads the config. Product rule: "a reload with a bad config keeps the old one",
 * and the bad file is reported with file:line:column like any config error; each reload is
 * counted in `sloprobe_config_reload_total{result}`, and
 * `sloprobe_config_last_reload_success_timestamp_seconds` moves only on success.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { parseSamples, type Sample, sum } from '../helpers/prom.js';
import { startCli } from '../helpers/spawn.js';
import { pollUntil } from '../integration/fleet-harness.js';

const base = (routes: string) => `upstream: http://127.0.0.1:9
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request: { class: transaction-critical }
routes:
${routes}`;
const ONE = base('  - { name: payments, method: POST, path: /v1/payments, category: payment-request }\n');
const TWO = base(
  '  - { name: payments, method: POST, path: /v1/payments, category: payment-request }\n  - { name: refunds, method: POST, path: /v1/refunds, category: payment-request }\n',
);
const BROKEN = base(
  '  - { name: refunds, method: POST, path: /v1/refunds, category: payment-request, latency: { p99: "200" } }\n',
);

let upstream: Server;
before(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
});
after(async () => {
  await new Promise<void>((r) => upstream.close(() => r()));
});

test('SIGHUP with a broken file keeps the running routes; with a good one it swaps them in', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'sloprobe-reload-')), 'sloprobe.yaml');
  writeFileSync(file, ONE);
  const cli = startCli([
    'run',
    '--config',
    file,
    '--upstream',
    `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    '--listen',
    '127.0.0.1:0',
    '--admin',
    '127.0.0.1:0',
    '--data-dir',
    ':memory:',
    '--access-log',
    'off',
  ]);
  try {
    const m = await cli.waitFor(/"proxy":"127\.0\.0\.1:(\d+)","admin":"127\.0\.0\.1:(\d+)"/);
    const proxy = `http://127.0.0.1:${m[1]}`;
    const admin = `http://127.0.0.1:${m[2]}`;
    const routes = async () =>
      ((await (await request(`${admin}/v1/routes`)).body.json()) as Array<{ name: string }>).map(
        (r) => r.name,
      );
    const post = async (path: string) =>
      (await request(`${proxy}${path}`, { method: 'POST', body: '{}' })).body.dump();
    const scrape = async (): Promise<Sample[]> =>
      parseSamples(await (await request(`${admin}/metrics`)).body.text());
    const counts = async () => {
      const samples = await scrape();
      return {
        success: sum(samples, 'sloprobe_config_reload_total', { result: 'success' }),
        failure: sum(samples, 'sloprobe_config_reload_total', { result: 'failure' }),
        at: sum(samples, 'sloprobe_config_last_reload_success_timestamp_seconds'),
      };
    };
    const atStart = await counts();
    assert.equal(atStart.success + atStart.failure, 0);
    assert.ok(atStart.at > 0, 'the timestamp is set at start');

    writeFileSync(file, BROKEN);
    cli.child.kill('SIGHUP');
    await cli.waitFor(/config reload failed; the running config stays/);
    assert.deepEqual(await counts(), { ...atStart, failure: 1 }, 'a failure, the timestamp kept');
    assert.match(
      cli.stderr,
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7:\\d+: routes\\[0\\]\\.latency\\.p99`),
    );
    assert.deepEqual(
      (await routes()).filter((n) => n !== 'unmatched'),
      ['payments'],
      'the broken file was not applied',
    );
    await post('/v1/payments');

    writeFileSync(file, TWO);
    cli.child.kill('SIGHUP');
    await cli.waitFor(/"msg":"config reloaded"/);
    const applied = await counts();
    assert.deepEqual({ success: applied.success, failure: applied.failure }, { success: 1, failure: 1 });
    assert.ok(applied.at >= atStart.at, `${applied.at} < ${atStart.at}`);

    // Unlike a watch event, SIGHUP reloads an unchanged file too: the operator asked.
    cli.child.kill('SIGHUP');
    const again = await pollUntil(counts, (c) => c.success >= 2);
    assert.deepEqual({ success: again.success, failure: again.failure }, { success: 2, failure: 1 });
    assert.deepEqual(
      (await routes()).filter((n) => n !== 'unmatched'),
      ['payments', 'refunds'],
      'the good file was applied',
    );
    await post('/v1/refunds');
    const samples = parseSamples(await (await request(`${admin}/metrics`)).body.text());
    assert.equal(sum(samples, 'sloprobe_requests_total', { route: 'refunds' }), 1, 'the new route records');
    assert.equal(sum(samples, 'sloprobe_requests_total', { route: 'unmatched' }), 0);
  } finally {
    cli.child.kill('SIGTERM');
  }
  assert.equal(await cli.exited, 0);
});
