/**
 * What the rest of the sidecar hands to the notification outbox. The producer (the
 * downtime tracker, the SLO flags) calls `enqueue` inside the same store transaction as
 * the state change that caused the event, so an event is never lost and never sent for a
 * change that did not commit (a transactional outbox).
 */

/** One event, as it will appear in the webhook envelope. */
export interface OutboxEvent {
  /** Stable across every retry of every endpoint: `evt_` + 14 base62 characters. */
  readonly id: string;
  /** `payment.downtime.started|updated|resolved`, `slo.alert.raised|cleared`. */
  readonly event: string;
  /** The entity name: the envelope's `contains[0]` and its payload key (`payment.downtime`, `slo.alert`). */
  readonly contains: string;
  /** The entity itself, as the API shows it at the time of the event. */
  readonly entity: Readonly<Record<string, unknown>>;
  /** Unix seconds. */
  readonly createdAt: number;
}

/** Where producers put events. Must be called inside the caller's `store.transaction()`. */
export interface EventSink {
  enqueue(event: OutboxEvent): void;
}

/** A sink that drops everything: a sidecar without webhooks or mail configured. */
export const NO_EVENTS: EventSink = { enqueue() {} };
