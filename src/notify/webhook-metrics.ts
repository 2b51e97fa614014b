/**
 * The outbox's Prometheus families, rendered at scrape time: delivery attempts by endpoint,
 * event and result; what waits, and for how long. The `endpoint` label is the URL without
 * its query (which may carry a token); secrets never reach a label.
 */
import { PromWriter } from '../telemetry/exposition.js';
import type { DeliveryResult } from './channel.js';

export type { DeliveryResult } from './channel.js';

export class DeliveryCounters {
  /** `endpoint\0event\0result` -> attempts. */
  readonly #attempts = new Map<string, number>();
  readonly #givenUp = new Map<string, number>();

  add(endpoint: string, event: string, result: DeliveryResult): void {
    const key = `${endpoint}\0${event}\0${result}`;
    this.#attempts.set(key, (this.#attempts.get(key) ?? 0) + 1);
  }

  giveUp(endpoint: string): void {
    this.#givenUp.set(endpoint, (this.#givenUp.get(endpoint) ?? 0) + 1);
  }

  get(endpoint: string, event: string, result: DeliveryResult): number {
    return this.#attempts.get(`${endpoint}\0${event}\0${result}`) ?? 0;
  }

  attempts(): IterableIterator<[string, number]> {
    return this.#attempts.entries();
  }

  givenUp(): IterableIterator<[string, number]> {
    return this.#givenUp.entries();
  }
}

export interface PendingGauge {
  readonly label: string;
  readonly disabled: boolean;
  readonly count: number;
  readonly oldestMs: number;
}

export function renderWebhookMetrics(counters: DeliveryCounters, pending: readonly PendingGauge[]): string {
  const w = new PromWriter();
  w.family(
    'sloprobe_webhook_deliveries_total',
    'counter',
    'Webhook delivery attempts. result: delivered (2xx), rejected (another status), redirect (3xx, not followed), gone (410, endpoint disabled), error (no answer within 5 s or no connection).',
  );
  for (const [key, n] of counters.attempts()) {
    const [endpoint = '', event = '', result = ''] = key.split('\0');
    w.sample(
      'sloprobe_webhook_deliveries_total',
      [
        ['endpoint', endpoint],
        ['event', event],
        ['result', result],
      ],
      n,
    );
  }
  w.family('sloprobe_webhook_given_up_total', 'counter', 'Webhook events not delivered within 24 hours.');
  for (const [endpoint, n] of counters.givenUp())
    w.sample('sloprobe_webhook_given_up_total', [['endpoint', endpoint]], n);
  w.family('sloprobe_webhook_pending', 'gauge', 'Webhook events waiting for delivery.');
  for (const p of pending) w.sample('sloprobe_webhook_pending', [['endpoint', p.label]], p.count);
  w.family(
    'sloprobe_webhook_oldest_pending_seconds',
    'gauge',
    'Age of the oldest webhook event waiting for delivery (0 when none waits).',
  );
  for (const p of pending)
    w.sample('sloprobe_webhook_oldest_pending_seconds', [['endpoint', p.label]], p.oldestMs / 1000);
  w.family(
    'sloprobe_webhook_endpoint_disabled',
    'gauge',
    '1 when the endpoint answered 410 Gone and is disabled.',
  );
  for (const p of pending)
    w.sample('sloprobe_webhook_endpoint_disabled', [['endpoint', p.label]], p.disabled ? 1 : 0);
  return w.text();
}
