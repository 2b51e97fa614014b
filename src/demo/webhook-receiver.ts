/**
 * The demo's webhook receiver: a loopback HTTP server that checks both signatures of each
 * event the outbox sends and prints one line per event. It verifies with node:crypto, not
 * with the outbox's signing code (that would prove nothing) and not with the `razorpay` or
 * `standardwebhooks` packages (the demo runs with production dependencies only; the tests
 * verify with those libraries). What it checks is what those libraries check:
 *
 * - `X-Razorpay-Signature` = hex HMAC-SHA256 of the raw body keyed with the secret string;
 * - `webhook-signature` has a `v1,<base64>` entry equal to HMAC-SHA256 of
 *   `webhook-id.webhook-timestamp.body` keyed with the base64-decoded `whsec_` secret, and
 *   the timestamp is within 5 minutes of now.
 *
 * A request that fails either check gets 401; a good one 200.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Secret } from '../config/secret.js';
import { WEBHOOK_EVENTS, type WebhookEndpoint } from '../config/types.js';

const TOLERANCE_S = 5 * 60;
const MAX_BODY = 1 << 20;

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const one = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0] : h) ?? '';

export function razorpayValid(body: string, headers: IncomingHttpHeaders, secret: string): boolean {
  const expected = createHmac('sha256', secret).update(body).digest('hex');
  return same(one(headers['x-razorpay-signature']), expected);
}

export function standardValid(
  body: string,
  headers: IncomingHttpHeaders,
  secret: string,
  nowMs: number,
): boolean {
  const id = one(headers['webhook-id']);
  const ts = one(headers['webhook-timestamp']);
  if (!id || !/^\d+$/.test(ts) || Math.abs(nowMs / 1000 - Number(ts)) > TOLERANCE_S) return false;
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret);
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
  return one(headers['webhook-signature'])
    .split(' ')
    .some((entry) => entry.startsWith('v1,') && same(entry.slice(3), expected));
}

/** One line about an event: what it is about, not its whole entity. */
export function describeEvent(body: string): string {
  try {
    const ev = JSON.parse(body) as {
      event?: string;
      payload?: Record<string, { entity?: Record<string, unknown> }>;
    };
    const entity = Object.values(ev.payload ?? {})[0]?.entity ?? {};
    const what =
      typeof entity.method === 'string'
        ? `${entity.method} ${String(entity.status)} severity ${String(entity.severity)} (${String(entity.id)})`
        : `${String(entity.severity)} ${String(entity.slo)}${entity.rule ? ` (${String(entity.rule)})` : ''}`;
    return `${ev.event ?? '?'}  ${what}`;
  } catch {
    return 'an unreadable body';
  }
}

export interface DemoReceiver {
  /** The endpoint to add to the sidecar's config. */
  readonly endpoint: WebhookEndpoint;
  readonly url: string;
  close(): Promise<void>;
}

export async function startWebhookReceiver(
  print: (line: string) => void,
  now: () => number = Date.now,
): Promise<DemoReceiver> {
  // A fresh Standard Webhooks secret per run: nothing to configure, nothing to leak.
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const rz = razorpayValid(body, req.headers, secret);
      const std = standardValid(body, req.headers, secret, now());
      const ok = rz && std && size <= MAX_BODY;
      const id = one(req.headers['webhook-id']) || '-';
      print(
        `webhook ${ok ? 'received' : 'REJECTED'}  ${describeEvent(body)}  ${id}  (X-Razorpay-Signature ${rz ? 'ok' : 'bad'}, webhook-signature ${std ? 'ok' : 'bad'})`,
      );
      res.writeHead(ok ? 200 : 401, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'bad signature\n');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
  return {
    url,
    endpoint: {
      url,
      label: url,
      secret: new Secret(secret),
      events: [...WEBHOOK_EVENTS],
      accountId: 'acc_sloprobedemo0',
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
