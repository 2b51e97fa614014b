/**
 * What `replay` and `report` share on the command line: the I/O seam (so tests run the
 * commands in-process), config loading with check's error output, and time arguments.
 */
import type { Readable } from 'node:stream';
import { loadConfigFile } from '../config/load.js';
import type { ResolvedConfig } from '../config/types.js';
import { ConfigErrors, SloprobeError, UsageError } from '../errors.js';
import { MINUTE_MS, monthRange, parseMonth, zonedTimeToEpoch } from '../slo/period.js';
import { parseRfc3339 } from './time.js';

export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stdin?: Readable;
  /** Wall clock, epoch ms (the default month, `generated_at`). */
  readonly now?: () => number;
}

export type Format = 'text' | 'json' | 'html';

export function parseFormat(value: string | undefined): Format {
  if (value === undefined || value === 'text' || value === 'json' || value === 'html') return value ?? 'text';
  throw new UsageError(`--format must be text, json or html, not "${value}"`);
}

/**
 * Loads the config; a problem is written the way `check` writes it (one line per problem,
 * then a count) and turned into exit code 2.
 */
export function loadConfigOrExit(
  command: string,
  file: string | undefined,
  io: CliIo,
): ResolvedConfig | number {
  const path = file ?? process.env.SLOPROBE_CONFIG;
  if (!path) {
    io.stderr.write(`sloprobe ${command}: --config FILE is required (or set SLOPROBE_CONFIG)\n`);
    return 2;
  }
  try {
    return loadConfigFile(path);
  } catch (err) {
    if (err instanceof ConfigErrors) {
      for (const e of err.errors) io.stderr.write(`${e.message}\n`);
      io.stderr.write(`${path}: ${err.errors.length} problem${err.errors.length === 1 ? '' : 's'}\n`);
      return err.exitCode;
    }
    if (err instanceof SloprobeError) {
      io.stderr.write(`sloprobe ${command}: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

/**
 * `--from`/`--to`: an RFC 3339 timestamp, epoch milliseconds, a date `YYYY-MM-DD` or a month
 * `YYYY-MM` (local midnight in `timeZone`, the zone reports cut months in).
 */
export function parseTimeArg(flag: string, text: string, timeZone: string): number {
  const month = parseMonth(text);
  if (month) return monthRange(month, timeZone).startMs;
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const ms = zonedTimeToEpoch(y, m, d, 0, 0, timeZone);
    if (m >= 1 && m <= 12 && d >= 1 && d <= 31 && new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d)
      return ms;
  } else {
    const ms = parseRfc3339(text, 0, text.length);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new UsageError(
    `${flag} "${text}" is not a time (use RFC 3339 like 2025-03-01T00:00:00Z, epoch milliseconds, YYYY-MM-DD or YYYY-MM)`,
  );
}

/** Minute floor, for messages. */
export function isoMinute(ms: number): string {
  return new Date(Math.floor(ms / MINUTE_MS) * MINUTE_MS).toISOString().replace(':00.000Z', 'Z');
}

/** One line on stderr for an error that ends the command; returns its exit code. */
export function fail(command: string, err: unknown, io: CliIo): number {
  if (err instanceof SloprobeError) {
    io.stderr.write(`sloprobe ${command}: ${err.message}\n`);
    return err.exitCode;
  }
  io.stderr.write(`sloprobe ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
}
