/**
 * Child process for mail-crash.test.ts: an outbox on a file store mailing one subscriber
 * through the SMTP server on the port given, on its own timer, with the real clock and short
 * backoffs. `enqueue` first commits three events of one downtime in one transaction and
 * prints their ids; every start prints `pending N`. Does nothing when run without arguments
 * (the test runner loads every file here).
 */
import { writeSync } from 'node:fs';
import { createAppLog } from '../../src/log/app-log.js';
import { Outbox } from '../../src/notify/outbox.js';
import { Store } from '../../src/store/store.js';
import { downtimeEvent } from './fixtures.js';

const [dataDir, port, mode] = process.argv.slice(2);
if (dataDir !== undefined && port !== undefined) {
  const store = Store.open(
    { dataDir, minuteRetentionMs: 35 * 86_400_000, hourRetentionMs: 400 * 86_400_000 },
    () => {},
  );
  const outbox = new Outbox({
    store,
    endpoints: [],
    email: {
      host: '127.0.0.1',
      port: Number(port),
      secure: false,
      starttls: 'off',
      user: undefined,
      password: undefined,
      passwordEnv: undefined,
      from: 'status@example.com',
      fromDomain: 'example.com',
      subscribers: [
        {
          address: 'oncall@example.org',
          categories: undefined,
          methods: undefined,
          events: ['payment.downtime.started', 'payment.downtime.updated', 'payment.downtime.resolved'],
        },
      ],
    },
    // Debug lines on stdout: `email delivered` comes after the row is marked.
    log: createAppLog({ level: 'debug', destination: process.stdout }),
    tickMs: 10,
    backoff: { baseMs: 20, maxMs: 100, random: Math.random },
  });
  if (mode === 'enqueue') {
    const events = [
      downtimeEvent('payment.downtime.started'),
      downtimeEvent('payment.downtime.updated'),
      downtimeEvent('payment.downtime.resolved'),
    ];
    store.transaction(() => {
      for (const e of events) outbox.enqueue(e);
    });
    writeSync(1, `enqueued ${events.map((e) => e.id).join(' ')}\n`);
  }
  const pending = (
    store.database.prepare("SELECT count(*) AS n FROM outbox WHERE state = 'pending'").get() as { n: number }
  ).n;
  writeSync(1, `pending ${pending}\n`);
  // The outbox's timer does not hold the process open (a sidecar has its listeners): this does.
  setInterval(() => {}, 60_000);
}
