/**
 * Email as an outbox channel: one channel per subscriber (its own row per event, its own
 * order and backoff, so a full mailbox does not hold up the others), all sending through one
 * nodemailer SMTP transport. By default a subscriber gets the `payment.downtime.*` events:
 * incidents and maintenance announcements (docs/sla-definitions.md#downtime-entity); the SLO
 * flags (`slo.alert.*`, docs/sla-definitions.md#burn-rate-alerts) when it asks for them.
 *
 * The SMTP password is revealed only into the transport's options; nodemailer's own logger
 * is off (it would print the AUTH exchange at debug level), and what a failed attempt logs
 * is the SMTP reply code or the error code, never the reply text, which some servers fill
 * with the command they refused.
 */
import { createRequire } from 'node:module';
import type { Transporter } from 'nodemailer';
import type { EmailConfig, EmailSubscriber } from '../config/types.js';
import type { CategoriesOf } from '../payments/method-categories.js';
import type { Channel, Outcome } from './channel.js';
import type { OutboxEvent } from './event.js';
import { type MailMessage, mailMessage } from './mail-message.js';
import type { OutboxRow } from './outbox-table.js';

/** The SLO categories whose routes serve a payment method (for a subscriber's `categories`). */

export const NO_CATEGORIES: CategoriesOf = () => [];

const DOWNTIME = 'payment.downtime';

export function mailKey(address: string): string {
  return `mailto:${address}`;
}

class MailChannel implements Channel {
  readonly kind = 'email';
  readonly key: string;
  readonly label: string;
  readonly #subscriber: EmailSubscriber;
  readonly #config: EmailConfig;
  readonly #transport: Transporter;
  readonly #categoriesOf: CategoriesOf;
  readonly #owner: boolean;

  constructor(
    subscriber: EmailSubscriber,
    config: EmailConfig,
    transport: Transporter,
    categoriesOf: CategoriesOf,
    owner: boolean,
  ) {
    this.#subscriber = subscriber;
    this.#config = config;
    this.#transport = transport;
    this.#categoriesOf = categoriesOf;
    this.#owner = owner;
    this.key = mailKey(subscriber.address);
    this.label = this.key;
  }

  accepts(event: OutboxEvent): boolean {
    const { methods, categories, events } = this.#subscriber;
    if (!(events as readonly string[]).includes(event.event)) return false;
    const e = event.entity;
    const method = typeof e.method === 'string' ? e.method.toLowerCase() : undefined;
    if (methods && (method === undefined || !methods.includes(method))) return false;
    if (categories) {
      // A downtime is of a method: the categories whose routes serve it. An SLO alert names
      // its category itself (null for an SLO over a class or everything).
      const of =
        event.contains === DOWNTIME
          ? this.#categoriesOf(method ?? '')
          : typeof e.category === 'string'
            ? [e.category]
            : [];
      if (!categories.some((c) => of.includes(c))) return false;
    }
    return true;
  }

  body(event: OutboxEvent): string {
    return JSON.stringify(mailMessage(event, this.#subscriber.address, this.#config.fromDomain));
  }

  async send(row: OutboxRow, signal: AbortSignal): Promise<Outcome> {
    const m = JSON.parse(row.body) as MailMessage;
    const sending = this.#transport.sendMail({
      from: this.#config.from,
      to: m.to,
      subject: m.subject,
      text: m.text,
      html: m.html,
      messageId: m.messageId,
      references: m.references,
      date: new Date(m.date),
      headers: { 'X-Sloprobe-Event': m.event, 'X-Sloprobe-Event-Id': m.eventId },
    });
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(Object.assign(new Error('timeout'), { code: 'timeout' }));
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const info = (await Promise.race([sending, aborted])) as { response?: string };
      const code = Number(/^\d{3}/.exec(info.response ?? '')?.[0] ?? 250);
      return { result: 'delivered', status: code };
    } catch (err) {
      sending.catch(() => {});
      const e = err as { responseCode?: number; code?: string; name?: string };
      if (typeof e.responseCode === 'number') return { result: 'rejected', status: e.responseCode };
      return { result: 'error', status: null, error: e.code ?? e.name ?? 'error' };
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    if (this.#owner) this.#transport.close();
  }
}

/** The channels of `notify.email`: one per subscriber, one SMTP transport for all. */
export function mailChannels(config: EmailConfig, timeoutMs: number, categoriesOf: CategoriesOf): Channel[] {
  if (config.subscribers.length === 0) return [];
  // Loaded only when mail is configured: nodemailer costs a sidecar without it ~5 MiB of
  // resident memory (measured: an idle Node process with and without the module).
  const nodemailer = createRequire(import.meta.url)('nodemailer') as typeof import('nodemailer');
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.starttls === 'required',
    ignoreTLS: config.starttls === 'off',
    ...(config.user !== undefined
      ? { auth: { user: config.user, pass: config.password?.reveal() ?? '' } }
      : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // Off: nodemailer's logger prints the SMTP dialogue, AUTH included.
    logger: false,
    debug: false,
    // A message is built from our own strings only: no file or URL is ever read into it.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return config.subscribers.map((s, i) => new MailChannel(s, config, transport, categoriesOf, i === 0));
}
