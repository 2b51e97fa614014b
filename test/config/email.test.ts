/**
 * `notify.email` in the config: what is accepted, and every refusal names file:line:column,
 * the key and what to do. Positions are computed from each case's text. The SMTP password
 * comes only from the environment and appears in no message, no `check` output and no JSON
 * or inspection of the resolved config.
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

const FILE = 'config/mail.yaml';
const PASSWORD = 'smtp-Pa55word-never-printed';

const BASE = `upstream: http://127.0.0.1:9000
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request: { class: transaction-critical }
routes:
  - { name: pay, method: POST, path: /pay, category: payment-request }
`;

const MAIL = `${BASE}notify:
  email:
    host: smtp.example.com
    user: sloprobe
    password_env: SMTP_PASSWORD
    from: "Payments status <status@example.com>"
    subscribers:
      - address: oncall@example.org
      - { address: cards@example.org, methods: [card, upi], categories: [payment-request] }
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

describe('notify.email config', () => {
  test('a valid block resolves: defaults (port 587, STARTTLS required), the password from the environment, filters', () => {
    const c = parseConfig(MAIL, FILE, { SMTP_PASSWORD: PASSWORD });
    const m = c.email;
    assert.ok(m);
    assert.equal(m.host, 'smtp.example.com');
    assert.equal(m.port, 587);
    assert.equal(m.secure, false);
    assert.equal(m.starttls, 'required');
    assert.equal(m.user, 'sloprobe');
    assert.equal(m.password?.reveal(), PASSWORD);
    assert.equal(m.fromDomain, 'example.com', 'the Message-ID domain comes from the From address');
    assert.deepEqual(
      m.subscribers.map((s) => [s.address, s.methods, s.categories]),
      [
        ['oncall@example.org', undefined, undefined],
        ['cards@example.org', ['card', 'upi'], ['payment-request']],
      ],
    );
    for (const shown of [JSON.stringify(c), String(m.password), inspect(c, { depth: 10 })])
      assert.ok(!shown.includes(PASSWORD), shown.slice(0, 200));
    assert.equal(parseConfig(BASE, FILE, {}).email, undefined, 'no notify block: no email');
  });

  test('secure: true defaults to port 465 and refuses a starttls setting', () => {
    const ok = `${BASE}notify:\n  email: { host: smtp.example.com, secure: true, from: a@example.com, subscribers: [{ address: b@example.com }] }\n`;
    assert.equal(parseConfig(ok, FILE, {}).email?.port, 465);
    const text = ok.replace('secure: true,', 'secure: true, starttls: off,');
    assert.deepEqual(problems(text), [
      `${FILE}:${at(text, 'off')}: notify.email.starttls: starttls applies only with secure: false (secure: true is TLS from the first byte)`,
    ]);
  });

  test('password_env naming an unset variable says to export it; a user without it is refused', () => {
    assert.deepEqual(problems(MAIL), [
      `${FILE}:${at(MAIL, 'SMTP_PASSWORD')}: notify.email.password_env: the environment variable SMTP_PASSWORD is not set (export it with the SMTP password)`,
    ]);
    assert.match(problems(MAIL, { SMTP_PASSWORD: '' })[0] ?? '', /SMTP_PASSWORD is empty/);
    const noPassword = MAIL.replace('    password_env: SMTP_PASSWORD\n', '');
    assert.deepEqual(problems(noPassword), [
      `${FILE}:${at(noPassword, 'sloprobe\n')}: notify.email.user: a user needs password_env (the name of the environment variable holding the SMTP password)`,
    ]);
  });

  test('a password written in the file is refused with a pointer to password_env, and not echoed', () => {
    const text = MAIL.replace('    password_env: SMTP_PASSWORD\n', `    password: ${PASSWORD}\n`);
    const messages = problems(text, { SMTP_PASSWORD: PASSWORD });
    assert.ok(
      messages.some(
        (m) =>
          m.startsWith(`${FILE}:${at(text, 'password:')}: notify.email.password`) &&
          m.includes('password_env'),
      ),
      messages.join('\n'),
    );
    assert.ok(!messages.join('\n').includes(PASSWORD));
  });

  test('a bad address, a duplicate, an unknown category and a bad method are each named where they are', () => {
    const text = `${BASE}notify:
  email:
    host: smtp.example.com
    from: not-an-address
    subscribers:
      - address: oncall@example.org
      - address: ONCALL@example.org
      - address: "someone <x@example.org>"
      - { address: a@example.org, categories: [payment-requests], methods: [Card] }
`;
    assert.deepEqual(problems(text), [
      `${FILE}:${at(text, 'not-an-address')}: notify.email.from: "not-an-address" is not an address such as "sloprobe@example.com" or "Status <status@example.com>"`,
      `${FILE}:${at(text, 'ONCALL')}: notify.email.subscribers[1].address: this address is already a subscriber above (one entry per address)`,
      `${FILE}:${at(text, '"someone')}: notify.email.subscribers[2].address: "someone <x@example.org>" is not an email address such as "oncall@example.com"`,
      `${FILE}:${at(text, 'payment-requests')}: notify.email.subscribers[3].categories[0]: unknown category "payment-requests" (did you mean "payment-request"?)`,
      `${FILE}:${at(text, 'Card')}: notify.email.subscribers[3].methods[0]: "Card" is not a payment method identifier (lower case letters, digits and _, such as card or upi)`,
    ]);
  });

  test('events: the downtime events by default, SLO alerts on request, an unknown one with a did-you-mean', () => {
    const ok = `${BASE}notify:\n  email: { host: smtp.example.com, from: a@example.com, subscribers: [{ address: b@example.com }, { address: c@example.com, events: [slo.alert.raised] }] }\n`;
    assert.deepEqual(
      parseConfig(ok, FILE, {}).email?.subscribers.map((s) => s.events),
      [
        ['payment.downtime.started', 'payment.downtime.updated', 'payment.downtime.resolved'],
        ['slo.alert.raised'],
      ],
    );
    const text = ok.replace('[slo.alert.raised]', '[slo.alert.raise]');
    assert.deepEqual(problems(text), [
      `${FILE}:${at(text, 'slo.alert.raise]')}: notify.email.subscribers[1].events[0]: unknown event "slo.alert.raise" (did you mean "slo.alert.raised"?)`,
    ]);
  });

  test('a host with a port in it says where the port goes', () => {
    const text = `${BASE}notify:\n  email: { host: "smtp.example.com:25", from: a@example.com, subscribers: [{ address: b@example.com }] }\n`;
    assert.deepEqual(problems(text), [
      `${FILE}:${at(text, '"smtp.example.com:25"')}: notify.email.host: "smtp.example.com:25" is not a host name: give the name alone (the port goes in port)`,
    ]);
  });

  test('`sloprobe check` shows the mail settings and where the password comes from, never the password', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sloprobe-mail-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'mail.yaml');
    writeFileSync(file, MAIL);
    const r = await runCli(['check', '--config', file], { SMTP_PASSWORD: PASSWORD });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^email: via smtp\.example\.com:587 \(STARTTLS required, user sloprobe \(password from \$SMTP_PASSWORD\)\), from Payments status <status@example\.com>, 2 subscribers$/m,
    );
    assert.match(r.stdout, /^ {2}cards@example\.org: categories payment-request; methods card, upi$/m);
    assert.ok(!(r.stdout + r.stderr).includes(PASSWORD));
    const json = await runCli(['check', '--config', file, '--json'], { SMTP_PASSWORD: PASSWORD });
    assert.ok(!(json.stdout + json.stderr).includes(PASSWORD));
    const unset = await runCli(['check', '--config', file], {});
    assert.equal(unset.code, 2);
    assert.match(
      unset.stderr,
      /notify\.email\.password_env: the environment variable SMTP_PASSWORD is not set/,
    );
  });
});
