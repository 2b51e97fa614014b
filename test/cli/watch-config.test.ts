/**
 * `run --watch-config` in a real child process, with real files: an editor's save (write a
 * temporary file, rename it over the config), a Kubernetes ConfigMap update (the `..data`
 * symlink swapped to a new directory) and a touch. Product rules: "a valid new config
 * applies without dropping in-flight requests; an invalid one is rejected, logged with
 * file:line:column, counted, and the old config stays". Every wait polls `/metrics` (or
 * waits for a log line) with a deadline; nothing is timed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { parseSamples, type Sample, sum } from '../helpers/prom.js';
import { type Cli, startCli } from '../helpers/spawn.js';
import { pollUntil } from '../integration/fleet-harness.js';

const base = (routes: string) => `upstream: http://127.0.0.1:9
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request: { class: transaction-critical }
routes:
${routes}`;
const PAYMENTS = '  - { name: payments, method: POST, path: /v1/payments, category: payment-request }\n';
const REFUNDS = '  - { name: refunds, method: POST, path: /v1/refunds, category: payment-request }\n';
const ONE = base(PAYMENTS);
const TWO = base(PAYMENTS + REFUNDS);
// Line 8, the second route: its p99 is not a duration.
const BROKEN = base(
  `${PAYMENTS}  - { name: voids, method: POST, path: /v1/voids, category: payment-request, latency: { p99: "200" } }\n`,
);

let upstream: Server;
/** Responses the upstream holds until the test ends them (requests to /v1/payments?hold). */
const held: ServerResponse[] = [];
let heldArrived: (() => void) | undefined;
before(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.endsWith('?hold')) {
        held.push(res);
        heldArrived?.();
      } else res.end('{}');
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
});
after(async () => {
  for (const res of held) res.end();
  await new Promise<void>((r) => upstream.close(() => r()));
});

interface Running {
  readonly cli: Cli;
  readonly proxy: string;
  readonly admin: string;
}

async function start(file: string): Promise<Running> {
  const cli = startCli(
    [
      'run',
      '--config',
      file,
      '--watch-config',
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
    ],
    { SLOPROBE_LOG_LEVEL: 'debug' },
  );
  const m = await cli.waitFor(/"proxy":"127\.0\.0\.1:(\d+)","admin":"127\.0\.0\.1:(\d+)"/);
  return { cli, proxy: `http://127.0.0.1:${m[1]}`, admin: `http://127.0.0.1:${m[2]}` };
}

async function scrape(s: Running): Promise<Sample[]> {
  return parseSamples(await (await request(`${s.admin}/metrics`)).body.text());
}

const reloads = (samples: readonly Sample[]) => ({
  success: sum(samples, 'sloprobe_config_reload_total', { result: 'success' }),
  failure: sum(samples, 'sloprobe_config_reload_total', { result: 'failure' }),
  at: sum(samples, 'sloprobe_config_last_reload_success_timestamp_seconds'),
});

async function routes(s: Running): Promise<string[]> {
  const list = (await (await request(`${s.admin}/v1/routes`)).body.json()) as Array<{ name: string }>;
  return list.map((r) => r.name).filter((n) => n !== 'unmatched');
}

/** Polls until the reload counters reach `want`; returns them for the assertion. */
function reloadsReach(s: Running, want: { success: number; failure: number }) {
  return pollUntil(
    async () => reloads(await scrape(s)),
    (r) => r.success >= want.success && r.failure >= want.failure,
  );
}

/** What an editor does on save: the new text in a temporary file, renamed over the config. */
function saveAtomically(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

test('editor saves: a touch does nothing, a good file applies with a request in flight, a bad one is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sloprobe-watch-'));
  const file = join(dir, 'sloprobe.yaml');
  writeFileSync(file, ONE);
  const startedAt = Date.now() / 1000;
  const s = await start(file);
  try {
    const first = reloads(await scrape(s));
    assert.deepEqual({ success: first.success, failure: first.failure }, { success: 0, failure: 0 });
    // Set at start: between just before the spawn and now.
    assert.ok(first.at >= Math.floor(startedAt) && first.at <= Date.now() / 1000, String(first.at));

    // A touch changes the mtime, not the content: the watch looks, and does not reload.
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    await s.cli.waitFor(/"msg":"config file unchanged; not reloaded"/);
    assert.deepEqual(reloads(await scrape(s)), first);

    // A request held by the upstream across the reload still gets its response, recorded
    // under the route that routed it.
    const arrived = new Promise<void>((r) => {
      heldArrived = r;
    });
    const inFlight = request(`${s.proxy}/v1/payments?hold`, { method: 'POST', body: '{}' });
    await arrived;
    saveAtomically(file, TWO);
    const applied = await reloadsReach(s, { success: 1, failure: 0 });
    assert.deepEqual({ success: applied.success, failure: applied.failure }, { success: 1, failure: 0 });
    assert.ok(applied.at >= first.at, `${applied.at} < ${first.at}`);
    assert.deepEqual(await routes(s), ['payments', 'refunds']);
    held.shift()!.writeHead(201).end('{}');
    const res = await inFlight;
    assert.equal(res.statusCode, 201);
    await res.body.dump();

    saveAtomically(file, BROKEN);
    const refused = await reloadsReach(s, { success: 1, failure: 1 });
    assert.deepEqual(refused, { ...applied, failure: 1 }, 'counted once, timestamp kept');
    await s.cli.waitFor(/config reload failed; the running config stays/);
    assert.match(
      s.cli.stderr,
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:8:\\d+: routes\\[1\\]\\.latency\\.p99`),
    );
    assert.deepEqual(await routes(s), ['payments', 'refunds'], 'the old config stays');

    const samples = await scrape(s);
    assert.equal(sum(samples, 'sloprobe_requests_total', { route: 'payments', code: '201' }), 1);
  } finally {
    s.cli.child.kill('SIGTERM');
  }
  assert.equal(await s.cli.exited, 0);
  rmSync(dir, { recursive: true, force: true });
});

test('a ConfigMap update (the ..data symlink swapped to a new directory) is applied', async () => {
  // The layout the kubelet writes: sloprobe.yaml -> ..data/sloprobe.yaml, ..data -> ..v1.
  const dir = mkdtempSync(join(tmpdir(), 'sloprobe-configmap-'));
  mkdirSync(join(dir, '..v1'));
  writeFileSync(join(dir, '..v1', 'sloprobe.yaml'), ONE);
  symlinkSync('..v1', join(dir, '..data'));
  symlinkSync('..data/sloprobe.yaml', join(dir, 'sloprobe.yaml'));
  const file = join(dir, 'sloprobe.yaml');
  const s = await start(file);
  try {
    assert.deepEqual(await routes(s), ['payments']);
    // The update: a new directory, a new symlink renamed over ..data, the old one removed.
    mkdirSync(join(dir, '..v2'));
    writeFileSync(join(dir, '..v2', 'sloprobe.yaml'), TWO);
    symlinkSync('..v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    rmSync(join(dir, '..v1'), { recursive: true });
    const r = await reloadsReach(s, { success: 1, failure: 0 });
    assert.deepEqual({ success: r.success, failure: r.failure }, { success: 1, failure: 0 });
    assert.deepEqual(await routes(s), ['payments', 'refunds']);
  } finally {
    s.cli.child.kill('SIGTERM');
  }
  assert.equal(await s.cli.exited, 0);
  rmSync(dir, { recursive: true, force: true });
});
