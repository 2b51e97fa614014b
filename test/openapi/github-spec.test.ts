/**
 * `sloprobe import openapi` on a real public description nobody here wrote: GitHub's REST
 * API (@octokit/openapi, ~1200 operations). The imported map must pass `check`, and every
 * operation, called with a concrete path through the running sidecar, must land on its own
 * route: the one named after its operationId, as the access log the sidecar writes says.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Pool } from 'undici';
import { checkCommand } from '../../src/cli/check.js';
import { loadConfigFile } from '../../src/config/load.js';
import { importOpenapiCommand } from '../../src/openapi/command.js';
import type { Sidecar } from '../../src/sidecar.js';
import { onLoopback, startLoopbackSidecar } from '../helpers/sidecar.js';
import { startUpstream, type Upstream } from '../proxy/harness.js';

const specFile = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

interface SpecOperation {
  readonly method: string;
  readonly path: string;
  readonly operationId: string;
}

/** The operations, read from the JSON directly rather than through the importer. */
function specOperations(): SpecOperation[] {
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as {
    paths: Record<string, Record<string, { operationId: string }>>;
  };
  const out: SpecOperation[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const m of METHODS) {
      const op = item[m];
      if (op) out.push({ method: m.toUpperCase(), path, operationId: op.operationId });
    }
  }
  return out;
}

/**
 * The route an operation must land on: its operationId with GitHub's `area/verb` slash
 * written as '.', the import's naming rule (GitHub's ids are otherwise lower-case letters,
 * digits and '-', which a route name allows as they are).
 */
function expectedRoute(op: SpecOperation): string {
  // `GET /repos/{owner}/{repo}/compare/{base}...{head}` puts two parameters in one segment,
  // which the router takes as one parameter: that is `{basehead}` of
  // repos/compare-commits-with-basehead on the same path, so the import merges the two and
  // says so.
  if (op.operationId === 'repos/compare-commits') return 'repos.compare-commits-with-basehead';
  return op.operationId.replace('/', '.');
}

/** A concrete path: each parameter filled with a value no literal segment of the API has. */
function concretePath(op: SpecOperation, i: number): string {
  let k = 0;
  return op.path.replace(/\{[^}]+\}/g, () => `v${i}x${k++}`);
}

let dir: string;
let mapFile: string;
let logFile: string;
let upstream: Upstream;
let sidecar: Sidecar | undefined;
const importErr: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sloprobe-github-'));
  mapFile = join(dir, 'github.yaml');
  logFile = join(dir, 'access.log');
  const io = { stdout: { write: () => true }, stderr: { write: (s: string) => importErr.push(s) } };
  assert.equal(await importOpenapiCommand([specFile, '-o', mapFile], io), 0, importErr.join(''));
  upstream = await startUpstream((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
});

after(async () => {
  await sidecar?.close(1000);
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

test('GitHub: the imported map passes check, one route per operation but the one reported merge', async () => {
  const out: string[] = [];
  const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) } };
  assert.equal(await checkCommand(['--config', mapFile], io), 0, out.join(''));
  const ops = specOperations();
  assert.ok(ops.length > 1000, `${ops.length} operations`);
  const config = loadConfigFile(mapFile);
  // One merge: 1 route fewer than operations.
  assert.equal(config.routes.length, ops.length - 1);
  assert.match(
    importErr.join(''),
    /repos\/compare-commits\) merged into route "repos.compare-commits-with-basehead"/,
  );
  // Templates kept as written (GitHub's one server has no base path), parameter names included.
  const byName = new Map(config.routes.map((r) => [r.name, r]));
  for (const op of ops) {
    if (op.operationId === 'repos/compare-commits') continue;
    const route = byName.get(expectedRoute(op));
    assert.ok(route, `no route for ${op.operationId}`);
    assert.equal(route.path, op.path, op.operationId);
    assert.deepEqual(route.methods, [op.method], op.operationId);
  }
});

test('GitHub: every operation, sent through the running sidecar, lands on its own route', async () => {
  sidecar = await startLoopbackSidecar(
    onLoopback(loadConfigFile(mapFile), { upstream: upstream.url, accessLog: logFile }),
  );
  const ops = specOperations();
  const pool = new Pool(`http://127.0.0.1:${sidecar.proxyAddress.port}`, { connections: 8 });
  const expected = new Map<string, string>();
  let next = 0;
  // Eight workers over one queue: bounded concurrency, each request awaited before the next.
  const worker = async () => {
    for (let i = next++; i < ops.length; i = next++) {
      const op = ops[i]!;
      const path = concretePath(op, i);
      expected.set(`${op.method} ${path}`, expectedRoute(op));
      const withBody = op.method === 'POST' || op.method === 'PUT' || op.method === 'PATCH';
      const res = await pool.request({ method: op.method, path, body: withBody ? '{}' : null });
      await res.body.dump();
      assert.equal(res.statusCode, 200, `${op.method} ${path}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  await pool.close();
  await sidecar.close(1000);
  sidecar = undefined;

  assert.equal(upstream.requests.length, ops.length, 'every request reached the upstream once');
  const lines = readFileSync(logFile, 'utf8').trim().split('\n');
  assert.equal(lines.length, ops.length);
  const wrong: string[] = [];
  for (const line of lines) {
    const entry = JSON.parse(line) as { method: string; path: string; route: string };
    const key = `${entry.method} ${entry.path}`;
    const want = expected.get(key);
    if (entry.route !== want) wrong.push(`${key}: route ${entry.route}, expected ${want}`);
    expected.delete(key);
  }
  assert.deepEqual(wrong, []);
  assert.equal(expected.size, 0, 'every request has its access-log line');
});
