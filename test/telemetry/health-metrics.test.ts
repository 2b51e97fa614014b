/**
 * The sidecar reports its own health on /metrics (README, Metrics): each counter is read from
 * the part that keeps it, written by the one Prometheus writer, and checked with the real
 * `promtool`. The parts are real and are made to fail the way they fail in production: a
 * sink that throws, a store locked by another process, an access-log destination that
 * cannot keep up, rollups the SLO engine cannot place.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { request } from 'undici';
import { createAccessLog } from '../../src/log/access-log.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { SloEngine } from '../../src/slo/engine.js';
import { DB_FILE } from '../../src/store/open.js';
import { Store } from '../../src/store/store.js';
import { type HealthSources, MetricsEndpoint } from '../../src/telemetry/metrics.js';
import { Recorder } from '../../src/telemetry/recorder.js';
import { openFifo } from '../helpers/fifo.js';
import { parseSamples, type Sample, sum } from '../helpers/prom.js';
import { loopbackConfig, startLoopbackSidecar } from '../helpers/sidecar.js';
import { requireTool } from '../helpers/tools.js';
import { echo, send, startUpstream, TIMEOUTS } from '../proxy/harness.js';
import { availabilitySlo, BOUNDS, config, route } from '../slo/builders.js';
import { captureLog, rollup, storeConfig, tempDir } from '../store/fixtures.js';
import { obs, seedRoutes } from './fixtures.js';

async function scrape(endpoint: MetricsEndpoint): Promise<Sample[]> {
  return parseSamples(await endpoint.render());
}

function value(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  assert.equal(found.length, 1, `one sample of ${name} ${JSON.stringify(labels)}`);
  return found[0]!.value;
}

function promtoolCheck(t: TestContext, text: string): void {
  const promtool = requireTool(t, 'promtool', 'apt-get install prometheus');
  if (promtool === undefined) return;
  const res = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(`${res.stdout}${res.stderr}`, '');
  assert.equal(res.status, 0);
}

/** One route `orders` covered by one availability SLO. */
function engine(): SloEngine {
  const cfg = config({
    routes: [route('orders', 'payment-request')],
    slos: [availabilitySlo('payment-request', ['orders'])],
  });
  return new SloEngine(cfg, { bucketBoundsSeconds: BOUNDS });
}

const M0 = 29_000_000; // a minute in 2025, epoch minutes

describe('the sidecar reports its own health', () => {
  it('counts a sink that throws, through a real proxy', async (t) => {
    const up = await startUpstream(echo);
    const proxy = new ProxyServer({
      upstream: up.url,
      timeouts: TIMEOUTS,
      lookup: () => 0,
      routeTimeoutMs: () => undefined,
      sink: {
        observe() {
          throw new Error('recorder broke');
        },
      },
    });
    const warned = new Promise((resolve) => process.once('warning', resolve));
    const { port } = await proxy.listen('127.0.0.1', 0);
    t.after(async () => {
      await proxy.close(1000);
      await up.close();
    });
    assert.equal((await send(port, { path: '/v1/payments' })).status, 200);
    await warned; // the proxy warns on the first sink error, after counting it
    const m = new MetricsEndpoint({
      recorder: new Recorder(seedRoutes()),
      processMetrics: false,
      health: { proxy },
    });
    const s = await scrape(m);
    // One request, its one observation thrown on.
    assert.equal(value(s, 'sloprobe_observation_sink_errors_total'), 1);
    assert.equal(value(s, 'sloprobe_upstream_retries_total'), 0);
  });

  it('counts failed store writes (the database locked by another process) and the rows waiting', async (t) => {
    const dir = tempDir(t);
    const store = Store.open(storeConfig(dir), captureLog().log);
    t.after(() => store.close());
    const m = new MetricsEndpoint({
      recorder: new Recorder(seedRoutes()),
      processMetrics: false,
      health: { store },
    });
    store.writeRollups([rollup(M0, 'a', 1)]);
    const other = new Database(join(dir, DB_FILE));
    other.exec('BEGIN IMMEDIATE'); // holds the write lock, as a stuck writer would
    store.writeRollups([rollup(M0 + 1, 'a', 2), rollup(M0 + 1, 'b', 5)]);
    store.writeRollups([rollup(M0 + 2, 'a', 3)]);
    let s = await scrape(m);
    // Two writes failed; their rows (a@M0+1, b@M0+1, a@M0+2) wait in memory.
    assert.equal(value(s, 'sloprobe_store_write_failures_total'), 2);
    assert.equal(value(s, 'sloprobe_store_pending_rows'), 3);
    assert.equal(value(s, 'sloprobe_store_dropped_rows_total'), 0);
    other.exec('ROLLBACK');
    other.close();
    store.writeRollups([]);
    s = await scrape(m);
    // The retry succeeded: nothing waits, and the failures stay counted (a counter, not the streak).
    assert.equal(value(s, 'sloprobe_store_pending_rows'), 0);
    assert.equal(value(s, 'sloprobe_store_write_failures_total'), 2);
    promtoolCheck(t, await m.render());
  });

  it('counts access-log lines a destination could not keep up with', async (t) => {
    const dir = tempDir(t, 'sloprobe-health-');
    // A pipe whose reader does not read yet: 64 KiB in the pipe, 100 KiB waiting, the rest dropped.
    const fifo = openFifo(t, dir);
    if (fifo === undefined) return;
    const accessLog = createAccessLog({ kind: 'file', path: fifo.path }, seedRoutes(), {
      maxBufferBytes: 100 * 1024,
    });
    const n = 2000;
    for (let i = 0; i < n; i++) accessLog.observe(obs({ requestId: `r${i}` }));
    accessLog.flush();
    await accessLog.close();
    const text = fifo.readAvailable();
    const written = text === '' ? 0 : text.trimEnd().split('\n').length;
    assert.ok(written > 0 && written < n, `${written} of ${n} lines written`);
    const m = new MetricsEndpoint({
      recorder: new Recorder(seedRoutes()),
      processMetrics: false,
      health: { accessLog },
    });
    // Every observation is either a line in the pipe or a dropped line.
    assert.equal(value(await scrape(m), 'sloprobe_access_log_dropped_lines_total'), n - written);
  });

  it('exports the SLO engine counters by result', async (t) => {
    const e = engine();
    e.ingest([
      rollup(M0, 'orders', 10), // new: ingested
      rollup(M0 + 1, 'orders', 10), // new: ingested
      rollup(M0 + 1, 'orders', 12), // the in-progress minute re-sent: replaced
      rollup(M0, 'refunds', 1), // no such route: unknown_route
      rollup(-1, 'orders', 1), // not a minute: invalid
    ]);
    const m = new MetricsEndpoint({
      recorder: new Recorder(seedRoutes()),
      processMetrics: false,
      health: { engine: e },
    });
    const s = await scrape(m);
    const result = (r: string) => value(s, 'sloprobe_engine_rollups_total', { result: r });
    assert.equal(result('ingested'), 2);
    assert.equal(result('replaced'), 1);
    assert.equal(result('unknown_route'), 1);
    assert.equal(result('invalid'), 1);
    assert.equal(result('too_old'), 0);
    assert.equal(result('stale_resend'), 0);
    assert.equal(value(s, 'sloprobe_engine_transition_errors_total'), 0);
    promtoolCheck(t, await m.render());
  });

  it('keeps counting across a reload: what replaced parts counted is carried, a kept part is not counted twice', async (t) => {
    const dir = tempDir(t);
    const store = Store.open(storeConfig(dir), captureLog().log);
    t.after(() => store.close());
    const other = new Database(join(dir, DB_FILE));
    other.exec('BEGIN IMMEDIATE');
    store.writeRollups([rollup(M0, 'a', 1)]); // one failed write, before the reload
    const first = engine();
    first.ingest([rollup(M0, 'orders', 1), rollup(M0 + 1, 'orders', 1), rollup(M0 + 2, 'orders', 1)]);
    const health = (e: SloEngine): HealthSources => ({ engine: e, store });
    const m = new MetricsEndpoint({
      recorder: new Recorder(seedRoutes()),
      processMetrics: false,
      health: health(first),
    });
    assert.equal(value(await scrape(m), 'sloprobe_engine_rollups_total', { result: 'ingested' }), 3);

    const second = engine(); // a reload builds a new engine; the store is handed over
    m.swap(new Recorder(seedRoutes()), [], health(second));
    second.ingest([rollup(M0 + 3, 'orders', 1), rollup(M0 + 4, 'orders', 1)]);
    store.writeRollups([]); // a second failed write, after the reload
    other.exec('ROLLBACK');
    other.close();
    const s = await scrape(m);
    // 3 rollups ingested by the first engine + 2 by the second.
    assert.equal(value(s, 'sloprobe_engine_rollups_total', { result: 'ingested' }), 5);
    // The same store object counted both failures; carrying it too would say 3.
    assert.equal(value(s, 'sloprobe_store_write_failures_total'), 2);
  });

  it('a running sidecar exports every health family, zero when healthy, and passes promtool', async (t) => {
    const up = await startUpstream(echo);
    const cfg = loopbackConfig(
      `upstream: http://127.0.0.1:9
classes: { transaction-critical: { availability: 99% } }
categories: { payment-request: { class: transaction-critical } }
routes:
  - { name: payments, method: POST, path: /v1/payments, category: payment-request }
`,
      'health.yaml',
      { upstream: up.url },
    );
    const sidecar = await startLoopbackSidecar(cfg);
    t.after(async () => {
      await sidecar.close(1000);
      await up.close();
    });
    assert.equal(
      (await send(sidecar.proxyAddress.port, { method: 'POST', path: '/v1/payments', body: '{}' })).status,
      200,
    );
    const res = await request(`http://127.0.0.1:${sidecar.adminAddress.port}/metrics`);
    const text = await res.body.text();
    const s = parseSamples(text);
    for (const name of [
      'sloprobe_observation_sink_errors_total',
      'sloprobe_upstream_retries_total',
      'sloprobe_rollups_dropped_total',
      'sloprobe_access_log_dropped_lines_total',
      'sloprobe_store_write_failures_total',
      'sloprobe_store_dropped_rows_total',
      'sloprobe_store_pending_rows',
      'sloprobe_engine_transition_errors_total',
      'sloprobe_slo_evaluation_failures_total',
    ]) {
      assert.equal(value(s, name), 0, name);
    }
    assert.equal(sum(s, 'sloprobe_engine_rollups_total', { result: 'unknown_route' }), 0);
    promtoolCheck(t, text);
  });
});
