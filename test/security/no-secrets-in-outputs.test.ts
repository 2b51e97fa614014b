/**
 * No card number, body or credential in any output. A real sidecar (real listeners, a real
 * store in a data directory, the real outbox) in front of the demo's mock payment API gets
 * card numbers and secrets in paths, query strings, headers (Authorization, Cookie,
 * X-Api-Key, X-Request-Id, a custom one) and bodies; one payment method fails until a
 * downtime opens and its webhook and email reach a receiver and an SMTP server on loopback. Then every output is read
 * and searched: the access log, the sidecar's own log, every admin read endpoint (JSON API,
 * status page, feeds, Statuspage API, /metrics), the webhooks and emails as delivered, the bytes of
 * every file in the data directory, and what `sloprobe report` and `sloprobe replay` print.
 *
 * The card numbers are the test cards worked by hand in test/security/pan.test.ts; a
 * 16-digit number that fails Luhn travels with them and must reach the access log intact,
 * which proves the search reads the log and the mask does not blank every long number.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { request } from 'undici';
import { ADMIN_TOKEN_ENV } from '../../src/config/resolve-payments.js';
import { createAppLog } from '../../src/log/app-log.js';
import { CONFIG, harness, MINUTE, T0 } from '../downtime/harness.js';
import { loopbackConfig, startLoopbackSidecar } from '../helpers/sidecar.js';
import { runCli } from '../helpers/spawn.js';
import { startReceiver } from '../notify/receiver.js';
import { startSmtp } from '../notify/smtp.js';

const VISA = '4111111111111111';
const MASTERCARD = '5555555555554444';
const AMEX = '378282246310005';
const DISCOVER = '6011111111111117';
const VISA13 = '4222222222222';
const PANS = [VISA, MASTERCARD, AMEX, DISCOVER, VISA13];
// 1234 5678 1234 5678 fails Luhn (68, worked in pan.test.ts): an order number, kept as it is.
const NOT_LUHN = '1234567812345678';

const ADMIN_TOKEN = 'adm-tok-9f8e7d6c5b4a39281706';
const HOOK_SECRET = 'hook-secret-5e4d3c2b1a0f9e8d';
const BEARER = 'sk_live_bearerSecret0c1d2e3f4a5b';
const BASIC = Buffer.from(`merchant:${VISA}`).toString('base64');
const API_KEY = 'key_live_apiKeySecret7a8b9c0d';
const COOKIE = 'sess_cookieSecret1f2e3d4c5b6a';
const CUSTOM = 'custom-header-secret-3a4b5c6d';
const BODY_MARK = 'body-secret-marker-8e9f0a1b';
const CVV_MARK = 'cvv-9081';
const SMTP_PASSWORD = 'smtp-pass-6b7c8d9e0f1a2b3c';

/** What must appear in no output: card digits (all, and the part the mask must hide) and secrets. */
const FORBIDDEN = [
  ...PANS.flatMap((p) => [p, p.slice(0, -4)]),
  '4111-1111-1111-1111',
  '5555 5555 5555 4444',
  '5555%205555%205555%204444',
  ADMIN_TOKEN,
  HOOK_SECRET,
  SMTP_PASSWORD,
  BEARER,
  BASIC,
  API_KEY,
  COOKIE,
  CUSTOM,
  BODY_MARK,
  CVV_MARK,
];

const EXTRA_ROUTES = `  - { name: card, method: GET, path: "/v1/cards/{card}", category: payments }
webhooks:
  - url: RECEIVER
    secret_env: NO_PAN_HOOK_SECRET
    events: [payment.downtime.started, payment.downtime.updated, payment.downtime.resolved]
notify:
  email:
    host: 127.0.0.1
    port: SMTP_PORT
    starttls: off
    user: sloprobe
    password_env: NO_PAN_SMTP_PASSWORD
    from: status@example.com
    subscribers:
      - { address: oncall@example.org }
`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** `p`, or a failure naming `what` after `ms` of wall time (a missing delivery fails, never hangs). */
async function within(p: Promise<void>, what: string, ms = 20_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not arrive within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

function assertClean(name: string, text: string): void {
  assert.ok(text.length > 0, `${name} is empty: nothing was searched`);
  for (const s of FORBIDDEN) assert.ok(!text.includes(s), `${name} contains ${JSON.stringify(s)}`);
}

test('no card number, body or credential reaches any output', async () => {
  const saved = process.env[ADMIN_TOKEN_ENV];
  delete process.env[ADMIN_TOKEN_ENV];
  const dir = mkdtempSync(join(tmpdir(), 'sloprobe-no-pan-'));
  const dataDir = join(dir, 'data');
  const accessLog = join(dir, 'access.log');
  const configFile = join(dir, 'sloprobe.yaml');
  const rx = await startReceiver();
  const smtp = await startSmtp({ auth: { user: 'sloprobe', pass: SMTP_PASSWORD } });
  const h = await harness();
  const appLog: string[] = [];
  const sink = new PassThrough();
  sink.setEncoding('utf8').on('data', (c: string) => appLog.push(c));
  const env = { NO_PAN_HOOK_SECRET: HOOK_SECRET, NO_PAN_SMTP_PASSWORD: SMTP_PASSWORD };
  const configText =
    CONFIG + EXTRA_ROUTES.replace('RECEIVER', rx.url).replace('SMTP_PORT', String(smtp.port));
  writeFileSync(configFile, configText.replace('http://127.0.0.1:9', h.mock.url));
  const config = loopbackConfig(configText, configFile, { env, upstream: h.mock.url, dataDir, accessLog });
  h.sidecar = await startLoopbackSidecar(
    { ...config, adminToken: ADMIN_TOKEN },
    { log: createAppLog({ destination: sink }), now: h.clock.now },
  );
  const proxy = `http://127.0.0.1:${h.sidecar.proxyAddress.port}`;
  const admin = `http://127.0.0.1:${h.sidecar.adminAddress.port}`;
  let closed = false;
  try {
    const secretHeaders = (i: number) => ({
      authorization: i % 2 === 0 ? `Bearer ${BEARER}` : `Basic ${BASIC}`,
      cookie: `session=${COOKIE}; card=${VISA}`,
      'x-api-key': API_KEY,
      'x-card-number': MASTERCARD,
      'x-custom-secret': CUSTOM,
      'x-request-id': `req-${DISCOVER}-n${i}`,
    });
    const body = JSON.stringify({ card: { number: VISA, cvc: CVV_MARK, holder: BODY_MARK }, amount: 100 });
    const send = async (method: string, path: string, i: number, extra: Record<string, string> = {}) => {
      const res = await request(`${proxy}${path}`, {
        method: method as 'GET',
        headers: { ...secretHeaders(i), 'content-type': 'application/json', ...extra },
        body: method === 'POST' ? body : undefined,
      });
      await res.body.dump();
      return res.statusCode;
    };

    // Minute 10:00. Card numbers in a routed path segment, grouped forms, an unmatched path,
    // query strings; the card method fails (500) so that a downtime opens.
    h.mock.failMethod('card');
    const paths = [
      `/v1/cards/${VISA}`,
      '/v1/cards/4111-1111-1111-1111',
      '/v1/cards/5555%205555%205555%204444',
      `/v1/cards/${NOT_LUHN}`,
      `/v1/unknown/${AMEX}/x`,
      `/v1/orders?card=${VISA13}&pan=${encodeURIComponent('5555 5555 5555 4444')}`,
      `/v1/payments/${DISCOVER}`,
    ];
    let i = 0;
    for (const p of paths) await send('GET', p, i++);
    const statuses = new Set<number>();
    for (let k = 0; k < 20; k++)
      statuses.add(
        await send('POST', `/v1/payments?card_number=${VISA}`, i++, { 'x-payment-method': 'card' }),
      );
    for (let k = 0; k < 20; k++) await send('POST', '/v1/payments', i++, { 'x-payment-method': 'fpx' });
    assert.ok(statuses.has(500), 'the card payments failed upstream');
    h.clock.t = T0 + 30_000;
    h.tick();

    // The detected downtime's webhook, delivered by the outbox's own timer.
    await within(rx.waitFor(1), 'the downtime webhook');
    assert.match(rx.received[0]!.body, /payment\.downtime\.started/);

    // Every admin read, each endpoint of the registered table (downtime ids filled in).
    const list = (await (await fetch(`${admin}/v1/payments/downtimes`)).json()) as {
      items: Array<{ id: string }>;
    };
    assert.ok(list.items.length >= 1);
    const reads: string[] = [];
    for (const e of h.sidecar.adminEndpoints().filter((x) => !x.needsToken)) {
      const url = `${admin}${e.prefix ? `${e.path}${list.items[0]!.id}` : e.path}`;
      const res = await fetch(url);
      const text = await res.text();
      assert.equal(res.status, 200, `GET ${e.path}`);
      reads.push(text);
      assertClean(`GET ${e.path}`, text);
    }
    assert.ok(reads.length >= 15);
    // /metrics saw the traffic: the requests were counted, under route labels only.
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    assert.match(metrics, /sloprobe_requests_total\{[^}]*route="card"/);

    // An operator's write, then its webhook too.
    const declared = await fetch(`${admin}/v1/payments/downtimes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ method: 'fpx', severity: 'low' }),
    });
    assert.equal(declared.status, 200);
    await declared.text();
    await within(rx.waitFor(2), "the declared downtime's webhook");
    rx.received.forEach((r, k) => {
      assertClean(`webhook ${k + 1} body`, r.body);
      assertClean(`webhook ${k + 1} headers`, JSON.stringify(r.headers));
    });
    // The same two downtimes as emails, through the same outbox.
    await within(smtp.waitFor(2), 'two emails');
    smtp.received.forEach((m, k) => {
      const text = [m.subject, m.text, m.html, JSON.stringify([...m.headers])].join('\n');
      assertClean(`email ${k + 1}`, text);
    });

    h.clock.t = T0 + 2 * MINUTE;
    h.tick();
    await h.sidecar.close(1000);
    closed = true;

    // The access log: every request, card numbers masked, the non-Luhn number intact.
    const log = readFileSync(accessLog, 'utf8');
    assertClean('the access log', log);
    const lines = log.trimEnd().split('\n');
    assert.equal(lines.length, paths.length + 40);
    assert.ok(log.includes(`"path":"/v1/cards/${NOT_LUHN}"`), 'a non-Luhn number stays as it was');
    assert.ok(log.includes('"path":"/v1/cards/************1111"'));
    assert.ok(log.includes('"path":"/v1/cards/****-****-****-1111"'));
    assert.ok(log.includes('"path":"/v1/cards/****%20****%20****%204444"'));
    assert.ok(log.includes('"path":"/v1/unknown/***********0005/x"'));
    assert.ok(log.includes('"request_id":"req-************1117-n0"'));
    assert.ok(!log.includes('card_number'), 'no query string');

    assertClean("the sidecar's own log", appLog.join(''));
    const files = filesUnder(dataDir);
    assert.ok(
      files.some((f) => /\.(db|sqlite)/.test(f)),
      `a store file among ${files.join(', ')}`,
    );
    for (const f of files) assertClean(`data file ${f}`, readFileSync(f).toString('latin1'));

    // What the CLI prints from the store and from the access log.
    for (const format of ['text', 'json', 'html']) {
      const r = await runCli(
        ['report', '--config', configFile, '--data-dir', dataDir, '--month', '2026-01', '--format', format],
        env,
      );
      assert.equal(r.code, 0, r.stderr);
      assertClean(`sloprobe report --format ${format}`, r.stdout + r.stderr);
    }
    const replay = await runCli(['replay', '--config', configFile, '--quiet', accessLog], env);
    assert.equal(replay.code, 0, replay.stderr);
    assertClean('sloprobe replay', replay.stdout + replay.stderr);
  } finally {
    if (!closed) await h.sidecar.close(100);
    await h.mock.close();
    await rx.close();
    await smtp.close();
    rmSync(dir, { recursive: true, force: true });
    if (saved !== undefined) process.env[ADMIN_TOKEN_ENV] = saved;
  }
});
