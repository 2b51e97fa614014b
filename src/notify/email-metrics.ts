/**
 * The email channel's Prometheus families, beside the webhook ones and through the same
 * writer. No address label: subscribers are people (their addresses stay out of /metrics)
 * and a label per subscriber would grow with the list.
 */
import { PromWriter } from '../telemetry/exposition.js';
import type { DeliveryResult } from './channel.js';

export class EmailCounters {
  readonly #attempts = new Map<DeliveryResult, number>();
  givenUp = 0;

  add(result: DeliveryResult): void {
    this.#attempts.set(result, (this.#attempts.get(result) ?? 0) + 1);
  }

  get(result: DeliveryResult): number {
    return this.#attempts.get(result) ?? 0;
  }

  attempts(): IterableIterator<[DeliveryResult, number]> {
    return this.#attempts.entries();
  }
}

/** `pending`: rows waiting over all subscribers; `oldestMs`: age of the oldest (0 when none). */
export function renderEmailMetrics(counters: EmailCounters, pending: number, oldestMs: number): string {
  const w = new PromWriter();
  w.family(
    'sloprobe_email_deliveries_total',
    'counter',
    'Email delivery attempts (one per message and subscriber). result: delivered (accepted by the SMTP server), rejected (an SMTP 4xx/5xx reply), error (no connection or no reply in time).',
  );
  for (const [result, n] of counters.attempts())
    w.sample('sloprobe_email_deliveries_total', [['result', result]], n);
  w.family('sloprobe_email_given_up_total', 'counter', 'Email messages not delivered within 24 hours.');
  w.sample('sloprobe_email_given_up_total', [], counters.givenUp);
  w.family('sloprobe_email_pending', 'gauge', 'Email messages waiting for delivery.');
  w.sample('sloprobe_email_pending', [], pending);
  w.family(
    'sloprobe_email_oldest_pending_seconds',
    'gauge',
    'Age of the oldest email message waiting for delivery (0 when none waits).',
  );
  w.sample('sloprobe_email_oldest_pending_seconds', [], oldestMs / 1000);
  return w.text();
}
