/**
 * Both signatures every webhook carries (docs/sla-definitions.md#webhook-signatures), so
 * that receivers written for either scheme work unchanged:
 *
 * - Razorpay: `X-Razorpay-Signature` = hex HMAC-SHA256 of the raw body, keyed with the
 *   secret string as it is (what `Razorpay.validateWebhookSignature(body, signature, secret)`
 *   recomputes), and `X-Razorpay-Event-Id`.
 * - Standard Webhooks: `webhook-id`, `webhook-timestamp` (Unix seconds of this attempt) and
 *   `webhook-signature` = `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`. The spec's
 *   secrets are `whsec_` + base64 of the key: such a secret is decoded to its key bytes (what
 *   `new Webhook(secret)` does). Any other secret is used as its UTF-8 bytes, the same key the
 *   Razorpay signature uses; receivers then verify with `new Webhook(secret, { format: 'raw' })`.
 */
import { createHmac } from 'node:crypto';

const WHSEC = 'whsec_';

/** The Standard Webhooks HMAC key of a configured secret. */
export function standardWebhooksKey(secret: string): Buffer {
  return secret.startsWith(WHSEC)
    ? Buffer.from(secret.slice(WHSEC.length), 'base64')
    : Buffer.from(secret, 'utf8');
}

export function razorpaySignature(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export function standardWebhooksSignature(
  id: string,
  timestampSeconds: number,
  body: string,
  key: Buffer,
): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** The headers of one delivery attempt. */
export function signedHeaders(
  id: string,
  body: string,
  secret: string,
  nowMs: number,
  userAgent: string,
): Record<string, string> {
  const ts = Math.floor(nowMs / 1000);
  return {
    'content-type': 'application/json',
    'user-agent': userAgent,
    'x-razorpay-event-id': id,
    'x-razorpay-signature': razorpaySignature(body, secret),
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    'webhook-signature': standardWebhooksSignature(id, ts, body, standardWebhooksKey(secret)),
  };
}
