/**
 * Probes for quiet routes, through a real sidecar, a real upstream on 127.0.0.1 and the real
 * /metrics: docs/sla-definitions.md#no-traffic says a period without traffic is left out of
 * availability, so a route nobody calls is blind; a probe (`probes:`) calls it through the
 * sidecar's own route table on a schedule, labelled synthetic="true".
 *
 * The probe timers are the test's own (`probeTimers`): a probe runs when the test fires its
 * timer, and the test then awaits `sidecar.probes.idle()`, so nothing waits on wall time.
 * `Date` is node:test's mock, frozen at T0 and moved by `tick`: the proxy stamps requests,
 * the engine evaluates and the probe schedule measures its interval on that one clock.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type TestContext, test } from 'node:test';
import { request } from 'undici';
import { createAppLog } from '../../src/log/app-log.js';
import type { ProbeTimers } from '../../src/probes/runner.js';
import type { Sidecar } from '../../src/sidecar.js';
import { parseSamples, type Sample } from '../helpers/prom.js';
import { loopbackConfig, startLoopbackSidecar } from '../helpers/sidecar.js';
import { startUpstream, type Upstream } from '../proxy/harness.js';

const CONFIG = `upstream: http://127.0.0.1:9
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request: { class: transaction-critical }
routes:
  - { name: create-payment, method: POST, path: /v1/payments, category: payment-request }
  - { name: read-payment, method: GET, path: "/v1/payments/{id}", category: payment-request }
slos:
  - { name: read-with-probes, sli: availability, objective: 99%, over: { route: read-payment }, include_synthetic: true }
probes:
  - route: read-payment
    method: GET
    path: /v1/payments/probe_1?expand=none
    interval: 30s
    headers: { authorization: Bearer probe-secret-token }
    expect_status: 200
`;

const T0 = Date.UTC(2025, 2, 10, 12, 0, 0);

/** Timers the test fires by hand; `pending` are the armed ones with their delays. */
class ManualTimers implements ProbeTimers {
  readonly pending: Array<{ fn: () => void; ms: number }> = [];
  readonly delays: number[] = [];
  set(fn: () => void, ms: number): unknown {
    const t = { fn, ms };
    this.pending.push(t);
    this.delays.push(ms);
    return t;
  }
  clear(handle: unknown): void {
    const i = this.pending.indexOf(handle as { fn: () => void; ms: number });
    if (i >= 0) this.pending.splice(i, 1);
  }
  /** Fires the one armed timer (there is one probe). */
  fire(): void {
    assert.equal(this.pending.length, 1, 'one probe, one armed timer');
    this.pending.shift()!.fn();
  }
}

interface Harness {
  sidecar: Sidecar;
  upstream: Upstream;
  timers: ManualTimers;
  logs: Array<Record<string, unknown>>;
  /** The access log's lines, read after close. */
  access(): Array<Record<string, unknown>>;
  /** What the upstream answers: 200, or this status. */
  status: { code: number };
  close(): Promise<void>;
}

async function start(t: TestContext, text = CONFIG): Promise<Harness> {
  t.mock.timers.enable({ apis: ['Date'], now: T0 });
  const status = { code: 200 };
  const upstream = await startUpstream((req: http.IncomingMessage, res: http.ServerResponse) => {
    req.resume();
    req.on('end', () => res.writeHead(status.code, { 'content-type': 'application/json' }).end('{}'));
  });
  const logs: Array<Record<string, unknown>> = [];
  const sink = new PassThrough();
  sink.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  const accessFile = join(mkdtempSync(join(tmpdir(), 'sloprobe-probes-')), 'access.log');
  const config = loopbackConfig(text, 'probes.yaml', { upstream: upstream.url, accessLog: accessFile });
  const timers = new ManualTimers();
  const sidecar = await startLoopbackSidecar(config, {
    log: createAppLog({ destination: sink }),
    probeTimers: timers,
  });
  return {
    sidecar,
    upstream,
    timers,
    logs,
    access: () =>
      readFileSync(accessFile, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    status,
    async close() {
      await sidecar.close(1_000);
      await upstream.close();
    },
  };
}

async function metrics(s: Sidecar): Promise<Sample[]> {
  const res = await request(`http://127.0.0.1:${s.adminAddress.port}/metrics`);
  return parseSamples(await res.body.text());
}

/** Sum of `name` over samples with these labels, split by whether they carry synthetic="true". */
function count(samples: Sample[], name: string, route: string, synthetic: boolean): number {
  let n = 0;
  for (const x of samples)
    if (x.name === name && x.labels.route === route && (x.labels.synthetic === 'true') === synthetic)
      n += x.value;
  return n;
}

function slo(s: Sidecar, name: string) {
  s.slo!.tick();
  const st = s.slo!.current().find((x) => x.definition.name === name);
  assert.ok(st, `SLO ${name}`);
  return st;
}

async function probeOnce(h: Harness): Promise<void> {
  h.timers.fire();
  await h.sidecar.probes.idle();
}

test('a quiet route with a probe shows requests labelled synthetic, out of the SLA figures unless include_synthetic', async (t) => {
  const h = await start(t);
  try {
    await probeOnce(h);
    // The probe went through the proxy: one request at the upstream, on the probe's target,
    // with the probe's header and without the marker.
    assert.equal(h.upstream.requests.length, 1);
    const seen = h.upstream.requests[0]!;
    assert.equal(seen.url, '/v1/payments/probe_1?expand=none');
    assert.equal(seen.headers.authorization, 'Bearer probe-secret-token');
    assert.equal(seen.headers['x-sloprobe-synthetic'], undefined);

    const m = await metrics(h.sidecar);
    assert.equal(count(m, 'sloprobe_requests_total', 'read-payment', true), 1);
    assert.equal(count(m, 'sloprobe_requests_total', 'read-payment', false), 0);
    assert.equal(count(m, 'sloprobe_probe_results_total', 'read-payment', false), 1);
    assert.equal(
      m.find((x) => x.name === 'sloprobe_probe_results_total' && x.labels.result === 'good')?.value,
      1,
    );

    // Generated category SLO (include_synthetic default false): the probe is not in it, so
    // the period has no traffic at all (0 requests, no ratio: "no data", never 100%).
    const category = slo(h.sidecar, 'payment-request-availability');
    assert.equal(category.requests, 0);
    assert.equal(category.ratio, null);
    // The SLO with include_synthetic: true counts it: 1 request, 1 good, ratio 1/1 = 1.
    const withProbes = slo(h.sidecar, 'read-with-probes');
    assert.equal(withProbes.requests, 1);
    assert.equal(withProbes.good, 1);
    assert.equal(withProbes.ratio, 1);
  } finally {
    await h.close();
  }
});

test('a client cannot mark its traffic synthetic: the header is stripped and the request counts as its own', async (t) => {
  const h = await start(t);
  try {
    const res = await request(`http://127.0.0.1:${h.sidecar.proxyAddress.port}/v1/payments/pay_1`, {
      headers: { 'x-sloprobe-synthetic': 'a-guess-at-the-token' },
    });
    await res.body.dump();
    assert.equal(res.statusCode, 200);
    assert.equal(h.upstream.requests[0]!.headers['x-sloprobe-synthetic'], undefined);
    const m = await metrics(h.sidecar);
    assert.equal(count(m, 'sloprobe_requests_total', 'read-payment', false), 1);
    assert.equal(count(m, 'sloprobe_requests_total', 'read-payment', true), 0);
    // Counted in the SLA figure: 1 request, 1 good.
    assert.equal(slo(h.sidecar, 'payment-request-availability').requests, 1);
    await probeOnce(h);
  } finally {
    await h.close();
  }
  // The access log: the client's line has no synthetic field, the probe's says so.
  const lines = h.access();
  assert.equal(lines.length, 2);
  assert.equal(lines[0]!.path, '/v1/payments/pay_1');
  assert.equal(lines[0]!.synthetic, undefined);
  assert.equal(lines[1]!.path, '/v1/payments/probe_1');
  assert.equal(lines[1]!.synthetic, true);
  assert.equal(lines[1]!.route, 'read-payment');
});

test('a failing upstream makes the probe bad, logged once per state change', async (t) => {
  const h = await start(t);
  try {
    await probeOnce(h); // 200: good, "working"
    h.status.code = 503;
    t.mock.timers.tick(30_000);
    await probeOnce(h); // 503 != 200: bad, one warning
    t.mock.timers.tick(30_000);
    await probeOnce(h); // still bad: no second warning
    h.status.code = 200;
    t.mock.timers.tick(30_000);
    await probeOnce(h); // good again: "recovered"

    const m = await metrics(h.sidecar);
    const results = (result: string) =>
      m.find((x) => x.name === 'sloprobe_probe_results_total' && x.labels.result === result)?.value;
    assert.equal(results('good'), 2);
    assert.equal(results('bad'), 2);
    // The two 503s are bad requests of the route's synthetic series (5xx is bad,
    // docs/sla-definitions.md#availability-occurrences).
    const bad = m.filter(
      (x) =>
        x.name === 'sloprobe_requests_total' && x.labels.synthetic === 'true' && x.labels.outcome === 'bad',
    );
    assert.equal(
      bad.reduce((n, x) => n + x.value, 0),
      2,
    );

    const changes = h.logs.filter((l) => l.event === 'probe_state');
    assert.deepEqual(
      changes.map((l) => [l.level, l.result, l.status]),
      [
        ['info', 'good', 200],
        ['warn', 'bad', 503],
        ['info', 'good', 200],
      ],
    );
    // No query string, header value or token in any log line.
    const all = JSON.stringify(h.logs);
    assert.doesNotMatch(all, /probe-secret-token|expand=none/);
    assert.equal(changes[1]!.path, '/v1/payments/probe_1');
    // The SLO over the route with include_synthetic sees 4 requests, 2 bad: 2/4 = 50%.
    const withProbes = slo(h.sidecar, 'read-with-probes');
    assert.equal(withProbes.requests, 4);
    assert.equal(withProbes.bad, 2);
  } finally {
    await h.close();
  }
});

test('the interval is respected by the clock: an early timer is re-armed for the rest, never a request', async (t) => {
  const h = await start(t);
  try {
    assert.deepEqual(h.timers.delays, [0], 'the first probe is due at once');
    await probeOnce(h);
    // Armed again when the request was over; the clock did not move: 30 s to wait.
    assert.deepEqual(h.timers.delays, [0, 30_000]);
    t.mock.timers.tick(10_000);
    h.timers.fire(); // early: 10 s after the start, 20 s left
    await h.sidecar.probes.idle();
    assert.equal(h.upstream.requests.length, 1, 'no probe before its interval');
    assert.equal(h.timers.delays.at(-1), 20_000);
    t.mock.timers.tick(20_000); // 30 s after the first start
    await probeOnce(h);
    assert.equal(h.upstream.requests.length, 2);
  } finally {
    await h.close();
  }
});

test('a probe never overlaps itself: no timer is armed while its request is in flight', async (t) => {
  const h = await start(t);
  let release: (() => void) | undefined;
  const held = new Promise<void>((r) => {
    release = r;
  });
  h.upstream.server.removeAllListeners('request');
  h.upstream.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    h.upstream.requests.push(req);
    req.resume();
    void held.then(() => res.writeHead(200).end('{}'));
  });
  try {
    h.timers.fire();
    // Wait for the request to reach the upstream (an event, not a sleep).
    await new Promise<void>((resolve) => {
      if (h.upstream.requests.length > 0) resolve();
      else h.upstream.server.once('request', () => resolve());
    });
    assert.equal(h.timers.pending.length, 0, 'nothing armed while the probe is in flight');
    assert.equal(h.sidecar.probes.inflight, 1);
    release!();
    await h.sidecar.probes.idle();
    assert.equal(h.timers.pending.length, 1);
  } finally {
    await h.close();
  }
});

test('no probe while the sidecar is draining', async (t) => {
  const h = await start(t);
  const armed = h.timers.pending[0]!;
  const closing = h.sidecar.close(1_000);
  try {
    // close() disarmed the schedule at once...
    assert.equal(h.timers.pending.length, 0);
    // ...and a timer that fires anyway (it was already queued) starts nothing.
    armed.fn();
  } finally {
    await closing;
    await h.upstream.close();
  }
  assert.equal(h.upstream.requests.length, 0);
});
