/**
 * The webhook body, exactly as Razorpay/Curlec send theirs (docs/sla-definitions.md#downtime-webhooks):
 *
 *   {"entity":"event","account_id":"acc_…","event":"payment.downtime.started",
 *    "contains":["payment.downtime"],"payload":{"payment.downtime":{"entity":{…}}},
 *    "created_at":1733040000}
 *
 * Built once per (event, endpoint) when the event is enqueued and stored as text, so every
 * retry sends the same bytes (and the same `X-Razorpay-Signature`). The event id is not in
 * the body, as with Razorpay: it travels in `X-Razorpay-Event-Id` and `webhook-id`.
 */
import type { OutboxEvent } from './event.js';

export function envelope(event: OutboxEvent, accountId: string | null): string {
  return JSON.stringify({
    entity: 'event',
    account_id: accountId,
    event: event.event,
    contains: [event.contains],
    payload: { [event.contains]: { entity: event.entity } },
    created_at: event.createdAt,
  });
}
