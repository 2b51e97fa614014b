/**
 * Broken configs (README, Configuration): "Errors name the file, line and column and the key
 * (`config/klarna.yaml:14:7: routes[3].latency.p99: "200" is not a duration (try "200ms")`),
 * reject unknown keys with a "did you mean", detect duplicate route names and duplicate
 * method+path pairs." Positions are computed from the YAML text of each case, never copied.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfigFile, parseConfig } from '../../src/config/load.js';
import { ConfigError, ConfigErrors, ErrorCodes, SloprobeError } from '../../src/errors.js';

const FILE = 'config/broken.yaml';

const BASE = `upstream: http://127.0.0.1:9000
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request: { class: transaction-critical }
routes:
  - name: hpp-create-session
    method: POST
    path: /hpp/v1/sessions
    category: payment-request
    latency: { p99: 200ms }
`;

/** `line:column` (1-based) of the `nth` occurrence of `needle` in `text`. */
function at(text: string, needle: string, nth = 0): string {
  let index = -1;
  for (let i = 0; i <= nth; i++) {
    index = text.indexOf(needle, index + 1);
    assert.ok(index >= 0, `"${needle}" (#${nth}) is not in the test YAML`);
  }
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  const column = index - (before.lastIndexOf('\n') + 1) + 1;
  return `${line}:${column}`;
}

/** The messages of the ConfigErrors that `text` produces (it must produce some). */
function problems(text: string): string[] {
  try {
    parseConfig(text, FILE);
  } catch (err) {
    assert.ok(err instanceof ConfigErrors, `expected ConfigErrors, got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    assert.equal(err.code, ErrorCodes.CONFIG);
    return err.errors.map((e) => e.message);
  }
  assert.fail('expected the config to be refused');
}

function route(extra: string): string {
  return `${BASE}  - name: second
    method: GET
    path: /hpp/v1/sessions/{session_id}
    category: payment-request
${extra}`;
}

describe('broken configs name file:line:column, the key and a hint', () => {
  test('the base config used by these cases is valid', () => {
    assert.equal(parseConfig(BASE, FILE).routes.length, 1);
  });

  test('a latency objective without a unit (the README example)', () => {
    const text = `upstream: http://127.0.0.1:9000
classes: { c: { availability: 99% } }
categories: { k: { class: c } }
routes:
  - { name: a, method: GET, path: /a, category: k }
  - { name: b, method: GET, path: /b, category: k }
  - { name: c, method: GET, path: /c, category: k }
  - name: d
    method: GET
    path: /d
    category: k
    latency:
      p99: 200
`;
    assert.deepEqual(problems(text), [
      `${FILE}:${at(text, '200')}: routes[3].latency.p99: "200" is not a duration (try "200ms")`,
    ]);
  });

  test('an unknown key gets a "did you mean" at the key', () => {
    const text = BASE.replace('    latency:', '    lattency:');
    assert.deepEqual(problems(text), [
      `${FILE}:${at(text, 'lattency')}: routes[0].lattency: unknown key (did you mean "latency"?)`,
    ]);
    const top = `acess_log: stdout\n${BASE}`;
    assert.deepEqual(problems(top), [`${FILE}:1:1: acess_log: unknown key (did you mean "access_log"?)`]);
  });

  test('an unknown key with nothing close lists the keys allowed there', () => {
    const [message] = problems(`${BASE}colour: red\n`);
    assert.match(
      message!,
      /^config\/broken\.yaml:12:1: colour: unknown key \(expected one of: upstream, listen, admin,/,
    );
  });

  test('a percentage written as a bare number', () => {
    const text = BASE.replace('availability: 99%', 'availability: 99');
    assert.deepEqual(problems(text), [
      `${FILE}:${at(text, '99 }')}: classes.transaction-critical.availability: 99 is not a ratio (write "99%" or 0.99)`,
    ]);
  });

  test('a route naming a category that does not exist', () => {
    const text = BASE.replace('category: payment-request', 'category: paymnet-request');
    assert.deepEqual(problems(text), [
      `${FILE}:${at(text, 'paymnet-request')}: routes[0].category: unknown category "paymnet-request" (did you mean "payment-request"?)`,
    ]);
  });

  test('a category naming a class that does not exist', () => {
    const text = BASE.replace('{ class: transaction-critical }', '{ class: transaction-critcal }');
    assert.deepEqual(problems(text), [
      `${FILE}:${at(text, 'transaction-critcal')}: categories.payment-request.class: unknown class "transaction-critcal" (did you mean "transaction-critical"?)`,
    ]);
  });

  test('a duplicate route name points at the first one', () => {
    const text = route('').replace('name: second', 'name: hpp-create-session');
    assert.deepEqual(problems(text), [
      `${FILE}:${at(text, 'hpp-create-session', 1)}: routes[1].name: duplicate route name "hpp-create-session" (first used by routes[0] at ${FILE}:${at(text, 'hpp-create-session')})`,
    ]);
  });

  test('the same method and path twice, even with other parameter names', () => {
    const text = `${BASE}  - { name: read, method: GET, path: "/orders/{order_id}", category: payment-request }
  - { name: read-again, method: [PUT, GET], path: "/orders/{id}", category: payment-request }
`;
    const [message, ...rest] = problems(text);
    assert.deepEqual(rest, []);
    assert.ok(
      message!.startsWith(
        `${FILE}:${at(text, '"/orders/{id}"')}: routes[2].path: GET /orders/{id} is already routed by "read"`,
      ),
      message,
    );
  });

  test('two "*" routes on the same path are ambiguous', () => {
    const text = `${BASE}  - { name: any, method: "*", path: /hpp/v1/sessions, category: payment-request }
  - { name: any2, method: "*", path: /hpp/v1/sessions, category: payment-request }\n`;
    const [message] = problems(text);
    assert.match(message!, /routes\[2\]\.path: "\*" \/hpp\/v1\/sessions is already routed by "any"/);
  });

  test('a "*" route beside a named method on the same path loads (the named method wins)', () => {
    const text = `${BASE}  - { name: any, method: "*", path: /hpp/v1/sessions, category: payment-request }\n`;
    const routes = parseConfig(text, FILE).routes;
    assert.deepEqual(
      routes.map((r) => [r.name, r.anyMethod]),
      [
        ['hpp-create-session', false],
        ['any', true],
      ],
    );
  });

  test('different methods on one path, and GET next to other methods on one prefix, load', () => {
    const text = `${BASE}  - { name: read, method: GET, path: /hpp/v1/sessions, category: payment-request }
  - { name: om-read, method: GET, path: /ordermanagement/*, category: payment-request }
  - { name: om-other, method: [POST, PATCH, DELETE], path: /ordermanagement/*, category: payment-request }
`;
    assert.equal(parseConfig(text, FILE).routes.length, 4);
  });

  test('a YAML syntax error names its line', () => {
    const text = BASE.replace('    path: /hpp/v1/sessions', '   path: /hpp/v1/sessions');
    const messages = problems(text);
    assert.ok(messages.length >= 1);
    assert.ok(messages[0]!.startsWith(`${FILE}:${at(text, '   path').split(':')[0]}:`), messages[0]);
    const unclosed = problems(BASE.replace('{ p99: 200ms }', '{ p99: 200ms'));
    assert.match(unclosed[0]!, /^config\/broken\.yaml:\d+:\d+: YAML: /);
  });

  test('a bare * says to quote it', () => {
    const text = `${BASE}  - name: any\n    method: *\n    path: /x/*\n    category: payment-request\n`;
    assert.deepEqual(problems(text), [
      `${FILE}:${at(text, '*\n')}: a bare * is YAML alias syntax; quote it: "*"`,
    ]);
  });

  test('a key written twice in one mapping', () => {
    const text = BASE.replace('    method: POST\n', '    method: POST\n    method: GET\n');
    assert.deepEqual(problems(text), [
      `${FILE}:${at(text, 'method', 1)}: duplicate key "method" in the same mapping (YAML keeps only one of them)`,
    ]);
  });

  test('an upstream that is not an http(s) origin', () => {
    const ftp = BASE.replace('http://127.0.0.1:9000', 'ftp://127.0.0.1:9000');
    assert.deepEqual(problems(ftp), [
      `${FILE}:1:11: upstream: "ftp://127.0.0.1:9000": only http and https upstreams are supported, not ftp`,
    ]);
    const withPath = BASE.replace('http://127.0.0.1:9000', 'http://127.0.0.1:9000/api/v1');
    assert.deepEqual(problems(withPath), [
      `${FILE}:1:11: upstream: "http://127.0.0.1:9000/api/v1" must be an origin without path or query (try "http://127.0.0.1:9000")`,
    ]);
  });

  test('missing keys, wrong types and bad names', () => {
    const text = BASE.replace('    category: payment-request\n', '');
    assert.deepEqual(problems(text), [
      `${FILE}:${at(text, 'name: hpp')}: routes[0]: missing required key "category"`,
    ]);
    assert.deepEqual(problems('upstream: http://127.0.0.1:9000\nroutes: {}\n'), [
      `${FILE}:2:9: routes: expected a list, not a mapping`,
    ]);
    const badName = BASE.replace('name: hpp-create-session', 'name: "hpp create session"');
    assert.match(
      problems(badName)[0]!,
      /routes\[0\]\.name: "hpp create session" is not valid \(a name of letters, digits/,
    );
    // `name:` with nothing after it is YAML's null.
    const emptyName = BASE.replace('name: hpp-create-session', 'name:');
    assert.match(
      problems(emptyName)[0]!,
      /routes\[0\]\.name: expected a name of letters, .*, not an empty value$/,
    );
    // A name of the wrong type says what a name is.
    const listName = BASE.replace('name: hpp-create-session', 'name: [hpp]');
    assert.match(
      problems(listName)[0]!,
      /routes\[0\]\.name: expected a name of letters, digits and \. _ - : \(e\.g\. hpp-create-session\), not a list$/,
    );
    const unmatched = BASE.replace('name: hpp-create-session', 'name: unmatched');
    assert.match(
      problems(unmatched)[0]!,
      /routes\[0\]\.name: "unmatched" is reserved for requests no route matches/,
    );
  });

  test('bad paths and methods', () => {
    const text = route('')
      .replace('path: /hpp/v1/sessions/{session_id}', 'path: hpp/{x}')
      .replace('method: GET', 'method: GETT');
    const messages = problems(text);
    assert.equal(messages.length, 2);
    assert.match(messages[0]!, /routes\[1\]\.method: "GETT" is not an HTTP method \(did you mean "GET"\?\)/);
    assert.match(messages[1]!, /routes\[1\]\.path: "hpp\/\{x\}" must start with "\/"/);
  });

  test('every problem of a file is reported in one pass, in file order', () => {
    const text = BASE.replace('availability: 99%', 'availability: 99')
      .replace('category: payment-request', 'category: nope')
      .replace('{ p99: 200ms }', '{ p99: 200 }');
    let thrown: unknown;
    try {
      parseConfig(text, FILE);
    } catch (err) {
      thrown = err;
    }
    assert.ok(thrown instanceof ConfigErrors);
    assert.deepEqual(
      thrown.errors.map((e) => e.keyPath),
      ['classes.transaction-critical.availability', 'routes[0].category', 'routes[0].latency.p99'],
    );
    for (const e of thrown.errors) {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.position?.file, FILE);
    }
    assert.equal(thrown.message.split('\n').length, 3);
  });

  test('SLO and maintenance mistakes', () => {
    const text = `${BASE}slos:
  - { name: payment-request-availability, sli: availability, over: { category: payment-request } }
  - { name: x, sli: availability, over: { category: payment-requests } }
  - { name: y, sli: latency, method: timeslices, over: { route: hpp-create-session } }
  - { name: z, sli: latency, over: { category: payment-request } }
maintenance:
  windows:
    - { id: w1, start: 2025-03-02T00:00:00Z, end: 2025-03-01T00:00:00Z, announced_at: 2025-02-01, routes: [hpp] }
`;
    const messages = problems(text);
    const expected = [
      /slos\[0\]\.name: "payment-request-availability" is already the name of an SLO generated from the route map/,
      /slos\[1\]\.over\.category: unknown category "payment-requests" \(did you mean "payment-request"\?\)/,
      /slos\[2\]\.method: timeslices budgeting counts error responses per slice \(docs\/sla-definitions\.md#timeslice-error-rate\)/,
      /slos\[3\]\.sli: a latency SLO over a category needs latency: \{ p99: 300ms \}/,
      /maintenance\.windows\[0\]\.end: a window must end after it starts/,
      /maintenance\.windows\[0\]\.announced_at: "2025-02-01" is not an RFC 3339 timestamp/,
      /maintenance\.windows\[0\]\.routes\[0\]: unknown route "hpp"/,
    ];
    assert.equal(messages.length, expected.length, messages.join('\n'));
    expected.forEach((re, i) => {
      assert.match(messages[i]!, re);
    });
  });

  test('an empty file', () => {
    assert.deepEqual(problems(''), [
      `${FILE}:1:1: the config is empty (it needs at least upstream: and routes:)`,
    ]);
  });
});

describe('reading the file', () => {
  test('a missing file or a directory is a clear error naming the file (exit 2)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sloprobe-config-'));
    try {
      const missing = join(dir, 'nope.yaml');
      assert.throws(
        () => loadConfigFile(missing),
        (err: unknown) =>
          err instanceof SloprobeError &&
          err.code === ErrorCodes.CONFIG_READ &&
          err.exitCode === 2 &&
          err.message === `cannot read config file ${missing}: no such file`,
      );
      assert.throws(() => loadConfigFile(dir), /cannot read config file .*: it is a directory/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
