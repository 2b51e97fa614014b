/**
 * `webhooks:` and `alerting.hold` in the config: what is accepted, and every refusal names
 * file:line:column, the key and what to do. Positions are computed from each case's text.
 * The secret appears in no message, no `check` output and no JSON of the resolved config.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { parseConfig } from '../../src/config/load.js';
import { ConfigErrors } from '../../src/errors.js';
import { runCli } from '../helpers/spawn.js';

const FILE = 'config/hooks.yaml';
const SECRET = 'Sup3r-s3cret-value-never-printed';

const BASE = `upstream: http://127.0.0.1:9000
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request: { class: transaction-critical }
routes:
  - { name: pay, method: POST, path: /pay, category: payment-request }
`;

function at(text: string, needle: string): string {
  const index = text.indexOf(needle);
  assert.ok(index >= 0, `"${needle}" is not in the test YAML`);
  const before = text.slice(0, index);
  return `${before.split('\n').length}:${index - (before.lastIndexOf('\n') + 1) + 1}`;
}

function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(text, FILE, env);
  } catch (err) {
    assert.ok(err instanceof ConfigErrors, String(err));
    assert.equal(err.exitCode, 2);
    return err.errors.map((e) => e.message);
  }
  assert.fail('expected the config to be refused');
}

describe('webhooks config', () => {
  test('a valid list resolves: secret inline or from the environment, events, account_id', () => {
    const text = `${BASE}webhooks:
  - url: https://hooks.example.com/sloprobe?tenant=7
    secret: ${SECRET}
    events: [payment.downtime.started, payment.downtime.resolved]
    account_id: acc_BFQ7uQEaa7j2z7
  - url: http://127.0.0.1:9999/hooks
    secret_env: HOOK_SECRET
    events: [slo.alert.raised, slo.alert.cleared]
alerting: { hold: 10m }
`;
    const c = parseConfig(text, FILE, { HOOK_SECRET: 'from-env-secret-value' });
    assert.equal(c.webhooks.length, 2);
    const [a, b] = c.webhooks;
    assert.equal(a?.url, 'https://hooks.example.com/sloprobe?tenant=7');
    assert.equal(a?.label, 'https://hooks.example.com/sloprobe', 'the metric label drops the query');
    assert.equal(a?.secret.reveal(), SECRET);
    assert.deepEqual(a?.events, ['payment.downtime.started', 'payment.downtime.resolved']);
    assert.equal(a?.accountId, 'acc_BFQ7uQEaa7j2z7');
    assert.equal(b?.secret.reveal(), 'from-env-secret-value');
    assert.equal(b?.accountId, null);
    assert.equal(c.alerting.holdMs, 600_000);
    // JSON (logs, /v1/*), String() and util.inspect never show the secret.
    for (const shown of [JSON.stringify(c), String(a?.secret), inspect(c, { depth: 10 })])
      assert.ok(!shown.includes(SECRET) && !shown.includes('from-env-secret-value'), shown.slice(0, 200));
  });

  test('a url that is not http or https', () => {
    const text = `${BASE}webhooks:
  - url: ftp://hooks.example.com/x
    secret: ${SECRET}
    events: [slo.alert.raised]
`;
    assert.deepEqual(problems(text), [
      `${FILE}:${at(text, 'ftp://')}: webhooks[0].url: only http and https webhook URLs are supported, not ftp`,
    ]);
  });

  test('credentials in the url', () => {
    const text = `${BASE}webhooks:
  - url: https://user:pw@hooks.example.com/x
    secret: ${SECRET}
    events: [slo.alert.raised]
`;
    assert.match(
      problems(text)[0] ?? '',
      /^config\/hooks\.yaml:\d+:\d+: webhooks\[0\]\.url: credentials do not belong/,
    );
  });

  test('secret_env naming an unset variable says to export it, and never prints a secret', () => {
    const text = `${BASE}webhooks:
  - url: https://hooks.example.com/x
    secret_env: HOOK_SECRET
    events: [slo.alert.raised]
`;
    assert.deepEqual(problems(text), [
      `${FILE}:${at(text, 'HOOK_SECRET')}: webhooks[0].secret_env: the environment variable HOOK_SECRET is not set (export it with the webhook secret)`,
    ]);
    assert.match(problems(text, { HOOK_SECRET: '' })[0] ?? '', /HOOK_SECRET is empty/);
  });

  test('both secret and secret_env, or neither', () => {
    const both = `${BASE}webhooks:
  - url: https://hooks.example.com/x
    secret: ${SECRET}
    secret_env: HOOK_SECRET
    events: [slo.alert.raised]
`;
    const messages = problems(both, { HOOK_SECRET: 'x' });
    assert.deepEqual(messages, [
      `${FILE}:${at(both, 'HOOK_SECRET')}: webhooks[0].secret_env: give either secret or secret_env, not both`,
    ]);
    assert.ok(!messages.join('').includes(SECRET));
    const neither = `${BASE}webhooks:
  - url: https://hooks.example.com/x
    events: [slo.alert.raised]
`;
    assert.deepEqual(problems(neither), [
      `${FILE}:${at(neither, 'url:')}: webhooks[0]: a webhook needs secret or secret_env (the key its signatures are made with)`,
    ]);
  });

  test('an unknown event gets a did-you-mean; a misspelt key too', () => {
    const text = `${BASE}webhooks:
  - url: https://hooks.example.com/x
    secret: ${SECRET}
    events: [payment.downtime.start]
`;
    const [message] = problems(text);
    assert.equal(
      message,
      `${FILE}:${at(text, 'payment.downtime.start]')}: webhooks[0].events[0]: unknown event "payment.downtime.start" (did you mean "payment.downtime.started"?)`,
    );
    assert.ok(!message?.includes(SECRET));
    const key = `${BASE}webhooks:
  - url: https://hooks.example.com/x
    secrets: ${SECRET}
    events: [slo.alert.raised]
`;
    assert.ok(
      problems(key).some((m) => m.includes('webhooks[0].secrets') && m.includes('did you mean "secret"')),
    );
  });

  test('the same url twice', () => {
    const text = `${BASE}webhooks:
  - { url: "https://hooks.example.com/x", secret: a-long-enough-secret, events: [slo.alert.raised] }
  - { url: "https://hooks.example.com/x", secret: a-long-enough-secret, events: [slo.alert.cleared] }
`;
    const second = text.indexOf('url:', text.indexOf('url:') + 1);
    const before = text.slice(0, second + 5);
    const line = before.split('\n').length;
    const column = second + 5 - (before.lastIndexOf('\n') + 1) + 1;
    assert.deepEqual(problems(text), [
      `${FILE}:${line}:${column}: webhooks[1].url: this URL is already configured above (one entry per endpoint)`,
    ]);
  });

  test('`sloprobe check` accepts the config and prints no secret', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sloprobe-hooks-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'hooks.yaml');
    writeFileSync(
      file,
      `${BASE}webhooks:\n  - { url: "https://hooks.example.com/x", secret_env: HOOK_SECRET, events: [slo.alert.raised] }\n`,
    );
    const r = await runCli(['check', '--config', file], { HOOK_SECRET: SECRET });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!(r.stdout + r.stderr).includes(SECRET));
    const json = await runCli(['check', '--config', file, '--json'], { HOOK_SECRET: SECRET });
    assert.ok(!(json.stdout + json.stderr).includes(SECRET));
  });
});
