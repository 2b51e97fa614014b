/**
 * `sloprobe check --config FILE` (README, CLI): it "validates and prints the resolved route table
 * (route, methods, path, category, class, latency objective, availability objective). Exit 0
 * valid, 2 invalid." Errors are one line each on stderr, no stack trace.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkCommand, formatRouteTable, routeTableJson } from '../../src/cli/check.js';
import { loadConfigFile } from '../../src/config/load.js';

const VALID = `upstream: http://127.0.0.1:9000
classes:
  transaction-critical: { availability: 99% }
  additional: { availability: 99.5% }
categories:
  payment-request: { class: transaction-critical }
  disputes: { class: additional }
routes:
  - name: hpp-create-session
    method: POST
    path: /hpp/v1/sessions
    category: payment-request
    latency: { p99: 200ms }
  - name: disputes
    method: "*"
    path: /disputes/v2/*
    category: disputes
    latency: { p99: 4000ms }
`;

/** `line:column` (1-based) of `needle` in `text`. */
function at(text: string, needle: string): string {
  const index = text.indexOf(needle);
  assert.ok(index >= 0, needle);
  const before = text.slice(0, index);
  return `${before.split('\n').length}:${index - before.lastIndexOf('\n')}`;
}

const BROKEN = VALID.replace('{ p99: 200ms }', '{ p99: 200 }').replace(
  'category: disputes\n',
  'category: dispute\n',
);

function run(argv: string[]) {
  const io = { out: '', err: '' };
  const streams = {
    stdout: { write: (s: string) => (io.out += s) },
    stderr: { write: (s: string) => (io.err += s) },
  };
  return checkCommand(argv, streams).then((code) => ({ code, ...io }));
}

describe('sloprobe check', () => {
  let dir = '';
  let valid = '';
  let broken = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sloprobe-check-'));
    valid = join(dir, 'valid.yaml');
    broken = join(dir, 'broken.yaml');
    writeFileSync(valid, VALID);
    writeFileSync(broken, BROKEN);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a valid config: exit 0 and a table with every column of the resolved route table', async () => {
    const { code, out, err } = await run(['--config', valid]);
    assert.equal(code, 0);
    assert.equal(err, '');
    const lines = out.split('\n');
    assert.ok(lines[0]!.startsWith(`${valid}: valid (2 routes, 2 categories, 2 classes, 4 SLOs)`), lines[0]);
    const header = lines.find((l) => l.startsWith('ROUTE'));
    assert.deepEqual(header?.split(/\s{2,}/), [
      'ROUTE',
      'METHODS',
      'PATH',
      'CATEGORY',
      'CLASS',
      'LATENCY',
      'AVAILABILITY',
    ]);
    const row = (name: string) => lines.find((l) => l.startsWith(`${name} `))?.split(/\s{2,}/);
    assert.deepEqual(row('hpp-create-session'), [
      'hpp-create-session',
      'POST',
      '/hpp/v1/sessions',
      'payment-request',
      'transaction-critical',
      'p99 <= 200ms',
      '99%',
    ]);
    assert.deepEqual(row('disputes'), [
      'disputes',
      '*',
      '/disputes/v2/*',
      'disputes',
      'additional',
      'p99 <= 4000ms',
      '99.5%',
    ]);
    // A line per SLO, generated from the route map.
    for (const name of [
      'payment-request-availability',
      'disputes-availability',
      'hpp-create-session-latency',
      'disputes-latency',
    ]) {
      assert.ok(
        lines.some((l) => l.startsWith(`${name} `)),
        `no line for ${name}`,
      );
    }
    assert.equal(out, formatRouteTable(loadConfigFile(valid)));
  });

  test('--json prints the route table GET /v1/routes serves', async () => {
    const { code, out } = await run(['--config', valid, '--json']);
    assert.equal(code, 0);
    const json = JSON.parse(out) as unknown;
    assert.deepEqual(json, routeTableJson(loadConfigFile(valid)));
    assert.deepEqual(json, [
      {
        name: 'hpp-create-session',
        methods: ['POST'],
        path: '/hpp/v1/sessions',
        category: 'payment-request',
        class: 'transaction-critical',
        latency: { percentile: 0.99, threshold_ms: 200 },
        availability: 0.99,
      },
      {
        name: 'disputes',
        methods: ['*'],
        path: '/disputes/v2/*',
        category: 'disputes',
        class: 'additional',
        latency: { percentile: 0.99, threshold_ms: 4000 },
        availability: 0.995,
      },
    ]);
  });

  test('an invalid config: exit 2, one line per problem on stderr with file:line:col, nothing on stdout', async () => {
    const { code, out, err } = await run(['--config', broken]);
    assert.equal(code, 2);
    assert.equal(out, '');
    const lines = err.trimEnd().split('\n');
    assert.equal(lines.length, 3, err);
    assert.equal(
      lines[0],
      `${broken}:${at(BROKEN, '200 }')}: routes[0].latency.p99: "200" is not a duration (try "200ms")`,
    );
    assert.equal(
      lines[1],
      `${broken}:${at(BROKEN, 'dispute\n')}: routes[1].category: unknown category "dispute" (did you mean "disputes"?)`,
    );
    assert.equal(lines[2], `${broken}: 2 problems`);
    assert.doesNotMatch(err, /\n\s+at /);
  });

  test('usage: --config is required (or SLOPROBE_CONFIG), unknown flags and missing files are exit 2', async () => {
    const saved = process.env.SLOPROBE_CONFIG;
    try {
      delete process.env.SLOPROBE_CONFIG;
      const none = await run([]);
      assert.equal(none.code, 2);
      assert.match(none.err, /--config FILE is required/);
      process.env.SLOPROBE_CONFIG = valid;
      assert.equal((await run([])).code, 0);
    } finally {
      if (saved === undefined) delete process.env.SLOPROBE_CONFIG;
      else process.env.SLOPROBE_CONFIG = saved;
    }
    const unknown = await run(['--config', valid, '--jsn']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /--jsn/);
    const missing = await run(['--config', join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /cannot read config file .*nope\.yaml: no such file/);
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /Usage: sloprobe check --config FILE/);
  });
});
