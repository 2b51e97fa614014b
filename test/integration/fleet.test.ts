/**
 * Fleet SLOs with real parts: Debian's Prometheus scrapes two sidecar
 * replicas (in-process, each with its own :memory: store) in front of one upstream, with the
 * rules `sloprobe rules` generates. Traffic with injected 5xx and slow answers goes through
 * both; the fleet figures read through Prometheus' HTTP API must be those of the combined
 * traffic the test's own client counted, while each replica's /v1/slos shows only its part.
 * Then every query of the Grafana dashboard runs against this Prometheus, and
 * `report --prometheus` must agree with the report built from the sum of both stores.
 *
 * Config: one route, availability 80% (budget 0.2), latency p99 <= 500 ms (budget 0.01),
 * and a timeslice SLO (docs/sla-definitions.md#timeslice-error-rate); the route's payment
 * method is `card`, so the per-method rules and the dashboard's payment-method panels have data.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { reportCommand } from '../../src/cli/report.js';
import { createAppLog } from '../../src/log/app-log.js';
import { renderRules } from '../../src/rules/generate.js';
import type { Sidecar } from '../../src/sidecar.js';
import { formatMonth, monthOf, monthRange } from '../../src/slo/period.js';
import { buildMonthlyReport } from '../../src/slo/report.js';
import { reportJson } from '../../src/slo/report-render.js';
import { configBucketBounds } from '../../src/telemetry/buckets.js';
import type { MinuteRollup } from '../../src/telemetry/rollup.js';
import { DAY_MS, MINUTE_MS } from '../../src/time.js';
import { repoRoot } from '../helpers/paths.js';
import { loopbackConfig, startLoopbackSidecar } from '../helpers/sidecar.js';
import { requireTool } from '../helpers/tools.js';
import { startUpstream, type Upstream } from '../proxy/harness.js';
import { pollUntil, type RunningPrometheus, startPrometheus } from './fleet-harness.js';

const CONFIG = `upstream: http://127.0.0.1:9
alerting: { min_requests: 1 }
classes:
  transaction-critical: { availability: 80% }
categories:
  payment-request: { class: transaction-critical }
routes:
  - { name: create-payment, method: POST, path: /v1/payments, category: payment-request, latency: { p99: 500ms }, payment_method: card }
slos:
  - name: payments-uptime
    sli: availability
    method: timeslices
    objective: 99.5%
    over: { class: transaction-critical }
`;
const AVAILABILITY = 'payment-request-availability';
const LATENCY = 'create-payment-latency';
/** The upstream holds a `slow` request's headers this long: above the 500 ms objective. */
const SLOW_MS = 800;

let upstream: Upstream;
let replicas: Sidecar[] = [];
let prom: RunningPrometheus | undefined;
const configFile = join(mkdtempSync(join(tmpdir(), 'sloprobe-fleet-')), 'fleet.yaml');

before(async () => {
  writeFileSync(configFile, CONFIG);
  upstream = await startUpstream((req, res) => {
    req.resume();
    req.on('end', () => {
      const fault = req.headers['x-fault'];
      if (fault === '500') {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{}');
      } else if (fault === 'slow') {
        // The injected slowness is the behaviour under test, not a synchronisation.
        setTimeout(() => res.writeHead(201, { 'content-type': 'application/json' }).end('{}'), SLOW_MS);
      } else {
        res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
      }
    });
  });
  for (let i = 0; i < 2; i++) {
    const config = loopbackConfig(CONFIG, 'fleet.yaml', { upstream: upstream.url });
    replicas.push(
      await startLoopbackSidecar(config, { log: createAppLog({ destination: new PassThrough() }) }),
    );
  }
});

after(async () => {
  await prom?.close();
  for (const r of replicas) await r.close(1000);
  replicas = [];
  await upstream?.close();
});

/** What the test's client saw, per replica. */
interface Counted {
  good: number;
  bad: number;
  slow: number;
}

let serial = 0;
async function send(s: Sidecar, fault: 'none' | '500' | 'slow', counted: Counted): Promise<void> {
  // A distinct body per request: the timeslice SLO counts repeated identical requests once.
  const res = await request(`http://127.0.0.1:${s.proxyAddress.port}/v1/payments`, {
    method: 'POST',
    body: JSON.stringify({ n: serial++ }),
    headers: { 'content-type': 'application/json', 'x-fault': fault },
  });
  await res.body.dump();
  if (res.statusCode >= 500) counted.bad++;
  else counted.good++;
  if (fault === 'slow') counted.slow++;
}

async function traffic(
  s: Sidecar,
  good: number,
  failing: number,
  slow: number,
  counted: Counted,
): Promise<void> {
  // Failures spread among the good requests, slow ones concurrently.
  const slowOnes = Array.from({ length: slow }, () => send(s, 'slow', counted));
  const n = good + failing;
  const step = Math.max(1, Math.floor(n / Math.max(1, failing)));
  let failed = 0;
  for (let i = 0; i < n; i++) {
    const fail = failed < failing && i % step === 0;
    if (fail) failed++;
    await send(s, fail ? '500' : 'none', counted);
  }
  await Promise.all(slowOnes);
}

async function value(query: string): Promise<number | undefined> {
  const r = await prom!.api.query(query);
  return r.length === 1 ? Number(r[0]!.value[1]) : undefined;
}

interface SloJson {
  name: string;
  requests: number;
  good: number;
  bad: number;
}

async function replicaSlo(s: Sidecar, name: string): Promise<SloJson> {
  s.slo!.tick();
  const res = await request(`http://127.0.0.1:${s.adminAddress.port}/v1/slos`);
  const doc = (await res.body.json()) as { slos: SloJson[] };
  const found = doc.slos.find((x) => x.name === name);
  assert.ok(found, `${name} in /v1/slos`);
  return found;
}

test('a real Prometheus sums two replicas: fleet SLI, budget, dashboard queries and report --prometheus', async (t) => {
  const prometheus = requireTool(t, 'prometheus', 'apt-get install prometheus');
  if (!prometheus) return;
  const [a, b] = replicas as [Sidecar, Sidecar];
  const cfg = a.config;
  const rules = renderRules(cfg, 'prometheus', {
    version: 'test',
    selector: [{ name: 'job', op: '=', value: 'payments' }],
  });
  prom = await startPrometheus(
    prometheus,
    replicas.map((r) => `127.0.0.1:${r.adminAddress.port}`),
    rules,
  );

  // Priming: one good and one failed request per replica, seen by Prometheus before the
  // measured traffic, so that every request series exists before it moves (increase()
  // cannot count what a series held before its first scrape).
  const ca: Counted = { good: 0, bad: 0, slow: 0 };
  const cb: Counted = { good: 0, bad: 0, slow: 0 };
  for (const [s, c] of [
    [a, ca],
    [b, cb],
  ] as const) {
    await send(s, 'none', c);
    await send(s, '500', c);
  }
  const series = await pollUntil(
    () => value('count(sloprobe_requests_total{job="payments"})'),
    (n) => n === 4,
  );
  assert.equal(series, 4, `both replicas' good and bad series scraped\n${prom.output()}`);

  await traffic(a, 60, 12, 3, ca);
  await traffic(b, 40, 4, 1, cb);
  // Hand count: A 1 + 60 + 3 = 64 good, 1 + 12 = 13 bad; B 1 + 40 + 1 = 42 good, 1 + 4 = 5 bad.
  assert.deepEqual(ca, { good: 64, bad: 13, slow: 3 });
  assert.deepEqual(cb, { good: 42, bad: 5, slow: 1 });
  const valid = ca.good + ca.bad + cb.good + cb.bad; // 124
  const bad = ca.bad + cb.bad; // 18
  const slow = ca.slow + cb.slow; // 4

  // Each replica's own engine sees its half only.
  for (const [s, c] of [
    [a, ca],
    [b, cb],
  ] as const) {
    const own = await replicaSlo(s, AVAILABILITY);
    assert.equal(own.requests, c.good + c.bad);
    assert.equal(own.bad, c.bad);
    const lat = await replicaSlo(s, LATENCY);
    assert.equal(lat.bad, c.slow);
  }

  // The raw counters, summed across replicas, are exact once the last scrape is in.
  const total = await pollUntil(
    () => value('sum(sloprobe_requests_total{job="payments",outcome=~"good|bad"})'),
    (n) => n === valid,
  );
  assert.equal(total, valid);
  assert.equal(await value('sum(sloprobe_requests_total{job="payments",outcome="bad"})'), bad);
  const perInstance = await prom.api.query(
    'sum by (instance) (sloprobe_requests_total{job="payments",outcome="bad"})',
  );
  assert.deepEqual(
    perInstance.map((s) => Number(s.value[1])).sort((x, y) => x - y),
    [cb.bad, ca.bad],
  );

  // The per-method counters carry the same requests: every request of the one route is `card`.
  const cardTotal = await pollUntil(
    () =>
      value(
        'sum(sloprobe_payment_method_requests_total{job="payments",payment_method="card",outcome=~"good|bad"})',
      ),
    (n) => n === valid,
  );
  assert.equal(cardTotal, valid);
  assert.equal(
    await value(
      'sum(sloprobe_payment_method_requests_total{job="payments",payment_method="card",outcome="bad"})',
    ),
    bad,
  );

  // The recorded fleet SLI: 18 / 124 = 0.14516 bad (availability), 4 / 124 = 0.03226 slow
  // (latency). increase() extrapolates each counter to the window's edges by up to a scrape
  // interval, which moves a ratio of these few requests by a few percent: 5% relative is
  // allowed (the exact figures are the raw sums above and report --prometheus below).
  const near = (got: number | undefined, want: number) =>
    got !== undefined && Math.abs(got - want) <= 0.05 * want;
  // Per method: card's fleet ratio is the route's, 18 / 124, and its budget remaining
  // 1 - 0.14516 / 0.2 = 0.27419 (the objective of `card` is its one route's 80%).
  const cardRatio = await pollUntil(
    () => value('sloprobe:payment_method_error:ratio_rate30d{payment_method="card"}'),
    (v) => near(v, bad / valid),
  );
  assert.ok(
    near(cardRatio, bad / valid),
    `card: fleet error ratio ${cardRatio}, combined traffic gives ${bad / valid}`,
  );
  const cardRemaining = await pollUntil(
    () => value('sloprobe:payment_method_period_error_budget_remaining:ratio{payment_method="card"}'),
    (v) => v !== undefined && Math.abs(v - (1 - bad / valid / 0.2)) <= (0.05 * bad) / valid / 0.2,
  );
  assert.ok(
    cardRemaining !== undefined &&
      Math.abs(cardRemaining - (1 - bad / valid / 0.2)) <= (0.05 * bad) / valid / 0.2,
    `card: budget remaining ${cardRemaining}, combined traffic gives ${1 - bad / valid / 0.2}`,
  );

  for (const [slo, want] of [
    [AVAILABILITY, bad / valid],
    [LATENCY, slow / valid],
  ] as const) {
    const ratio = await pollUntil(
      () => value(`slo:sli_error:ratio_rate30d{sloth_slo="${slo}"}`),
      (v) => near(v, want),
    );
    assert.ok(near(ratio, want), `${slo}: fleet error ratio ${ratio}, combined traffic gives ${want}`);
    // Budget remaining = 1 - ratio / (1 - objective): for availability 1 - 0.14516 / 0.2 =
    // 0.27419; for latency 1 - 0.03226 / 0.01 = -2.226 (overspent).
    const budget = slo === AVAILABILITY ? 0.2 : 0.01;
    const remaining = await pollUntil(
      () => value(`slo:period_error_budget_remaining:ratio{sloth_slo="${slo}"}`),
      (v) => v !== undefined && Math.abs(v - (1 - want / budget)) <= (0.05 * want) / budget,
    );
    assert.ok(
      remaining !== undefined && Math.abs(remaining - (1 - want / budget)) <= (0.05 * want) / budget,
      `${slo}: budget remaining ${remaining}, combined traffic gives ${1 - want / budget}`,
    );
  }

  // The timeslice rules on real scrapes: the burst's minute had 18 HTTP 500 of 124 requests
  // (14.5% > 5%), a Downtime minute; one minute is no Downtime Period (ten are needed).
  const uptime = '{sloth_slo="payments-uptime"}';
  const downMinute = await pollUntil(
    () => value(`max_over_time(sloprobe:timeslice_downtime_minute:bool${uptime}[5m])`),
    (v) => v === 1,
  );
  assert.equal(downMinute, 1, 'a Downtime minute was recorded');
  assert.equal(await value(`max_over_time(sloprobe:timeslice_downtime_period:bool${uptime}[5m])`), 0);

  // Every query of the dashboard: no error, and data with traffic present.
  const dashboard = JSON.parse(
    readFileSync(join(repoRoot, 'deploy', 'grafana', 'sloprobe-fleet.json'), 'utf8'),
  ) as {
    panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
  };
  let queries = 0;
  for (const panel of dashboard.panels) {
    for (const target of panel.targets ?? []) {
      const expr = target.expr
        .replaceAll('$service', 'sloprobe')
        .replaceAll('$category', '.*')
        .replaceAll('$class', '.*')
        .replaceAll('$job', 'payments')
        .replaceAll('$payment_method', '.*')
        .replaceAll('$__rate_interval', '1m');
      const result = await pollUntil(
        () => prom!.api.query(expr),
        (r) => r.length > 0,
        15_000,
      );
      assert.ok(result.length > 0, `dashboard panel "${panel.title}": ${expr} returned nothing`);
      queries++;
    }
  }
  assert.ok(queries >= 14, `${queries} dashboard queries ran`);

  // report --prometheus against the report of both stores added together.
  const now = Date.now();
  const month = formatMonth(monthOf(now, 'UTC'));
  const out: string[] = [];
  const err: string[] = [];
  const code = await reportCommand(
    [
      '--config',
      configFile,
      '--prometheus',
      prom.url,
      '--selector',
      '{job="payments"}',
      '--month',
      month,
      '--format',
      'json',
    ],
    {
      stdout: { write: (x: string) => out.push(x) },
      stderr: { write: (x: string) => err.push(x) },
      now: () => now,
    },
  );
  assert.equal(code, 0, err.join(''));
  const fromPrometheus = JSON.parse(out.join('')) as { slos: Array<Record<string, unknown>> };

  const range = monthRange(monthOf(now, 'UTC'), 'UTC');
  const from = Math.floor((range.startMs - DAY_MS) / MINUTE_MS);
  const to = Math.ceil((range.endMs + DAY_MS) / MINUTE_MS);
  const summed = new Map<string, MinuteRollup>();
  for (const s of replicas) {
    s.slo!.tick();
    for (const r of s.slo!.store.readRollups(from, to)) {
      const k = `${r.minute}/${r.route}`;
      const prev = summed.get(k);
      summed.set(k, prev ? addRollups(prev, r) : r);
    }
  }
  const fromStores = reportJson(
    buildMonthlyReport(cfg, [...summed.values()], month, configBucketBounds(cfg), undefined, {
      generatedAtMs: now,
    }),
  ) as { slos: Array<Record<string, unknown>> };
  // A burst near a minute mark may be filed under a neighbouring minute (Prometheus files
  // counts under the minute of the scrape), which can move an intermittent Downtime minute;
  // everything else must be equal.
  const comparable = (slos: Array<Record<string, unknown>>) =>
    slos.map(({ intermittent_downtime_minutes: _ignored, ...rest }) => rest);
  assert.deepEqual(comparable(fromPrometheus.slos), comparable(fromStores.slos));
  const avail = fromPrometheus.slos.find((s) => s.name === AVAILABILITY)!;
  assert.equal(avail.bad, bad);
  assert.equal(avail.good, valid - bad);
});

function addRollups(x: MinuteRollup, y: MinuteRollup): MinuteRollup {
  return {
    minute: x.minute,
    route: x.route,
    total: x.total + y.total,
    good: x.good + y.good,
    bad: x.bad + y.bad,
    excluded: x.excluded + y.excluded,
    slow: x.slow + y.slow,
    errors: x.errors + y.errors,
    distinct: x.distinct + y.distinct,
    buckets: x.buckets.map((v, i) => v + (y.buckets[i] ?? 0)),
  };
}
