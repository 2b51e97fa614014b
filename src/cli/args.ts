/**
 * What every `sloprobe` command shares: the I/O seam (so tests run commands in-process), flag
 * parsing, config loading, time and format arguments, and the one error convention.
 *
 * The convention: a command throws (UsageError and ConfigErrors are bad input, exit 2; any
 * other error is a runtime failure, exit 1, unless a SloprobeError says otherwise) and
 * `execute` prints it as one line on stderr (a config error: one line per problem, each
 * naming file:line:column, then a count) and turns it into the exit code. Commands never
 * write their own error lines, so every command reads the same way.
 */
import type { Readable } from 'node:stream';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { loadConfigFile } from '../config/load.js';
import type { ResolvedConfig } from '../config/types.js';
import { ConfigErrors, SloprobeError, UsageError } from '../errors.js';
import { parseRfc3339 } from '../replay/time.js';
import { monthRange, parseMonth, zonedTimeToEpoch } from '../slo/period.js';
import { MINUTE_MS } from '../time.js';

export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stdin?: Readable;
  /** Wall clock, epoch ms (the default month, `generated_at`). */
  readonly now?: () => number;
  /** Stack traces on errors (`--verbose`). */
  readonly verbose?: boolean;
}

/**
 * A command: returns its exit code (0 unless it has a reason), throws to fail. `io` is
 * `process` in the real CLI and captured streams in tests.
 */
export type CommandRun = (argv: string[], io: CliIo) => Promise<number>;

export type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

/** What a command accepts; `-h, --help` is added to every command. */
export interface FlagSpec {
  readonly command: string;
  readonly usage: string;
  readonly options: Options;
  readonly positionals?: boolean;
}

/**
 * node:util parseArgs, strict. A flag error is a UsageError pointing at `--help`. Returns
 * undefined after printing the usage for `--help`.
 */
export function parseFlags(
  argv: string[],
  spec: FlagSpec,
  io: CliIo,
): { values: Values; positionals: string[] } | undefined {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: spec.positionals ?? false,
    }) as { values: Values; positionals: string[] };
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (see \`sloprobe ${spec.command} --help\`)`);
  }
  if (parsed.values.help) {
    io.stdout.write(`${spec.usage}\n`);
    return undefined;
  }
  return parsed;
}

/** A string flag's value, else the environment variable's (an empty one counts as unset). */
export function flag(
  values: Values,
  name: string,
  envName?: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const v = values[name];
  if (typeof v === 'string') return v;
  return envName ? env[envName] || undefined : undefined;
}

/** `--config FILE` or $SLOPROBE_CONFIG, loaded; throws UsageError or ConfigErrors (exit 2). */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const path = file ?? (env.SLOPROBE_CONFIG || undefined);
  if (!path) {
    throw new UsageError(
      '--config FILE is required: pass --config FILE or set SLOPROBE_CONFIG (try config/klarna.yaml)',
    );
  }
  return loadConfigFile(path);
}

export type Format = 'text' | 'json' | 'html';

export function parseFormat(value: string | undefined): Format {
  if (value === undefined || value === 'text' || value === 'json' || value === 'html') return value ?? 'text';
  throw new UsageError(`--format must be text, json or html, not "${value}"`);
}

/**
 * `--from`/`--to`: an RFC 3339 timestamp, epoch milliseconds, a date `YYYY-MM-DD` or a month
 * `YYYY-MM` (local midnight in `timeZone`, the zone reports cut months in).
 */
export function parseTimeArg(name: string, text: string, timeZone: string): number {
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
    `${name} "${text}" is not a time (use RFC 3339 like 2025-03-01T00:00:00Z, epoch milliseconds, YYYY-MM-DD or YYYY-MM)`,
  );
}

/** Minute floor, for messages. */
export function isoMinute(ms: number): string {
  return new Date(Math.floor(ms / MINUTE_MS) * MINUTE_MS).toISOString().replace(':00.000Z', 'Z');
}

/** Prints an error that ends a command the one way every command does; returns the exit code. */
export function printError(command: string | undefined, err: unknown, io: CliIo): number {
  const prefix = command ? `sloprobe ${command}: ` : 'sloprobe: ';
  let code = 1;
  if (err instanceof ConfigErrors) {
    // One line per problem, each already naming file:line:column, then how many.
    for (const e of err.errors) io.stderr.write(`${e.message}\n`);
    const file = err.errors[0]?.position?.file;
    const n = err.errors.length;
    if (file) io.stderr.write(`${file}: ${n} problem${n === 1 ? '' : 's'}\n`);
    code = err.exitCode;
  } else if (err instanceof SloprobeError) {
    io.stderr.write(`${prefix}${err.message}\n`);
    code = err.exitCode;
  } else {
    io.stderr.write(`${prefix}${err instanceof Error ? err.message : String(err)}\n`);
  }
  if (io.verbose && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  return code;
}

/** Runs a command under the convention: its exit code, or its error printed and mapped. */
export async function execute(command: string, run: CommandRun, argv: string[], io: CliIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (err) {
    return printError(command, err, io);
  }
}
