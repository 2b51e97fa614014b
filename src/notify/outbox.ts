/**
 * The transactional outbox: producers `enqueue` events inside their store transaction (one
 * row per subscribed channel: a webhook endpoint or an email subscriber, its exact bytes
 * included); a timer off the request path delivers them, one channel at a time in order
 * (docs/sla-definitions.md#downtime-webhooks). Webhooks and email share this loop, so they
 * share its guarantees:
 *
 * - At-least-once with the same event id on every attempt: a row is marked delivered only
 *   after the receiver accepted it (a 2xx, an SMTP 250), so a crash between the acceptance
 *   and the mark sends it once more, with the same id (`webhook-id`, the email's Message-ID),
 *   which receivers deduplicate on.
 * - Per-channel order: only a channel's oldest pending row may be sent, so its next event
 *   waits until the previous one is delivered or given up (a `resolved` never overtakes its
 *   `started`). Channels do not wait for each other.
 * - 5 s per attempt; backoff with jitter, or `Retry-After`, for 24 hours; a webhook's 410
 *   Gone disables the endpoint (persisted, logged).
 * - A restart resumes: the rows are in the store, the schedule (`next_ms`) too.
 */
import type { EmailConfig, WebhookEndpoint } from '../config/types.js';
import type { AppLog } from '../log/app-log.js';
import type { CategoriesOf } from '../payments/method-categories.js';
import type { Store } from '../store/store.js';
import { type BackoffPolicy, backoffMs, DEFAULT_BACKOFF, GIVE_UP_AFTER_MS } from './backoff.js';
import type { Channel, Outcome } from './channel.js';
import { EmailCounters, renderEmailMetrics } from './email-metrics.js';
import type { EventSink, OutboxEvent } from './event.js';
import { mailChannels, NO_CATEGORIES } from './mail-channel.js';
import { type OutboxRow, OutboxTable } from './outbox-table.js';
import { WebhookChannel } from './webhook-channel.js';
import { DeliveryCounters, renderWebhookMetrics } from './webhook-metrics.js';

export const ATTEMPT_TIMEOUT_MS = 5_000;

export interface OutboxOptions {
  readonly store: Store;
  readonly endpoints: readonly WebhookEndpoint[];
  /** `notify.email`: the SMTP server and the subscribers; none when not configured. */
  readonly email?: EmailConfig | undefined;
  /** The SLO categories a payment method's routes belong to (a subscriber's `categories` filter). */
  readonly categoriesOf?: CategoriesOf;
  readonly log: AppLog;
  /** Epoch ms; schedules and ages read it (`webhook-timestamp` is always the wall clock). */
  readonly now?: () => number;
  /** How often the timer looks for due deliveries; 0: no timer (tests call `deliverDue`). */
  readonly tickMs?: number;
  readonly timeoutMs?: number;
  readonly backoff?: BackoffPolicy;
}

interface Lane {
  readonly channel: Channel;
  disabled: boolean;
  busy: Promise<number> | undefined;
  abort: AbortController | undefined;
}

export class Outbox implements EventSink {
  readonly #table: OutboxTable;
  readonly #lanes: Lane[];
  readonly #log: AppLog;
  readonly #now: () => number;
  readonly #timeoutMs: number;
  readonly #backoff: BackoffPolicy;
  readonly #counters = new DeliveryCounters();
  readonly #email = new EmailCounters();
  readonly #hasEmail: boolean;
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
    const channels: Channel[] = options.endpoints.map((c) => new WebhookChannel(c, this.#timeoutMs));
    this.#hasEmail = options.email !== undefined;
    if (options.email)
      channels.push(...mailChannels(options.email, this.#timeoutMs, options.categoriesOf ?? NO_CATEGORIES));
    this.#lanes = channels.map((channel) => ({
      channel,
      disabled: this.#table.disabledSince(channel.key) !== undefined,
      busy: undefined,
      abort: undefined,
    }));
    for (const { channel, disabled } of this.#lanes) {
      if (disabled) {
        const since = this.#table.disabledSince(channel.key) ?? 0;
        this.#log.warn(
          { endpoint: channel.label, disabled_at: new Date(since).toISOString() },
          'webhook endpoint disabled: it answered 410 Gone; no event is sent to it (configure another URL to send again)',
        );
        continue;
      }
      const { n } = this.#table.pending(channel.key);
      if (n > 0)
        this.#log.info(
          { endpoint: channel.label, pending: n },
          `resuming pending ${noun(channel)} deliveries`,
        );
    }
    const tickMs = options.tickMs ?? 1000;
    if (tickMs > 0 && this.#lanes.length > 0) {
      this.#timer = setInterval(() => void this.deliverDue(), tickMs);
      this.#timer.unref();
    }
  }

  /**
   * One row per channel that takes the event. Call inside the producer's
   * `store.transaction()`: the rows commit or roll back with the state change.
   */
  enqueue(event: OutboxEvent): void {
    const now = this.#now();
    for (const { channel, disabled } of this.#lanes) {
      if (disabled || !channel.accepts(event)) continue;
      this.#table.insert(channel.key, event.id, event.event, channel.body(event), now);
    }
  }

  /**
   * Sends what is due on every channel that is not already sending; resolves when those
   * sends are done, with the number of attempts made. The timer calls it; tests call it
   * after moving the clock.
   */
  async deliverDue(): Promise<number> {
    if (this.#closed) return 0;
    const started: Promise<number>[] = [];
    for (const lane of this.#lanes) {
      if (lane.disabled || lane.busy) continue;
      const run = this.#drain(lane).finally(() => {
        lane.busy = undefined;
      });
      lane.busy = run;
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

  /** Delivers the channel's due rows in order, stopping at the first that must wait. */
  async #drain(lane: Lane): Promise<number> {
    let attempts = 0;
    while (!this.#closed && !lane.disabled) {
      const row = this.#guard(() => this.#table.head(lane.channel.key));
      if (!row || row.next_ms > this.#now()) break;
      const outcome = await this.#attempt(lane, row);
      attempts++;
      // Settled even while closing: an answered attempt is recorded, so a graceful stop does
      // not make the next start send it again.
      const done = this.#guard(() => this.#settle(lane, row, outcome)) ?? false;
      if (!done) break;
    }
    return attempts;
  }

  async #attempt(lane: Lane, row: OutboxRow): Promise<Outcome> {
    const abort = new AbortController();
    lane.abort = abort;
    // A network deadline, not a schedule: real time, whatever the injected clock says.
    const timer = setTimeout(() => abort.abort(), this.#timeoutMs);
    try {
      return await lane.channel.send(row, abort.signal, this.#now());
    } finally {
      clearTimeout(timer);
      lane.abort = undefined;
    }
  }

  #count(channel: Channel, event: string, outcome: Outcome['result']): void {
    if (channel.kind === 'email') this.#email.add(outcome);
    else this.#counters.add(channel.label, event, outcome);
  }

  /** Records the attempt's outcome; true when the row is done and the next one may go. */
  #settle(lane: Lane, row: OutboxRow, outcome: Outcome): boolean {
    const { channel } = lane;
    const now = this.#now();
    const what = noun(channel);
    const fields = {
      endpoint: channel.label,
      event: row.event,
      event_id: row.event_id,
      attempt: row.attempts + 1,
    };
    const { status, result } = outcome;
    this.#count(channel, row.event, result);
    if (result === 'delivered') {
      this.#table.finish(row.seq, 'delivered', status, now);
      this.#log.debug({ ...fields, status }, `${what} delivered`);
      return true;
    }
    if (result === 'gone') {
      lane.disabled = true;
      this.#table.disable(channel.key, status ?? 0, now);
      this.#log.error(
        { ...fields, status },
        'webhook endpoint answered 410 Gone: disabled for good, its pending events dropped (configure another URL to send again)',
      );
      return false;
    }
    const asked = outcome.retryAfterMs;
    const delay = asked ?? backoffMs(row.attempts + 1, this.#backoff);
    const next = now + delay;
    const why = result === 'error' ? { error: outcome.error } : { status };
    if (next > row.created_ms + GIVE_UP_AFTER_MS) {
      this.#table.finish(row.seq, 'expired', status, now);
      if (channel.kind === 'email') this.#email.givenUp++;
      else this.#counters.giveUp(channel.label);
      this.#log.error({ ...fields, ...why }, `${what} not delivered within 24 hours: given up`);
      return true;
    }
    this.#table.retryAt(row.seq, status, next);
    this.#log.warn(
      { ...fields, ...why, retry_in_s: Math.round(delay / 1000), retry_after: asked !== undefined },
      result === 'redirect'
        ? 'webhook answered a redirect, which is not followed: configure the final URL'
        : `${what} delivery failed; will retry`,
    );
    return false;
  }

  /** A store failure must not stop the loop: logged once per 100, retried on the next tick. */
  #guard<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      if (this.#failures++ % 100 === 0) this.#log.error({ err, failures: this.#failures }, 'outbox failed');
      return undefined;
    }
  }

  renderMetrics(): string {
    const now = this.#now();
    const pending = [];
    let mailPending = 0;
    let mailOldest: number | null = null;
    for (const { channel, disabled } of this.#lanes) {
      const p = disabled
        ? { n: 0, oldest: null }
        : (this.#guard(() => this.#table.pending(channel.key)) ?? { n: 0, oldest: null });
      if (channel.kind === 'email') {
        mailPending += p.n;
        if (p.oldest !== null) mailOldest = Math.min(mailOldest ?? p.oldest, p.oldest);
        continue;
      }
      pending.push({
        label: channel.label,
        disabled,
        count: p.n,
        oldestMs: p.oldest === null ? 0 : now - p.oldest,
      });
    }
    const hooks = renderWebhookMetrics(this.#counters, pending);
    if (!this.#hasEmail) return hooks;
    return hooks + renderEmailMetrics(this.#email, mailPending, mailOldest === null ? 0 : now - mailOldest);
  }

  /**
   * Stops the timer and lets the attempts in flight finish (each within its 5 s timeout) and
   * be recorded, so a graceful stop sends nothing twice; then closes the connections. The
   * store must still be open. `abort`: give up on them at once (they stay pending, resent later).
   */
  async close(options: { abort?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    if (options.abort) for (const lane of this.#lanes) lane.abort?.abort();
    await Promise.all(this.#lanes.map((lane) => lane.busy?.catch(() => 0)));
    await Promise.all(this.#lanes.map((lane) => lane.channel.close()));
  }
}

/** How log lines name what a channel sends. */
function noun(channel: Channel): string {
  return channel.kind === 'email' ? 'email' : 'webhook';
}
