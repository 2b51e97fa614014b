/** Endpoints, events and an in-memory store for the outbox tests. */
import { PassThrough } from 'node:stream';
import { Secret } from '../../src/config/secret.js';
import type { WebhookEndpoint, WebhookEvent } from '../../src/config/types.js';
import { createAppLog } from '../../src/log/app-log.js';
import type { OutboxEvent } from '../../src/notify/event.js';
import { newEventId } from '../../src/notify/ids.js';
import { Store } from '../../src/store/store.js';

export const SECRET = 'test-webhook-secret-0123456789';

export function endpoint(
  url: string,
  opts: Partial<Omit<WebhookEndpoint, 'secret'>> & { secret?: string } = {},
): WebhookEndpoint {
  const u = new URL(url);
  return {
    url,
    label: u.origin + u.pathname,
    secret: new Secret(opts.secret ?? SECRET),
    events: opts.events ?? [
      'payment.downtime.started',
      'payment.downtime.updated',
      'payment.downtime.resolved',
      'slo.alert.raised',
      'slo.alert.cleared',
    ],
    accountId: opts.accountId === undefined ? 'acc_TestAccount01' : opts.accountId,
  };
}

/** A downtime event as the tracker will produce it (docs/sla-definitions.md#downtime-entity). */
export function downtimeEvent(
  event: WebhookEvent,
  id = newEventId(),
  downtimeId = 'down_F1Wxyz0123ABCD',
): OutboxEvent {
  return {
    id,
    event,
    contains: 'payment.downtime',
    entity: {
      id: downtimeId,
      entity: 'payment.downtime',
      method: 'card',
      begin: 1_733_040_000,
      end: event === 'payment.downtime.resolved' ? 1_733_040_600 : null,
      status: event === 'payment.downtime.resolved' ? 'resolved' : 'started',
      scheduled: false,
      severity: 'high',
      instrument: { issuer: 'HSBC', network: 'VISA' },
      created_at: 1_733_040_000,
      updated_at: 1_733_040_000,
    },
    createdAt: 1_733_040_000,
  };
}

export function memoryStore(now: () => number = Date.now): Store {
  return Store.open(
    { dataDir: ':memory:', minuteRetentionMs: 35 * 86_400_000, hourRetentionMs: 400 * 86_400_000 },
    () => {},
    { now },
  );
}

/** An app log whose lines the test can read (and search for secrets). */
export function capturedLog() {
  const lines: string[] = [];
  const sink = new PassThrough();
  sink.setEncoding('utf8').on('data', (chunk: string) => {
    for (const l of chunk.split('\n')) if (l) lines.push(l);
  });
  return { log: createAppLog({ destination: sink, level: 'debug' }), lines };
}
