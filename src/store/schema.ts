/**
 * The store's schema as an ordered list of migrations. `PRAGMA user_version` holds the
 * number of migrations applied; each migration runs in its own transaction together with
 * the version bump, so a crash mid-migration leaves the previous version intact. Append
 * only: never edit a migration that has shipped.
 *
 * Routes are stored once in `routes` and referenced by id: a route name repeated on every
 * minute row costs ~20 B x 50 routes x 1440 minutes a day.
 *
 * `minutes` in `hour_rollups` keeps, for every minute of the hour that had traffic, its
 * offset and counters (not its buckets), in the encoding of codec.ts. That is what lets a
 * report rebuild timeslice Downtime Periods (docs/sla-definitions.md#downtime-period: "ten (10) or more consecutive
 * minutes") and minute-aligned maintenance exclusions for a month whose minute rows are
 * already pruned; the summed columns serve queries that only need totals.
 */

import { COUNTER_COLUMNS, ROLLUP_COUNTERS } from '../telemetry/rollup.js';

/**
 * The counter columns, from telemetry/rollup.ts. Migration 1 takes the counters it shipped
 * with (all of today's list; test/store/migrations.test.ts pins its text so a new counter
 * cannot silently rewrite it): a counter added later gets its own migration
 * (`ALTER TABLE ... ADD COLUMN ... NOT NULL DEFAULT 0`).
 */
const counterColumns = ROLLUP_COUNTERS.map((c) => `${COUNTER_COLUMNS[c]} INTEGER NOT NULL,`).join('\n     ');

export const MIGRATIONS: readonly string[] = [
  // 1: per-minute and per-hour rollups
  `CREATE TABLE routes (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE
   );
   CREATE TABLE minute_rollups (
     minute INTEGER NOT NULL,
     route_id INTEGER NOT NULL,
     ${counterColumns}
     buckets TEXT NOT NULL,
     PRIMARY KEY (minute, route_id)
   ) WITHOUT ROWID;
   CREATE TABLE hour_rollups (
     hour INTEGER NOT NULL,
     route_id INTEGER NOT NULL,
     ${counterColumns}
     buckets TEXT NOT NULL,
     minutes TEXT NOT NULL,
     PRIMARY KEY (hour, route_id)
   ) WITHOUT ROWID;
   CREATE TABLE store_state (
     key TEXT PRIMARY KEY,
     value INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE dirty_hours (
     hour INTEGER PRIMARY KEY
   );`,
  // 2: hourly HDR histograms of SLI latency per route, for the report's exact p99
  `CREATE TABLE hour_latency_hdr (
     hour INTEGER NOT NULL,
     route_id INTEGER NOT NULL,
     histogram TEXT NOT NULL,
     PRIMARY KEY (hour, route_id)
   ) WITHOUT ROWID;`,
  // 3: the webhook outbox (src/notify): one row per (event, endpoint), written in the same
  // transaction as the state change that caused it; the exact body is kept so every retry
  // sends the same bytes. Endpoints disabled by 410 Gone; SLO flags that are up (so a
  // restart neither raises them again nor forgets to clear them).
  `CREATE TABLE outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     endpoint TEXT NOT NULL,
     event_id TEXT NOT NULL,
     event TEXT NOT NULL,
     body TEXT NOT NULL,
     created_ms INTEGER NOT NULL,
     state TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_ms INTEGER NOT NULL,
     last_status INTEGER,
     done_ms INTEGER,
     UNIQUE (endpoint, event_id)
   );
   CREATE INDEX outbox_pending ON outbox (endpoint, seq) WHERE state = 'pending';
   CREATE TABLE webhook_endpoints (
     endpoint TEXT PRIMARY KEY,
     disabled_ms INTEGER NOT NULL,
     status INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE slo_alerts (
     slo TEXT NOT NULL,
     severity TEXT NOT NULL,
     alert_id TEXT NOT NULL,
     raised_ms INTEGER NOT NULL,
     rule TEXT,
     PRIMARY KEY (slo, severity)
   ) WITHOUT ROWID;`,
  // 4: payment downtimes (docs/sla-definitions.md#downtime-entity) and their history. The
  // entity's columns plus what the tracker needs to continue after a restart: where the
  // record came from (detected, a maintenance window, the API), the method series that
  // contribute to it, and when it last had evidence (the quiet time counts from there).
  `CREATE TABLE downtimes (
     id TEXT PRIMARY KEY,
     method TEXT NOT NULL,
     begin INTEGER NOT NULL,
     "end" INTEGER,
     status TEXT NOT NULL,
     scheduled INTEGER NOT NULL,
     severity TEXT NOT NULL,
     instrument TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     source TEXT NOT NULL,
     source_key TEXT,
     series TEXT NOT NULL,
     evidence_at INTEGER
   );
   CREATE INDEX downtimes_by_begin ON downtimes (begin DESC, created_at DESC);
   CREATE INDEX downtimes_open ON downtimes (status) WHERE status IN ('scheduled', 'started');
   CREATE TABLE downtime_history (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     downtime_id TEXT NOT NULL,
     at INTEGER NOT NULL,
     event TEXT NOT NULL,
     entity TEXT NOT NULL
   );
   CREATE INDEX downtime_history_by_id ON downtime_history (downtime_id, seq);`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Tables a store at SCHEMA_VERSION must have; a file that claims the version but lacks one is corrupt. */
export const REQUIRED_TABLES: readonly string[] = [
  'routes',
  'minute_rollups',
  'hour_rollups',
  'store_state',
  'dirty_hours',
  'hour_latency_hdr',
  'outbox',
  'webhook_endpoints',
  'slo_alerts',
  'downtimes',
  'downtime_history',
];

/** The migration (1-based) that created each table that came after the first. */
const TABLE_SINCE: Readonly<Record<string, number>> = {
  hour_latency_hdr: 2,
  outbox: 3,
  webhook_endpoints: 3,
  slo_alerts: 3,
  downtimes: 4,
  downtime_history: 4,
};

/** The tables a store at `version` has (an older store opened read-only by `report`). */
export function requiredTables(version: number): readonly string[] {
  return REQUIRED_TABLES.filter((t) => (TABLE_SINCE[t] ?? 1) <= version);
}
