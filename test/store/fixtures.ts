/** Shared helpers for the store tests (imported, not run on their own). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/config/types.js';
import type { StoreLog } from '../../src/store/open.js';
import type { MinuteRollup } from '../../src/telemetry/rollup.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** 2025-03-01T00:00:00Z, a whole hour. */
export const MARCH_1 = Date.UTC(2025, 2, 1);

export function rollup(
  minute: number,
  route: string,
  n: number,
  extra: Partial<MinuteRollup> = {},
): MinuteRollup {
  return {
    minute,
    route,
    total: n,
    good: n,
    bad: 0,
    excluded: 0,
    slow: 0,
    errors: 0,
    distinct: n,
    buckets: [0, n, 0, 0],
    ...extra,
  };
}

export interface LogLine {
  readonly msg: string;
  readonly fields: Record<string, unknown>;
}

export function captureLog(): { log: StoreLog; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { log: (msg, fields) => lines.push({ msg, fields }), lines };
}

export function tempDir(t: { after: (fn: () => void) => void }, prefix = 'sloprobe-store-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function storeConfig(dataDir: string, overrides: Partial<StoreConfig> = {}): StoreConfig {
  return { dataDir, minuteRetentionMs: 35 * DAY_MS, hourRetentionMs: 400 * DAY_MS, ...overrides };
}
