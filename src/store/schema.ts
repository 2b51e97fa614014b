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
];
