/**
 * `probes:` in the config: a bad probe is refused at load with file:line:column and what to
 * do, exit 2 (README, Configuration). Positions are computed from each case's YAML text.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { ConfigErrors } from '../../src/errors.js';
import { sloSpecs } from '../../src/rules/slo-spec.js';
import { cliPath, repoRoot } from '../helpers/paths.js';

const FILE = 'config/probes.yaml';

const BASE = `upstream: http://127.0.0.1:9000
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request: { class: transaction-critical }
routes:
  - { name: create-payment, method: POST, path: /v1/payments, category: payment-request }
  - { name: read-payment, method: GET, path: "/v1/payments/{id}", category: payment-request }
`;

function withProbe(probe: string): string {
  return `${BASE}probes:\n  - ${probe}\n`;
}

/** `line:column` (1-based) of `needle` in `text`, looked for under `probes:`. */
function at(text: string, needle: string): string {
  const index = text.indexOf(needle, text.indexOf('probes:'));
  assert.ok(index >= 0, `"${needle}" is not in the test YAML`);
  const before = text.slice(0, index);
  return `${before.split('\n').length}:${index - (before.lastIndexOf('\n') + 1) + 1}`;
}

function problems(text: string): string[] {
  try {
    parseConfig(text, FILE);
  } catch (err) {
    assert.ok(err instanceof ConfigErrors, `expected ConfigErrors, got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    return err.errors.map((e) => e.message);
  }
  assert.fail('expected the config to be refused');
}

describe('probes: config', () => {
  test('a valid probe resolves, interval in ms, headers lower-cased, include_synthetic per SLO', () => {
    const cfg = parseConfig(
      `${BASE}include_synthetic: false
slos:
  - { name: reads, sli: availability, objective: 99%, over: { route: read-payment }, include_synthetic: true }
probes:
  - { route: read-payment, method: GET, path: /v1/payments/probe?x=1, interval: 1m, headers: { X-Api-Key: k }, expect_status: 404 }
`,
      FILE,
    );
    assert.deepEqual(cfg.probes, [
      {
        route: 'read-payment',
        method: 'GET',
        path: '/v1/payments/probe?x=1',
        // 1m = 60 s = 60 000 ms
        intervalMs: 60_000,
        headers: ['x-api-key', 'k'],
        body: undefined,
        expectStatus: 404,
      },
    ]);
    assert.equal(cfg.slos.find((s) => s.name === 'reads')?.includeSynthetic, true);
    // Generated SLOs take the top-level default, false: out of the SLA figures.
    assert.equal(cfg.slos.find((s) => s.name === 'payment-request-availability')?.includeSynthetic, false);
  });

  test('the route must exist (did you mean)', () => {
    const text = withProbe(
      '{ route: read-paymnt, method: GET, path: /v1/payments/p, interval: 30s, expect_status: 200 }',
    );
    assert.deepEqual(problems(text), [
      `${FILE}:${at(text, 'read-paymnt')}: probes[0].route: unknown route "read-paymnt" (did you mean "read-payment"?)`,
    ]);
  });

  test('the path must route to that route, for that method', () => {
    const text = withProbe(
      '{ route: read-payment, method: POST, path: /v1/payments, interval: 30s, expect_status: 201 }',
    );
    const [message, ...rest] = problems(text);
    assert.deepEqual(rest, []);
    assert.equal(
      message,
      `${FILE}:${at(text, '/v1/payments,')}: probes[0].path: POST /v1/payments routes to "create-payment", not to "read-payment"; use a path and method of route "read-payment" (/v1/payments/{id})`,
    );
  });

  test('a path no route matches lands on unmatched, and is refused', () => {
    const text = withProbe(
      '{ route: read-payment, method: GET, path: /health, interval: 30s, expect_status: 200 }',
    );
    assert.match(
      problems(text)[0]!,
      /probes\[0\]\.path: GET \/health routes to "unmatched", not to "read-payment"/,
    );
  });

  test('interval below 1s is refused', () => {
    const text = withProbe(
      '{ route: read-payment, method: GET, path: /v1/payments/p, interval: 500ms, expect_status: 200 }',
    );
    assert.deepEqual(problems(text), [
      `${FILE}:${at(text, '500ms')}: probes[0].interval: "500ms" is shorter than the minimum probe interval; use 1s or more`,
    ]);
  });

  test('a method or a path of the wrong shape is refused', () => {
    const method = withProbe(
      '{ route: read-payment, method: get, path: /v1/payments/p, interval: 30s, expect_status: 200 }',
    );
    assert.match(
      problems(method)[0]!,
      new RegExp(
        `^${FILE}:${at(method, 'get,')}: probes\\[0\\]\\.method: "get" is not valid \\(an upper-case HTTP method such as GET\\)$`,
      ),
    );
    const path = withProbe(
      '{ route: read-payment, method: GET, path: "v1/payments/p", interval: 30s, expect_status: 200 }',
    );
    assert.match(
      problems(path)[0]!,
      new RegExp(
        `^${FILE}:${at(path, '"v1/')}: probes\\[0\\]\\.path: "v1/payments/p" is not an origin-form target`,
      ),
    );
  });

  test('the marker header cannot be set by the config', () => {
    const text = withProbe(
      '{ route: read-payment, method: GET, path: /v1/payments/p, interval: 30s, expect_status: 200, headers: { x-sloprobe-synthetic: x } }',
    );
    assert.deepEqual(problems(text), [
      `${FILE}:${at(text, 'x-sloprobe-synthetic')}: probes[0].headers.x-sloprobe-synthetic: x-sloprobe-synthetic is set by the sidecar for every probe; remove it`,
    ]);
  });

  test('sloprobe check exits 2 on a bad probe, naming file:line:column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sloprobe-probes-'));
    try {
      const file = join(dir, 'probes.yaml');
      const text = withProbe(
        '{ route: read-payment, method: GET, path: /v1/payments/p, interval: 0.5s, expect_status: 200 }',
      );
      writeFileSync(file, text);
      const r = spawnSync(process.execPath, [cliPath, 'check', '--config', file], {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, SLOPROBE_CONFIG: '' },
      });
      assert.equal(r.status, 2);
      assert.match(r.stderr, new RegExp(`^${file}:${at(text, '0.5s')}: probes\\[0\\]\\.interval: `, 'm'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('probes in the generated Prometheus rules', () => {
  test('an SLO leaves synthetic series out unless it includes them', () => {
    const cfg = parseConfig(
      `${BASE}slos:
  - { name: reads, sli: availability, objective: 99%, over: { route: read-payment }, include_synthetic: true }
`,
      FILE,
    );
    const specs = sloSpecs(cfg, 'payments', []);
    const byName = (n: string) => specs.find((s) => s.def.name === n)!.matchers;
    assert.equal(
      byName('payment-request-availability'),
      'route=~"create-payment|read-payment",synthetic!="true"',
    );
    assert.equal(byName('reads'), 'route=~"read-payment"');
  });
});
