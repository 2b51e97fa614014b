/**
 * The config validator is generated at build time (src/config/schema-codegen.ts). These tests
 * fail when the committed module is stale, when it judges a document differently from ajv
 * compiling the schema at run time, and when loading a config pulls ajv in again.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { configSchema } from '../../src/config/schema.js';
import { createAjv, VALIDATOR_PATH, validatorSource } from '../../src/config/schema-codegen.js';
import { validate } from '../../src/config/schema-validator.js';
import { configDir, repoRoot } from '../helpers/paths.js';

test('the committed validator is what the schema generates (else: npm run generate)', () => {
  const committed = readFileSync(join(repoRoot, VALIDATOR_PATH), 'utf8');
  assert.ok(committed === validatorSource(), `${VALIDATOR_PATH} is stale: run \`npm run generate\``);
});

const shipped = readdirSync(configDir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => parse(readFileSync(join(configDir, f), 'utf8')) as Record<string, unknown>);

/** Documents that break the schema in each way validate.ts explains, and a few at once. */
const broken: unknown[] = [
  {},
  { upstream: 5 },
  { upstream: 'http://x', routs: [] },
  { upstream: 'http://x', routes: [{ name: 'bad name!', method: 'GET', path: '/a' }] },
  { upstream: 'http://x', classes: { 'has space': { availability: '99%' } } },
  { upstream: 'http://x', routes: [{ name: 'a', path: '/a', latency: { p99: '1s', p90: '2s' } }] },
  { upstream: 'http://x', maintenance: { policy: 'klarnaa' } },
  { upstream: 'http://x', timeslices: { error_statuses: [500, 500, 99] } },
  { upstream: 'http://x', digest_key: 'short', access_log: '' },
  { upstream: { url: 'http://x', tls: { ca: '' } }, fees: { currency: 'usd' } },
  { upstream: 'http://x', routes: [{}], slos: 'none', probes: [{ route: 3 }] },
  { upstream: 'http://x', webhooks: [{ url: 'http://y', events: [] }], notify: { email: {} } },
  { upstream: 'http://x', routes: [{ name: 'a', path: '/a', payment_method: { header: 'x' } }] },
];

test('the generated validator gives the same verdict and errors as ajv compiling the schema', () => {
  const compiled = createAjv(false).compile(configSchema);
  for (const doc of [...shipped, ...broken]) {
    const expected = compiled(doc);
    assert.equal(validate(doc), expected, JSON.stringify(doc));
    assert.deepEqual(validate.errors ?? null, compiled.errors ?? null, JSON.stringify(doc));
  }
  assert.ok(shipped.length >= 3, 'the shipped configs were read');
  assert.ok(
    broken.every((doc) => !compiled(doc)),
    'every broken document is invalid',
  );
});

test('loading a config loads no ajv module', () => {
  const load = join(repoRoot, 'dist', 'src', 'config', 'load.js');
  const script = `
    const { loadConfigFile } = await import(${JSON.stringify(load)});
    loadConfigFile(${JSON.stringify(join(configDir, 'klarna.yaml'))});
    const { createRequire } = await import('node:module');
    const cache = Object.keys(createRequire(import.meta.url).cache);
    process.stdout.write(JSON.stringify(cache.filter((f) => f.includes('/node_modules/ajv/'))));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), []);
});
