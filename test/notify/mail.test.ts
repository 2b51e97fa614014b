/**
 * Downtime emails through the outbox, against a real SMTP server on loopback (`smtp-server`)
 * whose messages are parsed with `mailparser`: what a subscriber's mail client would see.
 * The schedule runs on an injected clock: each test moves it and calls `deliverDue()`, which
 * resolves once the server has answered (it parses each message before it answers).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import type { ParsedMail } from 'mailparser';
import { Secret } from '../../src/config/secret.js';
import type { EmailConfig, EmailSubscriber } from '../../src/config/types.js';
import type { OutboxEvent } from '../../src/notify/event.js';
import { newEventId } from '../../src/notify/ids.js';
import { Outbox } from '../../src/notify/outbox.js';
import { categoriesByMethod } from '../../src/payments/method-categories.js';
import { Store } from '../../src/store/store.js';
import { capturedLog, downtimeEvent, memoryStore } from './fixtures.js';
import { startSmtp } from './smtp.js';

const T = Date.parse('2026-01-05T10:00:00Z');
/** random() = 0: each backoff delay is exactly half of min(5 s x 2^(n-1), 1 h). */
const NO_JITTER = { baseMs: 5_000, maxMs: 3_600_000, random: () => 0 };
const PASSWORD = 'smtp-Pa55word-that-must-never-show';

function clock(start = T) {
  const c = { ms: start, now: () => c.ms };
  return c;
}

function sub(address: string, only: Partial<Omit<EmailSubscriber, 'address'>> = {}): EmailSubscriber {
  return {
    address,
    categories: only.categories,
    methods: only.methods,
    events: only.events ?? [
      'payment.downtime.started',
      'payment.downtime.updated',
      'payment.downtime.resolved',
    ],
  };
}

function mailConfig(
  port: number,
  subscribers: EmailSubscriber[],
  auth?: { user: string; pass: string },
): EmailConfig {
  return {
    host: '127.0.0.1',
    port,
    secure: false,
    starttls: 'off',
    user: auth?.user,
    password: auth ? new Secret(auth.pass) : undefined,
    passwordEnv: auth ? 'SMTP_PASSWORD' : undefined,
    from: 'sloprobe <status@example.com>',
    fromDomain: 'example.com',
    subscribers,
  };
}

const header = (m: ParsedMail, name: string) => String(m.headers.get(name) ?? '');
const to = (m: ParsedMail) => (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).map((a) => a.text).join(',');

function upiEvent(): OutboxEvent {
  const e = downtimeEvent('payment.downtime.started', newEventId(), 'down_UpiUpiUpi00001');
  return {
    ...e,
    entity: { ...e.entity, method: 'upi', severity: 'medium', instrument: { vpa_handle: 'okhdfc' } },
  };
}

describe('downtime emails on a loopback SMTP server', () => {
  it('a started and a resolved downtime arrive as two messages, each with a text and an HTML part, a clear subject and a Message-ID from the event id', async (t) => {
    const smtp = await startSmtp();
    t.after(() => smtp.close());
    const store = memoryStore();
    const outbox = new Outbox({
      store,
      endpoints: [],
      email: mailConfig(smtp.port, [sub('oncall@example.org')]),
      log: capturedLog().log,
      tickMs: 0,
    });
    t.after(() => outbox.close());
    const started = downtimeEvent('payment.downtime.started');
    const resolved = downtimeEvent('payment.downtime.resolved');
    store.transaction(() => {
      outbox.enqueue(started);
      outbox.enqueue(resolved);
    });
    assert.equal(await outbox.deliverDue(), 2);
    assert.equal(smtp.received.length, 2);
    const [a, b] = smtp.received as [ParsedMail, ParsedMail];
    // The fixture: card, severity high, HSBC/VISA, begin 1733040000 = 2024-12-01T08:00:00Z,
    // resolved with end 1733040600 = 08:10:00.
    assert.equal(a.subject, '[sloprobe] card downtime started (high)');
    assert.equal(b.subject, '[sloprobe] card downtime resolved');
    assert.equal(a.messageId, `<${started.id}@example.com>`);
    assert.equal(b.messageId, `<${resolved.id}@example.com>`);
    // Both name the downtime, so a mail client threads them.
    assert.equal(a.references, '<down_F1Wxyz0123ABCD@example.com>');
    assert.equal(b.references, '<down_F1Wxyz0123ABCD@example.com>');
    assert.equal(to(a), 'oncall@example.org');
    assert.equal(a.from?.value[0]?.address, 'status@example.com');
    assert.equal(header(a, 'x-sloprobe-event'), 'payment.downtime.started');
    assert.equal(
      a.date?.toISOString(),
      '2024-12-01T08:00:00.000Z',
      'the event time, the same on every retry',
    );
    for (const m of [a, b]) {
      assert.ok(typeof m.text === 'string' && m.text.length > 0, 'a plain-text part');
      assert.ok(typeof m.html === 'string' && m.html.length > 0, 'an HTML part');
    }
    assert.match(a.text ?? '', /Payment method: +card/);
    assert.match(a.text ?? '', /Instrument: +issuer HSBC, network VISA/);
    assert.match(a.text ?? '', /Began: +2024-12-01 08:00:00 UTC/);
    assert.match(a.text ?? '', /Ended: +not yet \(ongoing\)/);
    assert.match(b.text ?? '', /Ended: +2024-12-01 08:10:00 UTC/);
    assert.match(String(a.html), /<th scope="row"[^>]*>Severity<\/th><td>high<\/td>/);
    assert.match(String(b.html), /<td>resolved<\/td>/);
  });

  it('a maintenance announcement says so in the subject, with its start', async (t) => {
    const smtp = await startSmtp();
    t.after(() => smtp.close());
    const store = memoryStore();
    const outbox = new Outbox({
      store,
      endpoints: [],
      email: mailConfig(smtp.port, [sub('oncall@example.org')]),
      log: capturedLog().log,
      tickMs: 0,
    });
    t.after(() => outbox.close());
    const base = downtimeEvent('payment.downtime.started');
    // Announced for 2026-01-06T02:00:00Z = 1767664800 s, until 04:00 = 1767672000 s.
    const announced: OutboxEvent = {
      ...base,
      entity: {
        ...base.entity,
        scheduled: true,
        status: 'scheduled',
        begin: 1_767_664_800,
        end: 1_767_672_000,
        severity: 'low',
      },
    };
    store.transaction(() => outbox.enqueue(announced));
    assert.equal(await outbox.deliverDue(), 1);
    const [m] = smtp.received;
    assert.equal(m?.subject, '[sloprobe] card maintenance scheduled from 2026-01-06 02:00:00 UTC');
    assert.match(m?.text ?? '', /Starts: +2026-01-06 02:00:00 UTC/);
    assert.match(m?.text ?? '', /Ends: +2026-01-06 04:00:00 UTC/);
    assert.match(m?.text ?? '', /Scheduled: +yes \(maintenance\)/);
  });

  it('each subscriber gets only the events, methods and categories it asked for; SLO alerts only on request', async (t) => {
    const smtp = await startSmtp();
    t.after(() => smtp.close());
    const store = memoryStore();
    const outbox = new Outbox({
      store,
      endpoints: [],
      email: mailConfig(smtp.port, [
        sub('cards@example.org', { methods: ['card'] }),
        sub('upi@example.org', { methods: ['upi'] }),
        sub('payments@example.org', { categories: ['payment-request'] }),
        sub('everything@example.org'),
        sub('flags@example.org', { events: ['slo.alert.raised'], categories: ['payment-request'] }),
      ]),
      // Routes of payment-request serve card; upi is served by another category.
      categoriesOf: (m) => (m === 'card' ? ['payment-request'] : m === 'upi' ? ['wallets'] : []),
      log: capturedLog().log,
      tickMs: 0,
    });
    t.after(() => outbox.close());
    const card = downtimeEvent('payment.downtime.started');
    const upi = upiEvent();
    const alert: OutboxEvent = {
      id: newEventId(),
      event: 'slo.alert.raised',
      contains: 'slo.alert',
      entity: {
        id: 'alert_A1b2C3d4E5f6G7',
        slo: 'pay-availability',
        category: 'payment-request',
        severity: 'page',
        status: 'raised',
      },
      createdAt: 1_733_040_000,
    };
    // Another category's flag: not for flags@.
    const otherAlert: OutboxEvent = {
      ...alert,
      id: newEventId(),
      entity: { ...alert.entity, slo: 'wallet-availability', category: 'wallets' },
    };
    store.transaction(() => {
      outbox.enqueue(card);
      outbox.enqueue(upi);
      outbox.enqueue(alert);
      outbox.enqueue(otherAlert);
    });
    await outbox.deliverDue();
    const got = new Map<string, string[]>();
    for (const m of smtp.received) got.set(to(m), [...(got.get(to(m)) ?? []), m.subject ?? '']);
    assert.deepEqual(Object.fromEntries([...got].sort(([x], [y]) => x.localeCompare(y))), {
      'cards@example.org': ['[sloprobe] card downtime started (high)'],
      'everything@example.org': [
        '[sloprobe] card downtime started (high)',
        '[sloprobe] upi downtime started (medium)',
      ],
      'flags@example.org': ['[sloprobe] SLO pay-availability: page raised'],
      'payments@example.org': ['[sloprobe] card downtime started (high)'],
      'upi@example.org': ['[sloprobe] upi downtime started (medium)'],
    });
  });

  it('a server that answers 451 three times then accepts gets the message, with the same Message-ID every time', async (t) => {
    const smtp = await startSmtp({ rejectFirst: 3 });
    t.after(() => smtp.close());
    const c = clock();
    const store = memoryStore(c.now);
    const { log, lines } = capturedLog();
    const outbox = new Outbox({
      store,
      endpoints: [],
      email: mailConfig(smtp.port, [sub('oncall@example.org')]),
      log,
      now: c.now,
      tickMs: 0,
      backoff: NO_JITTER,
    });
    t.after(() => outbox.close());
    const ev = downtimeEvent('payment.downtime.started');
    store.transaction(() => outbox.enqueue(ev));
    // Delays without jitter: half of 5 s x 2^(n-1) = 2.5 s, 5 s, 10 s after failures 1, 2, 3.
    assert.equal(await outbox.deliverDue(), 1);
    for (const delay of [2_500, 5_000, 10_000]) {
      c.ms += delay - 1;
      assert.equal(await outbox.deliverDue(), 0, 'not before its time');
      c.ms += 1;
      assert.equal(await outbox.deliverDue(), 1);
    }
    assert.equal(smtp.attempts.length, 4);
    assert.equal(smtp.received.length, 1);
    assert.deepEqual(
      smtp.attempts.map((m) => m.messageId),
      Array(4).fill(`<${ev.id}@example.com>`),
    );
    assert.equal(
      lines.filter((l) => l.includes('email delivery failed; will retry') && l.includes('"status":451'))
        .length,
      3,
    );
    const metrics = outbox.renderMetrics();
    assert.match(metrics, /^sloprobe_email_deliveries_total\{result="rejected"\} 3$/m);
    assert.match(metrics, /^sloprobe_email_deliveries_total\{result="delivered"\} 1$/m);
    assert.match(metrics, /^sloprobe_email_pending 0$/m);
    assert.doesNotMatch(metrics, /oncall@example\.org/, 'no address in /metrics');
  });

  it('a restart resumes pending mail from the store, and sends it once', async (t) => {
    const smtp = await startSmtp({ rejectFirst: 1 });
    t.after(() => smtp.close());
    const dir = mkdtempSync(join(tmpdir(), 'sloprobe-mail-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const c = clock();
    const open = () =>
      Store.open(
        { dataDir: dir, minuteRetentionMs: 35 * 86_400_000, hourRetentionMs: 400 * 86_400_000 },
        () => {},
        {
          now: c.now,
        },
      );
    const config = mailConfig(smtp.port, [sub('oncall@example.org')]);
    const ev = downtimeEvent('payment.downtime.started');
    const first = open();
    const a = new Outbox({
      store: first,
      endpoints: [],
      email: config,
      log: capturedLog().log,
      now: c.now,
      tickMs: 0,
      backoff: NO_JITTER,
    });
    first.transaction(() => a.enqueue(ev));
    assert.equal(await a.deliverDue(), 1, 'one attempt, answered 451');
    await a.close();
    first.close();
    assert.equal(smtp.received.length, 0);

    const second = open();
    t.after(() => second.close());
    const { log, lines } = capturedLog();
    const b = new Outbox({
      store: second,
      endpoints: [],
      email: config,
      log,
      now: c.now,
      tickMs: 0,
      backoff: NO_JITTER,
    });
    t.after(() => b.close());
    assert.ok(
      lines.some((l) => l.includes('resuming pending email deliveries') && l.includes('"pending":1')),
    );
    assert.match(b.renderMetrics(), /^sloprobe_email_pending 1$/m);
    // The schedule survived too: the retry is due 2.5 s (half of 5 s) after the failure.
    assert.equal(await b.deliverDue(), 0);
    c.ms += 2_500;
    assert.equal(await b.deliverDue(), 1);
    assert.equal(await b.deliverDue(), 0, 'delivered once, nothing left');
    assert.equal(smtp.received.length, 1);
    assert.equal(smtp.received[0]?.messageId, `<${ev.id}@example.com>`);
    assert.match(b.renderMetrics(), /^sloprobe_email_pending 0$/m);
  });

  it('the SMTP password is used to log in but never appears in logs, metrics or the printed config', async (t) => {
    const auth = { user: 'sloprobe', pass: PASSWORD };
    const smtp = await startSmtp({ auth, rejectFirst: 1 });
    t.after(() => smtp.close());
    const c = clock();
    const store = memoryStore(c.now);
    const { log, lines } = capturedLog();
    const good = mailConfig(smtp.port, [sub('oncall@example.org')], auth);
    const outbox = new Outbox({
      store,
      endpoints: [],
      email: good,
      log,
      now: c.now,
      tickMs: 0,
      backoff: NO_JITTER,
    });
    t.after(() => outbox.close());
    store.transaction(() => outbox.enqueue(downtimeEvent('payment.downtime.started')));
    await outbox.deliverDue();
    c.ms += 2_500;
    await outbox.deliverDue();
    assert.equal(smtp.received.length, 1, 'logged in with the password and delivered');
    assert.equal(smtp.authFailures, 0);

    // A wrong password: refused with 535, logged as a status only.
    const other = memoryStore(c.now);
    const bad = mailConfig(smtp.port, [sub('oncall@example.org')], {
      user: 'sloprobe',
      pass: `${PASSWORD}-wrong`,
    });
    const refused = new Outbox({ store: other, endpoints: [], email: bad, log, now: c.now, tickMs: 0 });
    t.after(() => refused.close());
    other.transaction(() => refused.enqueue(downtimeEvent('payment.downtime.started')));
    assert.equal(await refused.deliverDue(), 1);
    assert.equal(smtp.authFailures, 1);
    assert.ok(lines.some((l) => l.includes('email delivery failed') && l.includes('"status":535')));

    const everything = [
      ...lines,
      outbox.renderMetrics(),
      refused.renderMetrics(),
      JSON.stringify(good),
      inspect(good, { depth: 10 }),
      String(good.password),
    ].join('\n');
    assert.ok(lines.length >= 3, 'there were log lines to search');
    assert.equal(everything.includes(PASSWORD), false);
  });
});

describe('transport security and rendering', () => {
  it('starttls: required refuses a server that offers no STARTTLS: nothing is sent, the password never goes out in clear', async (t) => {
    const auth = { user: 'sloprobe', pass: PASSWORD };
    const smtp = await startSmtp({ auth });
    t.after(() => smtp.close());
    const store = memoryStore();
    const { log, lines } = capturedLog();
    const outbox = new Outbox({
      store,
      endpoints: [],
      email: { ...mailConfig(smtp.port, [sub('oncall@example.org')], auth), starttls: 'required' },
      log,
      tickMs: 0,
    });
    t.after(() => outbox.close());
    store.transaction(() => outbox.enqueue(downtimeEvent('payment.downtime.started')));
    assert.equal(await outbox.deliverDue(), 1);
    assert.equal(smtp.attempts.length, 0);
    assert.equal(smtp.authFailures, 0, 'no AUTH was tried');
    assert.match(outbox.renderMetrics(), /^sloprobe_email_pending 1$/m, 'kept for a retry');
    assert.ok(lines.some((l) => l.includes('email delivery failed; will retry')));
    assert.ok(!lines.join('\n').includes(PASSWORD));
  });

  it('entity values are escaped in the HTML part', async (t) => {
    const smtp = await startSmtp();
    t.after(() => smtp.close());
    const store = memoryStore();
    const outbox = new Outbox({
      store,
      endpoints: [],
      email: mailConfig(smtp.port, [sub('oncall@example.org')]),
      log: capturedLog().log,
      tickMs: 0,
    });
    t.after(() => outbox.close());
    const base = downtimeEvent('payment.downtime.started');
    const ev = { ...base, entity: { ...base.entity, instrument: { issuer: '<b>Bank & "Co"</b>' } } };
    store.transaction(() => outbox.enqueue(ev));
    await outbox.deliverDue();
    const html = String(smtp.received[0]?.html);
    assert.ok(html.includes('issuer &#60;b&#62;Bank &#38; &#34;Co&#34;&#60;/b&#62;'), html);
    assert.ok(!html.includes('<b>Bank'));
    assert.match(
      smtp.received[0]?.text ?? '',
      /Instrument: +issuer <b>Bank & "Co"<\/b>/,
      'plain text as it is',
    );
  });
});

describe('categories of a payment method', () => {
  it('a method maps to the categories of the routes that serve it, statically or among the values read per request', () => {
    const of = categoriesByMethod([
      { category: 'payment-request', payment: { method: 'card' } },
      { category: 'refunds', payment: { method: 'CARD' } },
      { category: 'payment-request', payment: { methodFrom: { values: ['upi', 'card'] } } },
      { category: 'settlements' },
    ]);
    assert.deepEqual(of('card'), ['payment-request', 'refunds']);
    assert.deepEqual(of('upi'), ['payment-request']);
    assert.deepEqual(of('wallet'), [], 'no route serves it');
  });
});
