/**
 * Runs every row of the fault table (cases.ts) against a sidecar of its own and checks,
 * for each: the client saw what the row says; /metrics counts each request exactly once,
 * with the row's code and outcome and nothing else; every socket the exchange opened
 * (client, sidecar both sides, upstream) is closed again; and the process is still here,
 * since the sidecar runs in this very process.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Sidecar } from '../../src/sidecar.js';
import type { Sample } from '../helpers/prom.js';
import { closedPort } from '../proxy/harness.js';
import { CASES, type ClientExpectation, type FaultCase } from './cases.js';
import { FaultUpstream } from './fault-upstream.js';
import { fetchOnce, type Seen, scrape, startFaultSidecar, tcpHandles, until } from './harness.js';

/** `"<code> <outcome>"` -> count over the non-zero `sloprobe_requests_total` series of `route`. */
function recordedBy(m: readonly Sample[], route: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of m) {
    if (s.name !== 'sloprobe_requests_total' || s.value === 0 || s.labels.route !== route) continue;
    const key = `${s.labels.code} ${s.labels.outcome}`;
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
}

function total(m: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  let n = 0;
  for (const s of m)
    if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) n += s.value;
  return n;
}

function upstreamErrorsOf(m: readonly Sample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of m) {
    if (s.name !== 'sloprobe_upstream_errors_total' || s.value === 0) continue;
    const reason = s.labels.reason ?? '';
    out[reason] = (out[reason] ?? 0) + s.value;
  }
  return out;
}

function checkClient(expected: ClientExpectation, seen: readonly Seen[], up: FaultUpstream): void {
  if (expected === 'gone') return;
  if (typeof expected === 'function') {
    expected(seen, up);
    return;
  }
  for (const s of seen) {
    if ('cut' in expected) {
      assert.equal(s.status, expected.cut, `the status line arrived (${JSON.stringify(s)})`);
      assert.equal(s.complete, false, 'the client can tell the body is incomplete');
      continue;
    }
    assert.equal(s.status, expected.status, `client status (${JSON.stringify(s)})`);
    assert.equal(s.complete, true, 'a whole response');
    if (expected.reason !== undefined) {
      const body = JSON.parse(s.body) as { reason: string; request_id: string };
      assert.equal(body.reason, expected.reason);
      assert.ok(body.request_id, 'the error names the request id');
    }
  }
}

function resolved<T>(v: T | ((up: FaultUpstream) => T), up: FaultUpstream): T {
  return typeof v === 'function' ? (v as (up: FaultUpstream) => T)(up) : v;
}

async function runCase(c: FaultCase): Promise<void> {
  const up = new FaultUpstream(c.upstream === 'refused' ? () => {} : c.upstream);
  await up.listen();
  const target = c.upstream === 'refused' ? `http://127.0.0.1:${await closedPort()}` : up.url;
  let sidecar: Sidecar | null = await startFaultSidecar(target, c.sidecar);
  try {
    const baseline = tcpHandles();
    const run = { port: sidecar.proxyAddress.port, up, sidecar };
    const seen = await (c.client ?? ((r) => Promise.all([fetchOnce(r.port)])))(run);
    checkClient(c.expect.client, seen, up);

    const route = c.expect.route ?? 'fault';
    const recorded = resolved(c.expect.recorded, up);
    const want = Object.values(recorded).reduce((a, b) => a + b, 0);
    const s = sidecar;
    await until(
      `${want} requests recorded`,
      async () => total(await scrape(s), 'sloprobe_requests_total') >= want,
    );
    // Every upstream request is over (answered, or its connection closed by the sidecar)
    // and the client connections are gone: what is left open is the pool's idle
    // connections. undici unrefs an idle socket, so each counts once here: the upstream's
    // end. A pool socket still busy, or a client connection left open, would count too.
    await until('no upstream request in progress', () => up.busy === 0);
    const sockets = () =>
      `TCP handles ${tcpHandles()}, baseline ${baseline}, upstream connections ${up.open}`;
    await until(
      () => `only idle pool connections left (${sockets()})`,
      () => tcpHandles() === baseline + up.open,
    );
    up.closeIdle();
    await until(
      () => `every socket closed (${sockets()})`,
      () => up.open === 0 && tcpHandles() === baseline,
    );

    // Nothing can be recorded any more (no connection is left): the counts are final.
    const m = await scrape(s);
    assert.deepEqual(recordedBy(m, route), recorded, 'recorded exactly once, with this code and outcome');
    assert.equal(total(m, 'sloprobe_requests_total'), want, 'and on no other route');
    assert.deepEqual(upstreamErrorsOf(m), resolved(c.expect.upstreamErrors ?? {}, up));
    assert.equal(total(m, 'sloprobe_upstream_retries_total'), resolved(c.expect.retries ?? 0, up));
    if (c.expect.upstreamRequests !== undefined) assert.equal(up.requests, c.expect.upstreamRequests);
    await sidecar.close(1_000);
    sidecar = null;
  } finally {
    await sidecar?.close(1_000);
    await up.close();
  }
}

for (const c of CASES) test(c.name, { timeout: c.timeoutMs ?? 30_000 }, () => runCase(c));
