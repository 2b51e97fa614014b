/**
 * Webhooks as an outbox channel (docs/sla-definitions.md#downtime-webhooks): the Razorpay
 * envelope POSTed with both signatures (docs/sla-definitions.md#webhook-signatures) by undici.
 * undici's request follows no redirect: a 3xx is a failed attempt, and no URL but the
 * configured one is ever contacted.
 */
import { createRequire } from 'node:module';
import type { Client as UndiciClient } from 'undici';
import type { WebhookEndpoint } from '../config/types.js';
import { VERSION } from '../version.js';
import { retryAfterMs } from './backoff.js';
import type { Channel, Outcome } from './channel.js';
import { envelope } from './envelope.js';
import type { OutboxEvent } from './event.js';
import type { OutboxRow } from './outbox-table.js';
import { signedHeaders } from './sign.js';

const USER_AGENT = `sloprobe/${VERSION} (webhooks)`;

/**
 * undici's Client and its `request` alone, as proxy/pool.ts loads its Pool: the package entry
 * also loads fetch, WebSocket, EventSource, the cache and the mock agent (110 files instead
 * of 23), and every sidecar imports this module. The entry is also what puts `request` on
 * the dispatchers' prototype, hence `request.call(client, ...)`. Idle sidecar with
 * config/klarna.yaml: 98.8 -> 91.5 MiB RSS. test/notify/webhook-client.test.ts checks both
 * are what the package exports.
 */
const requireUndici = createRequire(import.meta.url);
export const Client = requireUndici('undici/lib/dispatcher/client.js') as typeof UndiciClient;
export const request = requireUndici('undici/lib/api/api-request.js') as UndiciClient['request'];
type Client = UndiciClient;

export class WebhookChannel implements Channel {
  readonly kind = 'webhook';
  readonly key: string;
  readonly label: string;
  readonly #config: WebhookEndpoint;
  readonly #client: Client;
  /** Path and query of the URL, as the request line sends them. */
  readonly #path: string;
  readonly #timeoutMs: number;

  constructor(config: WebhookEndpoint, timeoutMs: number) {
    const url = new URL(config.url);
    this.#config = config;
    this.key = config.url;
    this.label = config.label;
    this.#client = new Client(url.origin, { connectTimeout: timeoutMs });
    this.#path = url.pathname + url.search;
    this.#timeoutMs = timeoutMs;
  }

  accepts(event: OutboxEvent): boolean {
    return (this.#config.events as readonly string[]).includes(event.event);
  }

  body(event: OutboxEvent): string {
    return envelope(event, this.#config.accountId);
  }

  async send(row: OutboxRow, signal: AbortSignal, nowMs: number): Promise<Outcome> {
    // webhook-timestamp is the wall clock of this attempt, whatever the injected schedule
    // clock says: receivers compare it with their own clock to refuse replays.
    const headers = signedHeaders(
      row.event_id,
      row.body,
      this.#config.secret.reveal(),
      Date.now(),
      USER_AGENT,
    );
    try {
      const res = await request.call(this.#client, {
        path: this.#path,
        method: 'POST',
        headers,
        body: row.body,
        signal,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      await res.body.dump({ limit: 65_536 }).catch(() => {});
      const status = res.statusCode;
      if (status >= 200 && status < 300) return { result: 'delivered', status };
      if (status === 410) return { result: 'gone', status };
      return {
        result: status >= 300 && status < 400 ? 'redirect' : 'rejected',
        status,
        retryAfterMs: retryAfterMs(res.headers['retry-after'], nowMs),
      };
    } catch (err) {
      const e = err as { code?: string; name?: string };
      return {
        result: 'error',
        status: null,
        error: signal.aborted ? 'timeout' : (e.code ?? e.name ?? 'error'),
      };
    }
  }

  close(): Promise<void> {
    return this.#client.close().catch(() => {});
  }
}
