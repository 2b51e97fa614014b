/**
 * The live sidecar with `notify.email`: a 20x burn raises the page (and the ticket), and a
 * real SMTP server on loopback that requires a login receives one email per flag, sent by the
 * outbox's own timer. The test waits on the server's messages, never on time. The SMTP
 * password (from the environment, as the config demands) is in no log line and not in /metrics.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { request } from 'undici';
import { createAppLog } from '../../src/log/app-log.js';
import { loopbackConfig, startLoopbackSidecar } from '../helpers/sidecar.js';
import { startSmtp } from '../notify/smtp.js';
import { startFlakyUpstream } from '../proxy/harness.js';

const PASSWORD = 'live-smtp-Pa55word-0f1e2d3c';

test('SLO flags raised on the live sidecar arrive as emails at a loopback SMTP server that requires a login', async (t) => {
  const smtp = await startSmtp({ auth: { user: 'sloprobe', pass: PASSWORD } });
  const upstream = await startFlakyUpstream();
  const dataDir = mkdtempSync(join(tmpdir(), 'sloprobe-mail-live-'));
  t.after(async () => {
    await smtp.close();
    await upstream.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const yaml = `upstream: http://127.0.0.1:9
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request: { class: transaction-critical }
routes:
  - { name: create-payment, method: POST, path: /v1/payments, category: payment-request }
notify:
  email:
    host: 127.0.0.1
    port: ${smtp.port}
    starttls: off
    user: sloprobe
    password_env: LIVE_SMTP_PASSWORD
    from: status@example.com
    subscribers:
      - { address: oncall@example.org, events: [slo.alert.raised], categories: [payment-request] }
`;
  const config = loopbackConfig(yaml, 'mail.yaml', {
    env: { LIVE_SMTP_PASSWORD: PASSWORD },
    upstream: upstream.url,
    dataDir,
  });
  const lines: string[] = [];
  const sink = new PassThrough();
  sink.setEncoding('utf8').on('data', (c: string) => lines.push(c));
  const s = await startLoopbackSidecar(config, { log: createAppLog({ destination: sink, level: 'debug' }) });
  try {
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const res = await request(`http://127.0.0.1:${s.proxyAddress.port}/v1/payments`, {
          method: 'POST',
          body: '{}',
        });
        await res.body.dump();
      }
    };
    // As in webhooks-live.test.ts: 40 good then 10 answered 500 raise page-slow and the
    // ticket (the Wilson bound of 10 bad in 50 is above 6 x 1% and 1 x 1%, below 14.4 x 1%).
    await send(40);
    upstream.failNext = 10;
    await send(10);
    s.slo!.tick();
    await smtp.waitFor(2);
    assert.deepEqual(smtp.received.map((m) => m.subject).sort(), [
      '[sloprobe] SLO payment-request-availability: page raised',
      '[sloprobe] SLO payment-request-availability: ticket raised',
    ]);
    assert.equal(smtp.authFailures, 0, 'it logged in with the password from the environment');
    for (const m of smtp.received) {
      assert.match(m.messageId ?? '', /^<evt_[0-9A-Za-z]{14}@example\.com>$/);
      assert.match(m.text ?? '', /Category: +payment-request/);
      assert.ok(typeof m.html === 'string' && m.html.includes('payment-request-availability'));
    }
    const metrics = await (await request(`http://127.0.0.1:${s.adminAddress.port}/metrics`)).body.text();
    assert.match(metrics, /^sloprobe_email_deliveries_total\{result="delivered"\} 2$/m);
    assert.match(metrics, /^sloprobe_email_pending 0$/m);
    assert.ok(lines.join('').includes('email delivered'), 'there were log lines about the mail to search');
    assert.ok(
      !lines.join('').includes(PASSWORD) && !metrics.includes(PASSWORD),
      'the password is in no log line and no metric',
    );
  } finally {
    await s.close(1000);
  }
});
