/**
 * A config reload must not look like a restart to Prometheus: a counter that goes down is
 * read as a reset, and `rate()`/`increase()` then lose what was counted between the last
 * scrape and the reload. Every series a reload keeps (same route, category and class) must
 * keep counting from where it was; series whose labels changed start from zero.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import type { ResolvedConfig } from '../../src/config/types.js';
import type { Sidecar } from '../../src/sidecar.js';
import { parseSamples, type Sample, sum } from '../helpers/prom.js';
import { loopbackConfig, startLoopbackSidecar } from '../helpers/sidecar.js';
import { startFlakyUpstream } from '../proxy/harness.js';

const HEAD = `upstream: http://127.0.0.1:9
classes:
  transaction-critical: { availability: 99% }
  transaction-services: { availability: 99.5% }
categories:
  payment-request: { class: transaction-critical }
  refunds: { class: transaction-services }
routes:
  - { name: payments, method: POST, path: /v1/payments, category: payment-request, latency: { p99: 500ms } }
`;
const BEFORE = `${HEAD}  - { name: refunds, method: POST, path: /v1/refunds, category: payment-request }\n`;
// refunds moves to another category (new series); voids is new; the bucket bounds stay.
const AFTER = `${HEAD}  - { name: refunds, method: POST, path: /v1/refunds, category: refunds }
  - { name: voids, method: POST, path: /v1/voids, category: refunds }
`;
// A new latency objective adds a bucket bound: the histograms' le series change.
const NEW_BOUND = `${AFTER}  - { name: captures, method: POST, path: /v1/captures, category: payment-request, latency: { p99: 1234ms } }\n`;

let upstream: Awaited<ReturnType<typeof startFlakyUpstream>>;
before(async () => {
  upstream = await startFlakyUpstream();
});
after(async () => {
  await upstream.close();
});

function config(yaml: string): ResolvedConfig {
  return loopbackConfig(yaml, 'reload.yaml', { upstream: upstream.url });
}

async function post(s: Sidecar, path: string, n: number, failing = 0): Promise<void> {
  upstream.failNext = failing;
  for (let i = 0; i < n; i++) {
    const res = await request(`http://127.0.0.1:${s.proxyAddress.port}${path}`, {
      method: 'POST',
      body: '{}',
    });
    await res.body.dump();
  }
}

async function scrape(s: Sidecar): Promise<Sample[]> {
  const res = await request(`http://127.0.0.1:${s.adminAddress.port}/metrics`);
  return parseSamples(await res.body.text());
}

/** Counter-like samples of the recorder's families, keyed by name and labels. */
function cumulative(samples: readonly Sample[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (
      !/^sloprobe_(requests_total|upstream_errors_total|request_(sli_latency|duration)_seconds_(bucket|sum|count))$/.test(
        s.name,
      )
    )
      continue;
    const labels = Object.entries(s.labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    out.set(`${s.name}{${labels}}`, s.value);
  }
  return out;
}

function assertNoDecrease(before: Map<string, number>, after: Map<string, number>): number {
  let kept = 0;
  for (const [series, value] of before) {
    const next = after.get(series);
    if (next === undefined) continue;
    kept++;
    assert.ok(next >= value, `${series} went from ${value} to ${next}: Prometheus would read a reset`);
  }
  return kept;
}

test('a reload keeps every unchanged series counting; changed labels start new series', async () => {
  const s = await startLoopbackSidecar(config(BEFORE));
  try {
    await post(s, '/v1/payments', 5, 2);
    await post(s, '/v1/refunds', 3);
    await post(s, '/v1/nowhere', 1);
    const first = await scrape(s);

    await s.reload(config(AFTER));
    const second = await scrape(s);
    const kept = assertNoDecrease(cumulative(first), cumulative(second));
    assert.ok(kept > 20, `expected the payments and unmatched series to be kept, got ${kept}`);
    assert.equal(sum(second, 'sloprobe_requests_total', { route: 'payments' }), 5);
    assert.equal(sum(second, 'sloprobe_requests_total', { route: 'payments', outcome: 'bad' }), 2);
    assert.equal(sum(second, 'sloprobe_request_sli_latency_seconds_count', { route: 'payments' }), 5);
    assert.equal(sum(second, 'sloprobe_requests_total', { route: 'unmatched' }), 1);
    // refunds changed category: its old series are gone and the new ones start at zero.
    assert.equal(
      sum(second, 'sloprobe_requests_total', { route: 'refunds', category: 'payment-request' }),
      0,
    );
    assert.equal(sum(second, 'sloprobe_requests_total', { route: 'refunds' }), 0);

    await post(s, '/v1/payments', 1);
    await post(s, '/v1/refunds', 1);
    const third = await scrape(s);
    assert.equal(sum(third, 'sloprobe_requests_total', { route: 'payments' }), 6);
    assert.equal(sum(third, 'sloprobe_request_duration_seconds_count', { route: 'payments' }), 6);
    assert.equal(sum(third, 'sloprobe_requests_total', { route: 'refunds', category: 'refunds' }), 1);

    // A new bucket bound: the request counters still continue, the histograms start again
    // (their le series changed, so Prometheus sees new series, not a reset).
    await s.reload(config(NEW_BOUND));
    const fourth = await scrape(s);
    assert.equal(sum(fourth, 'sloprobe_requests_total', { route: 'payments' }), 6);
    assert.equal(sum(fourth, 'sloprobe_request_sli_latency_seconds_count', { route: 'payments' }), 0);
    assert.ok(
      fourth.some((x) => x.name === 'sloprobe_request_sli_latency_seconds_bucket' && x.labels.le === '1.234'),
      'the new objective is a bucket bound',
    );
  } finally {
    await s.close(1000);
  }
});

test('a reload keeps the SLO windows, also with the store in memory', async () => {
  const s = await startLoopbackSidecar(config(BEFORE));
  try {
    await post(s, '/v1/payments', 20, 1);
    s.slo?.tick();
    const before = s.slo?.json().slos.find((x) => x.name === 'payment-request-availability');
    assert.equal(before?.requests, 20);
    await s.reload(config(AFTER));
    s.slo?.tick();
    const after = s.slo?.json().slos.find((x) => x.name === 'payment-request-availability');
    assert.equal(after?.requests, 20, 'the 20 requests before the reload are still in the windows');
    assert.equal(after?.bad, 1);
  } finally {
    await s.close(1000);
  }
});
