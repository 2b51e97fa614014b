/**
 * The live sidecar with real sockets: a 20x burn raises `page`, recovery clears it, one log
 * line per transition; `/metrics` and `/v1/slos` agree; the whole exposition passes the real
 * promtool; a restart keeps the budget; `report` agrees with the live numbers.
 *
 * Objective 99% (docs/sla-definitions.md#service-classes: "Transaction Critical Services
 * 99%"), so 20% errors is a burn rate of 0.20 / (1 - 0.99) = 20, above the page factor 14.4
 * for 30 days (docs/sla-definitions.md#burn-rate-alerts).
 *
 * Each test is self-contained (its own data dir, its own sidecars) and runs at a fixed
 * instant: node:test's clock (`Date` only; timers and sockets stay real) is set to
 * 2025-03-10T12:00Z, mid-month, so no test depends on another's state, on the current
 * month or on crossing a minute while it runs. The clock is the one the proxy stamps
 * requests with and the engine and store read, so they all agree.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, type TestContext, test } from 'node:test';
import { request } from 'undici';
import { createAppLog } from '../../src/log/app-log.js';
import type { Sidecar } from '../../src/sidecar.js';
import { parseSamples, sum } from '../helpers/prom.js';
import { loopbackConfig, startLoopbackSidecar } from '../helpers/sidecar.js';
import { runCli } from '../helpers/spawn.js';
import { requireTool } from '../helpers/tools.js';
import { startFlakyUpstream } from '../proxy/harness.js';

const CONFIG = `upstream: http://127.0.0.1:9
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request: { class: transaction-critical }
routes:
  - { name: create-payment, method: POST, path: /v1/payments, category: payment-request, latency: { p99: 500ms } }
`;

let upstream: Awaited<ReturnType<typeof startFlakyUpstream>>;

/** 2025-03-10T12:00:00Z: a Monday in the middle of March, far from any month edge. */
const T0 = Date.UTC(2025, 2, 10, 12, 0, 0);

/** Freezes `Date` at T0 for this test; `t.mock.timers.tick(ms)` moves it. */
function atT0(t: TestContext): void {
  t.mock.timers.enable({ apis: ['Date'], now: T0 });
}

function freshDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'sloprobe-live-'));
}

before(async () => {
  upstream = await startFlakyUpstream();
});

after(async () => {
  await upstream.close();
});

type LogLines = Array<Record<string, unknown>>;

async function start(dataDir: string, logLines: LogLines = [], now?: () => number): Promise<Sidecar> {
  const sink = new PassThrough();
  sink.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n'))
      if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
  });
  const config = loopbackConfig(CONFIG, 'live.yaml', { upstream: upstream.url, dataDir });
  return startLoopbackSidecar(config, { log: createAppLog({ destination: sink }), now });
}

async function send(s: Sidecar, n: number, failing: number): Promise<void> {
  upstream.failNext = failing;
  for (let i = 0; i < n; i++) {
    const res = await request(`http://127.0.0.1:${s.proxyAddress.port}/v1/payments`, {
      method: 'POST',
      body: '{}',
    });
    await res.body.dump();
  }
}

async function admin(s: Sidecar, path: string): Promise<string> {
  const res = await request(`http://127.0.0.1:${s.adminAddress.port}${path}`);
  return res.body.text();
}

interface SloJson {
  name: string;
  requests: number;
  good: number;
  bad: number;
  budget_remaining: number;
  flags?: { page: boolean; ticket: boolean };
  windows: Record<string, { requests: number; error_ratio: number | null; burn_rate: number | null }>;
}

async function slo(s: Sidecar, name: string): Promise<SloJson> {
  const doc = JSON.parse(await admin(s, '/v1/slos')) as { slos: SloJson[] };
  const found = doc.slos.find((x) => x.name === name);
  assert.ok(found, `${name} in /v1/slos`);
  return found;
}

const transitions = (logLines: LogLines) =>
  logLines.filter((l) => l.event === 'slo_flag' && l.slo === 'payment-request-availability');

test('a 20x burn raises page, recovery clears it after the hold, /metrics and /v1/slos agree, promtool passes', async (t) => {
  atT0(t);
  // The runtime's clock only moves when the test says so: the hold before a clear is measured on it.
  let clock = T0;
  const logLines: LogLines = [];
  const s = await start(freshDataDir(), logLines, () => clock);
  try {
    // 40 good, then 10 answered 500: error ratio 0.2, burn 20. Good ones first, so that an
    // evaluation of the runtime's own timer in between never sees a worse ratio than 10/50.
    await send(s, 40, 0);
    await send(s, 10, 10);
    s.slo!.tick();
    const burning = await slo(s, 'payment-request-availability');
    assert.equal(burning.requests, 50);
    assert.equal(burning.bad, 10);
    assert.ok(
      Math.abs(burning.windows['5m']!.burn_rate! - 20) < 1e-9,
      `burn ${burning.windows['5m']!.burn_rate}`,
    );
    const raised = transitions(logLines).filter((l) => l.state === 'raised' && l.severity === 'page');
    assert.equal(raised.length, 1, 'one log line for the page flag being raised');

    const metrics = await admin(s, '/metrics');
    const samples = parseSamples(metrics);
    const alert = (severity: string) =>
      sum(samples, 'sloprobe_slo_alert_active', { slo: 'payment-request-availability', severity });
    assert.equal(alert('page'), 1);
    assert.equal(
      sum(samples, 'sloprobe_slo_burn_rate', { slo: 'payment-request-availability', window: '5m' }),
      burning.windows['5m']!.burn_rate,
      '/metrics and /v1/slos give the same burn rate',
    );
    assert.equal(
      sum(samples, 'sloprobe_slo_error_budget_remaining_ratio', { slo: 'payment-request-availability' }),
      burning.budget_remaining,
    );
    // Budget: 10 bad of 50 against an allowance of 1% of 50 = 0.5 -> 1 - 10/0.5 = -19.
    assert.ok(Math.abs(burning.budget_remaining - -19) < 1e-9, `budget ${burning.budget_remaining}`);

    const promtool = requireTool(t, 'promtool', 'apt-get install prometheus');
    if (promtool) {
      const r = spawnSync(promtool, ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
      assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
    }

    // The page rests on evidence (docs/sla-definitions.md#flag-evidence): 10 of 50 has a 95%
    // Wilson lower bound of (0.2 + 0.038416 - 1.96 sqrt(0.0032 + 0.000384)) / 1.076832 =
    // (0.238416 - 0.117341) / 1.076832 = 0.1124: below page-quick's 14.4 x 1% = 0.144, above
    // page-slow's 6 x 1% = 0.06, so page-slow (6h and 30m burning 20 > 6) raised it (an earlier
    // evaluation sees k bad of 40 + k, k < 10, whose bound is lower still).
    assert.deepEqual(raised[0]?.firing, ['page-slow']);

    // Recovery: 1000 good requests dilute every window to 10/1050, a burn of ~0.95 < 6: the
    // condition is false from this tick on; the flag clears after page-slow's short window
    // (30 minutes) on the clock, not before.
    await send(s, 1000, 0);
    s.slo!.tick();
    clock += 30 * 60_000 - 1;
    s.slo!.tick();
    assert.equal(transitions(logLines).filter((l) => l.state === 'cleared').length, 0, 'still held');
    clock += 1;
    s.slo!.tick();
    const cleared = transitions(logLines).filter((l) => l.state === 'cleared' && l.severity === 'page');
    assert.equal(cleared.length, 1, 'page cleared once after recovery');
    assert.equal(
      sum(parseSamples(await admin(s, '/metrics')), 'sloprobe_slo_alert_active', {
        slo: 'payment-request-availability',
        severity: 'page',
      }),
      0,
    );
  } finally {
    await s.close(1000);
  }
});

test('a restart keeps the budget: the store restores every window', async (t) => {
  atT0(t);
  const dataDir = freshDataDir();
  const first = await start(dataDir);
  try {
    await send(first, 50, 10);
    first.slo!.tick();
  } finally {
    await first.close(1000);
  }
  // Five minutes later: the first run's minutes are history the store must give back.
  t.mock.timers.tick(5 * 60_000);
  const logLines: LogLines = [];
  const s = await start(dataDir, logLines);
  try {
    const restored = await slo(s, 'payment-request-availability');
    assert.equal(restored.requests, 50, 'the 50 requests of the first run are back');
    assert.equal(restored.bad, 10);
    assert.ok(logLines.some((l) => l.msg === 'restored SLO windows from the store'));
    assert.ok(existsSync(join(dataDir, 'sloprobe.db')), 'the store is a real file under --data-dir');
    await send(s, 10, 0);
    s.slo!.tick();
    const after = await slo(s, 'payment-request-availability');
    // 50 restored + 10 new = 60: nothing lost or doubled.
    assert.equal(after.requests, 60, 'new traffic adds to the restored windows');
    assert.equal(after.bad, 10);
  } finally {
    await s.close(1000);
  }
});

test('`sloprobe report` on the same store agrees with /v1/slos', async (t) => {
  atT0(t);
  const dataDir = freshDataDir();
  const file = join(dataDir, 'live.yaml');
  writeFileSync(file, CONFIG);
  const s = await start(dataDir);
  let live: SloJson;
  try {
    await send(s, 20, 2);
    s.slo!.tick();
    live = await slo(s, 'payment-request-availability');
  } finally {
    await s.close(1000);
  }
  assert.deepEqual([live.requests, live.good, live.bad], [20, 18, 2]);
  // The report runs in its own process on the real clock: the month is given, not "now".
  const r = await runCli([
    'report',
    '--config',
    file,
    '--data-dir',
    dataDir,
    '--month',
    '2025-03',
    '--format',
    'json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout.trim().split('\n')[0]!) as {
    slos: Array<{ name: string; requests: number; good: number; bad: number; met: boolean }>;
  };
  const month = report.slos.find((x) => x.name === 'payment-request-availability');
  assert.ok(month);
  // T0 is in March and in the rolling 30 days alike: the same 20 requests.
  assert.deepEqual([month.requests, month.good, month.bad], [20, 18, 2]);
  assert.equal(month.met, false, '18 good of 20 is 90% against 99%');
});
