/**
 * The real parts of a downtime test: the demo's mock payment API on loopback, the sidecar
 * in front of it (real listeners, real store), an injectable clock, and an event sink that
 * records what the tracker enqueues and whether it was inside a store transaction.
 */
import { PassThrough } from 'node:stream';
import { request } from 'undici';
import { parseConfig } from '../../src/config/load.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { type MockUpstream, startMockUpstream } from '../../src/demo/mock-upstream.js';
import { createAppLog } from '../../src/log/app-log.js';
import type { EventSink, OutboxEvent } from '../../src/notify/event.js';
import type { Sidecar } from '../../src/sidecar.js';
import { loopbackConfig, startLoopbackSidecar } from '../helpers/sidecar.js';

/** 2026-01-05 10:00:00 UTC, a minute boundary, so minute arithmetic reads plainly. */
export const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
export const MINUTE = 60_000;

export const CONFIG = `upstream: http://127.0.0.1:9
classes:
  critical: { availability: 99% }
categories:
  payments:
    class: critical
    payment_method: { header: x-payment-method, values: [card, fpx] }
routes:
  - { name: pay, method: POST, path: /v1/payments, category: payments }
  - { name: orders, method: GET, path: /v1/orders, category: payments, payment_method: card, instrument: { network: VISA } }
`;

export interface RecordedEvent {
  readonly event: OutboxEvent;
  readonly inTransaction: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, which the tests check field by field
export type Json = any;

export class Clock {
  t = T0;
  readonly now = (): number => this.t;
}

export interface Harness {
  readonly mock: MockUpstream;
  readonly clock: Clock;
  readonly events: RecordedEvent[];
  sidecar: Sidecar;
  config(text?: string): ResolvedConfig;
  start(text?: string): Promise<Sidecar>;
  /** `n` POST /v1/payments naming `method` in the header; resolves once all are answered. */
  pay(method: string, n: number): Promise<number[]>;
  /** One evaluation of the downtime tracker at the clock's time. */
  tick(): void;
  admin(
    path: string,
    init?: { method?: string; body?: string; token?: string },
  ): Promise<{ status: number; json: Json }>;
  close(): Promise<void>;
}

export async function harness(options: { token?: string; dataDir?: string } = {}): Promise<Harness> {
  const clock = new Clock();
  const events: RecordedEvent[] = [];
  const quiet = new PassThrough();
  quiet.resume();
  const base = parseConfig(CONFIG, 'downtime.yaml');
  const mock = await startMockUpstream({
    routes: base.routes,
    errorRate: 0,
    slowRate: 0,
    timeScale: 0,
    seed: 7,
  });
  let sidecar: Sidecar | undefined;
  const h: Harness = {
    mock,
    clock,
    events,
    get sidecar() {
      return sidecar!;
    },
    set sidecar(s: Sidecar) {
      sidecar = s;
    },
    config(text = CONFIG) {
      const c = loopbackConfig(text, 'downtime.yaml', { upstream: mock.url, dataDir: options.dataDir });
      return options.token ? { ...c, adminToken: options.token } : c;
    },
    async start(text = CONFIG) {
      const events_: EventSink = {
        enqueue(event) {
          events.push({ event, inTransaction: sidecar?.slo?.store.database.inTransaction === true });
        },
      };
      sidecar = await startLoopbackSidecar(h.config(text), {
        log: createAppLog({ destination: quiet }),
        now: clock.now,
        events: events_,
      });
      return sidecar;
    },
    async pay(method, n) {
      const statuses: number[] = [];
      for (let i = 0; i < n; i++) {
        const res = await request(`http://127.0.0.1:${sidecar!.proxyAddress.port}/v1/payments`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-payment-method': method },
          body: '{"amount":100}',
        });
        await res.body.dump();
        statuses.push(res.statusCode);
      }
      return statuses;
    },
    tick() {
      sidecar!.downtime!.tick();
    },
    async admin(path, init = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
      const res = await request(`http://127.0.0.1:${sidecar!.adminAddress.port}${path}`, {
        method: (init.method ?? 'GET') as 'GET',
        headers,
        body: init.body,
      });
      const text = await res.body.text();
      return { status: res.statusCode, json: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await sidecar?.close(100);
      await mock.close();
    },
  };
  return h;
}

/** The entity keys in Curlec's order (docs/sla-definitions.md#downtime-entity). */
export const ENTITY_KEYS = [
  'id',
  'entity',
  'method',
  'begin',
  'end',
  'status',
  'scheduled',
  'severity',
  'instrument',
  'created_at',
  'updated_at',
];
