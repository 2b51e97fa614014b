/**
 * One way out of the outbox. The outbox owns the rows, the order, the schedule and the
 * give-up; a channel only says which events it takes, what bytes a row keeps, and how one
 * attempt went. Webhooks (webhook-channel.ts) and email (mail-channel.ts) are the two; both
 * get the same retries, restart-safety and at-least-once semantics because they share the
 * loop rather than copy it.
 */
import type { OutboxEvent } from './event.js';
import type { OutboxRow } from './outbox-table.js';

export type ChannelKind = 'webhook' | 'email';

/**
 * delivered: done. gone: the receiver asked never to be sent again (webhooks' 410). rejected:
 * the receiver answered no (an HTTP status outside 2xx, an SMTP 4xx/5xx reply). redirect: a
 * 3xx, never followed. error: no answer (connection, timeout).
 */
export type DeliveryResult = 'delivered' | 'rejected' | 'redirect' | 'gone' | 'error';

export interface Outcome {
  readonly result: DeliveryResult;
  /** HTTP status or SMTP reply code; null without an answer. */
  readonly status: number | null;
  /** The receiver's own retry delay (`Retry-After`), when it gave one. */
  readonly retryAfterMs?: number | undefined;
  /** A short, secret-free reason when there was no answer (`ECONNREFUSED`, `timeout`). */
  readonly error?: string | undefined;
}

export interface Channel {
  readonly kind: ChannelKind;
  /** The outbox's `endpoint` column: the URL for a webhook, `mailto:<address>` for a subscriber. */
  readonly key: string;
  /** The log field (and, for webhooks, the metric label): never carries a secret. */
  readonly label: string;
  accepts(event: OutboxEvent): boolean;
  /** The exact bytes kept in the row, built once at enqueue: every retry sends the same. */
  body(event: OutboxEvent): string;
  /** One attempt; never throws. `signal` aborts it (a closing outbox). */
  send(row: OutboxRow, signal: AbortSignal, nowMs: number): Promise<Outcome>;
  close(): Promise<void>;
}
