/**
 * The payment downtime entity exactly as Curlec's Payment Downtime API shows it
 * (docs/sla-definitions.md#downtime-entity): `id`, `entity: "payment.downtime"`, `method`,
 * `begin`, `end` (null while unknown), `status`, `scheduled`, `severity`, `instrument`,
 * `created_at`, `updated_at`, times in Unix seconds. Plus the record around it: what the
 * tracker needs to continue after a restart, never shown by the API.
 */
import { randomBytes } from 'node:crypto';
import type { Instrument } from '../config/types.js';
import type { OutboxEvent } from '../notify/event.js';

export const DOWNTIME_STATUSES = ['scheduled', 'started', 'resolved', 'cancelled'] as const;
export type DowntimeStatus = (typeof DOWNTIME_STATUSES)[number];
export const SEVERITIES = ['high', 'medium', 'low'] as const;
export type DowntimeSeverity = (typeof SEVERITIES)[number];

/** Where a record came from: detection, a maintenance window naming methods, or an operator. */
export type DowntimeSource = 'detected' | 'window' | 'api';

export const DOWNTIME_EVENTS = {
  started: 'payment.downtime.started',
  updated: 'payment.downtime.updated',
  resolved: 'payment.downtime.resolved',
} as const;
export type DowntimeEventName = (typeof DOWNTIME_EVENTS)[keyof typeof DOWNTIME_EVENTS];
export const DOWNTIME_ENTITY = 'payment.downtime';

// A type alias, not an interface: it must be assignable to OutboxEvent's Record<string, unknown>.
export type DowntimeEntity = {
  readonly id: string;
  readonly entity: typeof DOWNTIME_ENTITY;
  readonly method: string;
  readonly begin: number;
  readonly end: number | null;
  readonly status: DowntimeStatus;
  readonly scheduled: boolean;
  readonly severity: DowntimeSeverity;
  readonly instrument: Instrument;
  readonly created_at: number;
  readonly updated_at: number;
};

export interface DowntimeRecord {
  id: string;
  method: string;
  begin: number;
  end: number | null;
  status: DowntimeStatus;
  scheduled: boolean;
  severity: DowntimeSeverity;
  instrument: Instrument;
  createdAt: number;
  updatedAt: number;
  source: DowntimeSource;
  /** The maintenance window id (source `window`), else null. */
  sourceKey: string | null;
  /** Method series (`method:card/network=VISA`) whose traffic keeps a detected downtime open. */
  series: string[];
  /** Unix seconds of the last evidence (a Downtime minute's end, a page); quiet counts from it. */
  evidenceAt: number | null;
}

/** In the entity's field order, so the JSON reads like Curlec's. */
export function entityOf(r: DowntimeRecord): DowntimeEntity {
  return {
    id: r.id,
    entity: DOWNTIME_ENTITY,
    method: r.method,
    begin: r.begin,
    end: r.end,
    status: r.status,
    scheduled: r.scheduled,
    severity: r.severity,
    instrument: { ...r.instrument },
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `prefix` + 14 base62 characters from the CSPRNG (rejection sampling keeps them uniform). */
export function base62Id(prefix: string, length = 14): string {
  let out = prefix;
  while (out.length < prefix.length + length) {
    for (const b of randomBytes(length * 2)) {
      // 248 = 4 * 62: bytes at or above it would favour the first characters.
      if (b < 248) out += BASE62[b % 62];
      if (out.length === prefix.length + length) break;
    }
  }
  return out;
}

export const newDowntimeId = (): string => base62Id('down_');
export const newEventId = (): string => base62Id('evt_');

export function isOpen(status: DowntimeStatus): boolean {
  return status === 'scheduled' || status === 'started';
}

export function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** The outbox event for a change of `r` (the entity as the API shows it after the change). */
export function downtimeEvent(event: DowntimeEventName, r: DowntimeRecord): OutboxEvent {
  return {
    id: newEventId(),
    event,
    contains: DOWNTIME_ENTITY,
    entity: entityOf(r),
    createdAt: r.updatedAt,
  };
}
