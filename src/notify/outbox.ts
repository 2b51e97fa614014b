/**
 * The transactional outbox: producers `enqueue` events inside their store transaction (one
 * row per subscribed endpoint, the exact body included); a timer off the request path
 * delivers them with undici, one endpoint at a time in order
 * (docs/sla-definitions.md#downtime-webhooks).
 *
 * - At-least-once with the same event id on every attempt: a row is marked delivered only
 *   after a 2xx, so a crash between the receiver's 2xx and the mark sends it once more,
 *   with the same id, which receivers deduplicate on.
 * - Per-endpoint order: only an endpoint's oldest pending row may be sent, so its next event
 *   waits until the previous one is delivered or given up (a `resolved` never overtakes its
 *   `started`). Endpoints do not wait for each other.
 * - 5 s per attempt; 2xx = delivered; backoff with jitter, or `Retry-After`, for 24 hours;
 *   410 Gone disables the endpoint (persisted, logged). undici's request follows no
 *   redirect: a 3xx is a failed attempt, and no URL but the configured one is contacted.
 * - A restart resumes: the rows are in the store, the schedule (`next_ms`) too.
 */
import { Client } from 'undici';
import type { WebhookEndpoint } from '../config/types.js';
import type { AppLog } from '../log/app-log.js';
import type { Store } from '../store/store.js';
import { VERSION } from '../version.js';
import { type BackoffPolicy, backoffMs, DEFAULT_BACKOFF, GIVE_UP_AFTER_MS, retryAfterMs } from './backoff.js';
import { envelope } from './envelope.js';
import type { EventSink, OutboxEvent } from './event.js';
import { type OutboxRow, OutboxTable } from './outbox-table.js';
import { signedHeaders } from './sign.js';
import { DeliveryCounters, renderWebhookMetrics } from './webhook-metrics.js';

export const ATTEMPT_TIMEOUT_MS = 5_000;

export interface OutboxOptions {
  readonly store: Store;
  readonly endpoints: readonly WebhookEndpoint[];
  readonly log: AppLog;
  /** Epoch ms; schedules and ages read it (`webhook-timestamp` is always the wall clock). */
  readonly now?: () => number;
  /** How often the timer looks for due deliveries; 0: no timer (tests call `deliverDue`). */
  readonly tickMs?: number;
  readonly timeoutMs?: number;
  readonly backoff?: BackoffPolicy;
}

/** What one attempt got back. */
type Answer = { status: number; retryAfter: string | string[] | undefined } | { error: string };

interface Endpoint {
  readonly config: WebhookEndpoint;
  readonly client: Client;
  /** Path and query of the URL, as the request line sends them. */
  readonly path: string;
  disabled: boolean;
  busy: Promise<number> | undefined;
  abort: AbortController | undefined;
}

const USER_AGENT = `sloprobe/${VERSION} (webhooks)`;

export class Outbox implements EventSink {
  readonly #table: OutboxTable;
  readonly #endpoints: Endpoint[];
  readonly #log: AppLog;
  readonly #now: () => number;
  readonly #timeoutMs: number;
  readonly #backoff: BackoffPolicy;
  readonly #counters = new DeliveryCounters();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #lastPruneMs = 0;
  #failures = 0;

  constructor(options: OutboxOptions) {
    this.#table = new OutboxTable(options.store);
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#timeoutMs = options.timeoutMs ?? ATTEMPT_TIMEOUT_MS;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#endpoints = options.endpoints.map((config) => {
      const url = new URL(config.url);
      return {
        config,
        client: new Client(url.origin, { connectTimeout: this.#timeoutMs }),
        path: url.pathname + url.search,
        disabled: this.#table.disabledSince(config.url) !== undefined,
        busy: undefined,
        abort: undefined,
      };
    });
    for (const ep of this.#endpoints) {
      const since = this.#table.disabledSince(ep.config.url);
      if (since !== undefined) {
        this.#log.warn(
          { endpoint: ep.config.label, disabled_at: new Date(since).toISOString() },
          'webhook endpoint disabled: it answered 410 Gone; no event is sent to it (configure another URL to send again)',
        );
        continue;
      }
      const { n } = this.#table.pending(ep.config.url);
      if (n > 0)
        this.#log.info({ endpoint: ep.config.label, pending: n }, 'resuming pending webhook deliveries');
    }
    const tickMs = options.tickMs ?? 1000;
    if (tickMs > 0 && this.#endpoints.length > 0) {
      this.#timer = setInterval(() => void this.deliverDue(), tickMs);
      this.#timer.unref();
    }
  }

  /**
   * One row per endpoint subscribed to the event. Call inside the producer's
   * `store.transaction()`: the rows commit or roll back with the state change.
   */
  enqueue(event: OutboxEvent): void {
    const now = this.#now();
    for (const ep of this.#endpoints) {
      if (ep.disabled || !(ep.config.events as readonly string[]).includes(event.event)) continue;
      this.#table.insert(ep.config.url, event.id, event.event, envelope(event, ep.config.accountId), now);
    }
  }

  /**
   * Sends what is due on every endpoint that is not already sending; resolves when those
   * sends are done, with the number of attempts made. The timer calls it; tests call it
   * after moving the clock.
   */
  async deliverDue(): Promise<number> {
    if (this.#closed) return 0;
    const started: Promise<number>[] = [];
    for (const ep of this.#endpoints) {
      if (ep.disabled || ep.busy) continue;
      const run = this.#drain(ep).finally(() => {
        ep.busy = undefined;
      });
      ep.busy = run;
      started.push(run);
    }
    const now = this.#now();
    if (now - this.#lastPruneMs >= 3_600_000) {
      this.#lastPruneMs = now;
      this.#guard(() => this.#table.prune(now));
    }
    let attempts = 0;
    for (const n of await Promise.all(started)) attempts += n;
    return attempts;
  }

  /** Delivers the endpoint's due rows in order, stopping at the first that must wait. */
  async #drain(ep: Endpoint): Promise<number> {
    let attempts = 0;
    while (!this.#closed && !ep.disabled) {
      const row = this.#guard(() => this.#table.head(ep.config.url));
      if (!row || row.next_ms > this.#now()) break;
      const answer = await this.#attempt(ep, row);
      attempts++;
      // Settled even while closing: an answered attempt is recorded, so a graceful stop does
      // not make the next start send it again.
      const delivered = this.#guard(() => this.#settle(ep, row, answer)) ?? false;
      if (!delivered) break;
    }
    return attempts;
  }

  async #attempt(ep: Endpoint, row: OutboxRow): Promise<Answer> {
    // webhook-timestamp is the wall clock of this attempt, whatever the injected schedule
    // clock says: receivers compare it with their own clock to refuse replays.
    const headers = signedHeaders(row.event_id, row.body, ep.config.secret.reveal(), Date.now(), USER_AGENT);
    const abort = new AbortController();
    ep.abort = abort;
    // A network deadline, not a schedule: real time, whatever the injected clock says.
    const timer = setTimeout(() => abort.abort(), this.#timeoutMs);
    try {
      const res = await ep.client.request({
        path: ep.path,
        method: 'POST',
        headers,
        body: row.body,
        signal: abort.signal,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      await res.body.dump({ limit: 65_536 }).catch(() => {});
      return { status: res.statusCode, retryAfter: res.headers['retry-after'] };
    } catch (err) {
      const e = err as { code?: string; name?: string };
      return { error: abort.signal.aborted ? 'timeout' : (e.code ?? e.name ?? 'error') };
    } finally {
      clearTimeout(timer);
      ep.abort = undefined;
    }
  }

  /** Records the attempt's outcome; true when the row is done and the next one may go. */
  #settle(ep: Endpoint, row: OutboxRow, answer: Answer): boolean {
    const now = this.#now();
    const fields = {
      endpoint: ep.config.label,
      event: row.event,
      event_id: row.event_id,
      attempt: row.attempts + 1,
    };
    const status = 'status' in answer ? answer.status : null;
    if (status !== null && status >= 200 && status < 300) {
      this.#table.finish(row.seq, 'delivered', status, now);
      this.#counters.add(ep.config.label, row.event, 'delivered');
      this.#log.debug({ ...fields, status }, 'webhook delivered');
      return true;
    }
    if (status === 410) {
      ep.disabled = true;
      this.#table.disable(ep.config.url, status, now);
      this.#counters.add(ep.config.label, row.event, 'gone');
      this.#log.error(
        { ...fields, status },
        'webhook endpoint answered 410 Gone: disabled for good, its pending events dropped (configure another URL to send again)',
      );
      return false;
    }
    const result = status === null ? 'error' : status >= 300 && status < 400 ? 'redirect' : 'rejected';
    this.#counters.add(ep.config.label, row.event, result);
    const asked = 'status' in answer ? retryAfterMs(answer.retryAfter, now) : undefined;
    const delay = asked ?? backoffMs(row.attempts + 1, this.#backoff);
    const next = now + delay;
    const why = 'error' in answer ? { error: answer.error } : { status };
    if (next > row.created_ms + GIVE_UP_AFTER_MS) {
      this.#table.finish(row.seq, 'expired', status, now);
      this.#counters.giveUp(ep.config.label);
      this.#log.error({ ...fields, ...why }, 'webhook not delivered within 24 hours: given up');
      return true;
    }
    this.#table.retryAt(row.seq, status, next);
    this.#log.warn(
      { ...fields, ...why, retry_in_s: Math.round(delay / 1000), retry_after: asked !== undefined },
      result === 'redirect'
        ? 'webhook answered a redirect, which is not followed: configure the final URL'
        : 'webhook delivery failed; will retry',
    );
    return false;
  }

  /** A store failure must not stop the loop: logged once per 100, retried on the next tick. */
  #guard<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      if (this.#failures++ % 100 === 0)
        this.#log.error({ err, failures: this.#failures }, 'webhook outbox failed');
      return undefined;
    }
  }

  renderMetrics(): string {
    const now = this.#now();
    const pending = this.#endpoints.map((ep) => {
      const p = ep.disabled
        ? { n: 0, oldest: null }
        : (this.#guard(() => this.#table.pending(ep.config.url)) ?? { n: 0, oldest: null });
      return {
        label: ep.config.label,
        disabled: ep.disabled,
        count: p.n,
        oldestMs: p.oldest === null ? 0 : now - p.oldest,
      };
    });
    return renderWebhookMetrics(this.#counters, pending);
  }

  /**
   * Stops the timer and lets the attempts in flight finish (each within its 5 s timeout) and
   * be recorded, so a graceful stop sends nothing twice; then closes the sockets. The store
   * must still be open. `abort`: give up on them at once (they stay pending, resent later).
   */
  async close(options: { abort?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    if (options.abort) for (const ep of this.#endpoints) ep.abort?.abort();
    await Promise.all(this.#endpoints.map((ep) => ep.busy?.catch(() => 0)));
    await Promise.all(this.#endpoints.map((ep) => ep.client.close().catch(() => {})));
  }
}
