import assert from 'node:assert/strict';
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { MetricsEndpoint } from '../../src/telemetry/metrics.js';
import { Recorder } from '../../src/telemetry/recorder.js';
import { requireTool } from '../helpers/tools.js';
import { find, one, parseExposition } from './exposition-parser.js';
import { obs, route, seedRoutes, T0 } from './fixtures.js';

const HPP = { route: 'hpp-create-session', category: 'payment-request', class: 'transaction-critical' };

async function scrape(recorder: Recorder, nowMs = T0 + 60_000): Promise<string> {
  return new MetricsEndpoint({ recorder, version: '0.1.0', now: () => nowMs }).render();
}

function trafficRecorder(): Recorder {
  const r = new Recorder(seedRoutes());
  // 7 good and 3 bad, at 150 ms and 250 ms around the 200 ms objective (docs/sla-definitions.md#latency-objectives: "Create
  // payment Session ... /hpp/v1/sessions (POST) | 200ms").
  for (let i = 0; i < 7; i++) r.observe(obs({ status: 201, sliMs: i < 4 ? 150 : 250, startMs: T0 + i }));
  r.observe(obs({ status: 503, sliMs: 150 }));
  r.observe(obs({ status: 502, errorReason: 'refused', sliMs: null, durationMs: 1 }));
  r.observe(obs({ status: 504, errorReason: 'timeout_headers', sliMs: null, durationMs: 30_000 }));
  r.observe(obs({ status: 0, clientAborted: true, sliMs: null, durationMs: 5 }));
  r.observe(obs({ routeIndex: 7, method: 'PROPFIND', path: '/nowhere', status: 404 }));
  return r;
}

describe('metrics exposition', () => {
  it('passes `promtool check metrics` with traffic, odd label values and empty routes', async (t) => {
    const promtool = requireTool(t, 'promtool', 'apt-get install prometheus');
    if (promtool === undefined) return;
    const r = trafficRecorder();
    const weird = new Recorder([route(0, 'a "quoted" \\ route\nwith newline', { p99Ms: 300 })]);
    weird.observe(obs({ sliMs: 1 }));
    for (const text of [await scrape(r), await scrape(weird), await scrape(new Recorder(seedRoutes()))]) {
      const res: SpawnSyncReturns<string> = spawnSync(promtool, ['check', 'metrics'], {
        input: text,
        encoding: 'utf8',
      });
      assert.equal(`${res.stdout}${res.stderr}`, '');
      assert.equal(res.status, 0);
    }
  });

  it('counts 7 good and 3 bad requests exactly, and one excluded apart', async () => {
    const e = parseExposition(await scrape(trafficRecorder()));
    assert.equal(e.types.get('sloprobe_requests_total'), 'counter');
    const good = find(e, 'sloprobe_requests_total', { ...HPP, outcome: 'good' });
    const bad = find(e, 'sloprobe_requests_total', { ...HPP, outcome: 'bad' });
    assert.equal(
      good.reduce((a, s) => a + s.value, 0),
      7,
    );
    assert.equal(
      bad.reduce((a, s) => a + s.value, 0),
      3,
    );
    assert.equal(
      one(e, 'sloprobe_requests_total', { ...HPP, method: 'POST', code: '201', outcome: 'good' }),
      7,
    );
    assert.equal(one(e, 'sloprobe_requests_total', { ...HPP, code: '503', outcome: 'bad' }), 1);
    assert.equal(one(e, 'sloprobe_requests_total', { ...HPP, code: '502', outcome: 'bad' }), 1);
    assert.equal(one(e, 'sloprobe_requests_total', { ...HPP, code: '504', outcome: 'bad' }), 1);
    assert.equal(one(e, 'sloprobe_requests_total', { ...HPP, code: '0', outcome: 'excluded' }), 1);
  });

  it('puts unmatched traffic on one route, category unclassified, odd methods as OTHER', async () => {
    const e = parseExposition(await scrape(trafficRecorder()));
    assert.equal(
      one(e, 'sloprobe_requests_total', {
        route: 'unmatched',
        category: 'unclassified',
        method: 'OTHER',
        code: '404',
        outcome: 'good',
      }),
      1,
    );
    assert.equal(find(e, 'sloprobe_requests_total', { route: '/nowhere' }).length, 0);
  });

  it('has an le="0.2" bucket holding exactly the requests at or under the 200 ms objective', async () => {
    const e = parseExposition(await scrape(trafficRecorder()));
    const name = 'sloprobe_request_sli_latency_seconds';
    assert.equal(e.types.get(name), 'histogram');
    // 150 ms: four 201s and the 503; 250 ms: three 201s; refused at 1 ms; a 30 s timeout.
    assert.equal(one(e, `${name}_bucket`, { ...HPP, le: '0.2' }), 6);
    assert.equal(one(e, `${name}_bucket`, { ...HPP, le: '0.25' }), 9);
    assert.equal(one(e, `${name}_bucket`, { ...HPP, le: '+Inf' }), 10);
    assert.equal(one(e, `${name}_count`, HPP), 10, 'the excluded request has no SLI latency');
    for (const le of ['0.8', '1', '4', '5', '6'])
      assert.equal(find(e, `${name}_bucket`, { ...HPP, le }).length, 1);
    const sum = one(e, `${name}_sum`, HPP);
    assert.ok(Math.abs(sum - (5 * 0.15 + 3 * 0.25 + 0.001 + 30)) < 1e-9, `${sum}`);
  });

  it('exposes buckets cumulatively and ordered, and idle routes with zeros', async () => {
    const e = parseExposition(await scrape(trafficRecorder()));
    for (const name of ['sloprobe_request_sli_latency_seconds', 'sloprobe_request_duration_seconds']) {
      const buckets = find(e, `${name}_bucket`, { route: 'disputes' });
      assert.ok(buckets.length > 10);
      assert.ok(buckets.every((b) => b.value === 0));
      const hpp = find(e, `${name}_bucket`, HPP).map((b) => b.value);
      for (let i = 1; i < hpp.length; i++) assert.ok(hpp[i]! >= hpp[i - 1]!);
    }
    assert.equal(one(e, 'sloprobe_request_duration_seconds_count', HPP), 11, 'total time of every request');
  });

  it('exports HDR quantiles per route and window, and none for an empty window', async () => {
    const r = new Recorder(seedRoutes());
    for (let ms = 1; ms <= 100; ms++) r.observe(obs({ sliMs: ms, startMs: T0 + 1000, durationMs: ms }));
    const e = parseExposition(await scrape(r, T0 + 20_000));
    assert.equal(e.types.get('sloprobe_route_latency_seconds'), 'summary');
    const p99 = one(e, 'sloprobe_route_latency_seconds', {
      route: 'hpp-create-session',
      quantile: '0.99',
      window: '1m',
    });
    assert.ok(Math.abs(p99 - 0.099) < 0.0001, `${p99}`);
    for (const q of ['0.5', '0.9', '0.99', '0.999']) {
      for (const w of ['1m', '5m', 'all']) {
        assert.equal(
          find(e, 'sloprobe_route_latency_seconds', { route: 'hpp-create-session', quantile: q, window: w })
            .length,
          1,
        );
      }
    }
    assert.equal(find(e, 'sloprobe_route_latency_seconds', { route: 'disputes' }).length, 0);
  });

  it('counts upstream errors by reason, with zeros for the others', async () => {
    const e = parseExposition(await scrape(trafficRecorder()));
    assert.equal(
      one(e, 'sloprobe_upstream_errors_total', { route: 'hpp-create-session', reason: 'refused' }),
      1,
    );
    assert.equal(
      one(e, 'sloprobe_upstream_errors_total', { route: 'hpp-create-session', reason: 'timeout_headers' }),
      1,
    );
    assert.equal(
      one(e, 'sloprobe_upstream_errors_total', { route: 'hpp-create-session', reason: 'reset' }),
      0,
    );
  });

  it('includes process metrics, build info, route count and recording errors', async () => {
    const r = new Recorder(seedRoutes(), { onError: () => {} });
    r.observe(obs({ routeIndex: 42 }));
    const e = parseExposition(await scrape(r));
    assert.ok(find(e, 'process_cpu_user_seconds_total').length === 1);
    assert.equal(one(e, 'sloprobe_build_info', { version: '0.1.0' }), 1);
    assert.equal(one(e, 'sloprobe_config_routes'), 7);
    assert.equal(one(e, 'sloprobe_recording_errors_total'), 1);
    for (const [name, type] of e.types) {
      assert.ok(e.helps.has(name), `HELP for ${name}`);
      assert.ok(type.length > 0);
    }
  });

  it('appends extra renderers, and survives one that throws', async () => {
    const errors: unknown[] = [];
    const endpoint = new MetricsEndpoint({
      recorder: new Recorder(seedRoutes()),
      processMetrics: false,
      onError: (err) => errors.push(err),
      renderers: [
        () =>
          '# HELP sloprobe_slo_objective_ratio x\n# TYPE sloprobe_slo_objective_ratio gauge\nsloprobe_slo_objective_ratio{slo="a",sli="availability"} 0.99',
      ],
    });
    endpoint.addRenderer(() => {
      throw new Error('broken renderer');
    });
    const text = await endpoint.render();
    assert.ok(text.endsWith('0.99\n'));
    assert.equal(one(parseExposition(text), 'sloprobe_slo_objective_ratio', { slo: 'a' }), 0.99);
    assert.equal(errors.length, 1);
  });
});
