/**
 * `npm start` = `sloprobe demo`: a new user must see traffic in /metrics within seconds.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { configDir } from '../helpers/paths.js';
import { parseSamples, sum } from '../helpers/prom.js';
import { startCli } from '../helpers/spawn.js';

test('the demo prints its URLs and its traffic shows up in /metrics and /v1/slos', async () => {
  const cli = startCli(['demo', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--rps', '200']);
  try {
    const m = await cli.waitFor(/metrics\s+(http:\/\/127\.0\.0\.1:\d+)\/metrics/);
    const admin = m[1]!;
    await cli.waitFor(/sidecar \(proxy\)\s+http:\/\/127\.0\.0\.1:\d+/);
    // The banner names the Downtime API, and it answers with an (empty) Curlec collection.
    const d = await cli.waitFor(/downtimes\s+(http:\/\/127\.0\.0\.1:\d+\/v1\/payments\/downtimes)/);
    const list = (await (await request(d[1]!)).body.json()) as { entity: string; count: number };
    assert.equal(list.entity, 'collection');
    let total = 0;
    // Bounded: the generator sends 200/s; the loop ends as soon as traffic is counted.
    for (let i = 0; i < 200 && total < 20; i++) {
      const res = await request(`${admin}/metrics`);
      total = sum(parseSamples(await res.body.text()), 'sloprobe_requests_total');
      if (total < 20) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(total >= 20, `traffic counted: ${total}`);
    const slos = (await (await request(`${admin}/v1/slos`)).body.json()) as { slos: Array<{ name: string }> };
    assert.ok(slos.slos.some((s) => s.name === 'payment-request-availability'));
  } finally {
    cli.child.kill('SIGINT');
  }
  assert.equal(await cli.exited, 0);
});

test('the banner names the config whose routes the mock answers, not a provider', async () => {
  const cli = startCli([
    'demo',
    '-c',
    join(configDir, 'paywithmybank.yaml'),
    '--listen',
    '127.0.0.1:0',
    '--admin',
    '127.0.0.1:0',
    '--rps',
    '0',
  ]);
  try {
    const m = await cli.waitFor(/mock payment API\s+\S+\s+\(([^)]*)\)/);
    // config/paywithmybank.yaml lists 8 routes (transaction-create ... merchants).
    assert.match(m[1]!, /^the 8 routes of paywithmybank\.yaml, /);
    assert.doesNotMatch(cli.stdout, /Klarna/);
  } finally {
    cli.child.kill('SIGINT');
  }
  assert.equal(await cli.exited, 0);
});
