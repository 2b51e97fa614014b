/**
 * The exported SLI queries name metrics and labels the running sidecar really exposes: known
 * traffic goes through a real sidecar on loopback, /metrics is scraped, and each query of the
 * `sloprobe openslo` output, evaluated on those samples, gives the ratio worked out by hand.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { parseAllDocuments } from 'yaml';
import { loadConfigFile } from '../../src/config/load.js';
import { opensloCommand } from '../../src/openslo/export-command.js';
import type { Sidecar } from '../../src/sidecar.js';
import { repoRoot } from '../helpers/paths.js';
import { parseSamples, type Sample } from '../helpers/prom.js';
import { onLoopback, startLoopbackSidecar } from '../helpers/sidecar.js';
import { startUpstream, type Upstream } from '../proxy/harness.js';

const configFile = join(repoRoot, 'test', 'fixtures', 'openslo', 'every-slo.yaml');
let upstream: Upstream;
let sidecar: Sidecar;

before(async () => {
  // Answers with the status the client asks for in x-status.
  upstream = await startUpstream((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(Number(req.headers['x-status'] ?? 200)).end('{}'));
  });
  sidecar = await startLoopbackSidecar(onLoopback(loadConfigFile(configFile), { upstream: upstream.url }));
});

after(async () => {
  await sidecar.close(1000);
  await upstream.close();
});

/** A PromQL `sum(metric{matchers})` on scraped samples; written here, not taken from src. */
function evaluate(query: string, samples: readonly Sample[]): number {
  const m = /^sum\(([a-z_]+)\{(.*)\}\)$/.exec(query);
  assert.ok(m, `not a sum(selector): ${query}`);
  const matchers = [...m[2]!.matchAll(/([a-z_]+)(=~|!=|=)"([^"]*)"/g)].map((x) => ({
    label: x[1]!,
    op: x[2]!,
    value: x[3]!,
  }));
  let total = 0;
  for (const s of samples) {
    if (s.name !== m[1]) continue;
    const ok = matchers.every(({ label, op, value }) => {
      const v = s.labels[label] ?? '';
      if (op === '=') return v === value;
      if (op === '!=') return v !== value;
      return new RegExp(`^(?:${value})$`).test(v);
    });
    if (ok) total += s.value;
  }
  return total;
}

test('each exported SLI query, on the live /metrics, counts what was sent', async () => {
  const base = `http://127.0.0.1:${sidecar.proxyAddress.port}`;
  const send = async (method: string, path: string, statuses: number[]) => {
    for (const status of statuses) {
      const res = await request(`${base}${path}`, {
        method,
        headers: { 'x-status': String(status) },
        body: method === 'GET' ? null : '{}',
      });
      await res.body.dump();
      assert.equal(res.statusCode, status);
    }
  };
  // hpp-create-session (payment-request, transaction-critical): 4 good (201 x3, 404), 1 bad.
  await send('POST', '/hpp/v1/sessions', [201, 201, 201, 404, 500]);
  // settlements-read (settlements, additional): 2 good, 1 bad (503).
  await send('GET', '/settlements/v1/s1', [200, 200, 503]);
  // Orders.Capture_v2 (payment-request, transaction-critical): 1 good, 2 bad.
  await send('PUT', '/ordermanagement/v1/orders/o1/captures', [200, 500, 500]);
  // Unmatched: in no SLO, `over: all` included.
  await send('GET', '/nope', [500, 500]);

  const out: string[] = [];
  const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: () => true } };
  assert.equal(await opensloCommand(['--config', configFile], io), 0);
  const slis = new Map<string, Record<string, { metricSource: { spec: { query: string } } }>>();
  for (const d of parseAllDocuments(out.join(''))) {
    const doc = d.toJS() as { kind: string; metadata: { name: string }; spec: { ratioMetric?: never } };
    if (doc.kind === 'SLI') slis.set(doc.metadata.name, doc.spec.ratioMetric!);
  }
  const res = await request(`http://127.0.0.1:${sidecar.adminAddress.port}/metrics`);
  const samples = parseSamples(await res.body.text());
  const ratio = (name: string, numerator: 'good' | 'bad') => {
    const r = slis.get(name);
    assert.ok(r, name);
    return [
      evaluate(r[numerator]!.metricSource.spec.query, samples),
      evaluate(r.total!.metricSource.spec.query, samples),
    ];
  };

  // payment-request = hpp (1 bad of 5) + orders (2 bad of 3): 3 bad of 8.
  assert.deepEqual(ratio('payment-request-availability', 'bad'), [3, 8]);
  // settlements: 1 bad (503) of 3.
  assert.deepEqual(ratio('settlements-availability', 'bad'), [1, 3]);
  // all routes, unmatched left out: 1 + 1 + 2 = 4 bad of 5 + 3 + 3 = 11.
  assert.deepEqual(ratio('everything', 'bad'), [4, 11]);
  // Timeslices over class transaction-critical (hpp + orders), error statuses 500 and 503:
  // hpp's one 500 and orders' two 500s = 3 of 8 requests.
  assert.deepEqual(ratio('critical-uptime', 'bad'), [3, 8]);
  // Latency of hpp-create-session: every one of the 5 requests got upstream headers, so all 5
  // have an SLI latency; the good count is that of the 200 ms bucket, at most all of them.
  const [good, total] = ratio('hpp-create-session-latency', 'good');
  assert.equal(total, 5);
  assert.ok(good! <= 5);
  assert.ok(
    samples.some((s) => s.name === 'sloprobe_request_sli_latency_seconds_bucket' && s.labels.le === '0.2'),
    'the 200 ms objective is a bucket bound',
  );
});
