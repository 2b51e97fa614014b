/**
 * Every error sloprobe raises on purpose, with a stable `code` (modelled on undici's
 * `UND_ERR_*` and fastify's `FST_ERR_*`). Callers branch on `code`, never on messages.
 */

export const ErrorCodes = {
  CONFIG: 'SLOPROBE_ERR_CONFIG',
  CONFIG_READ: 'SLOPROBE_ERR_CONFIG_READ',
  USAGE: 'SLOPROBE_ERR_USAGE',
  UPSTREAM: 'SLOPROBE_ERR_UPSTREAM',
  LISTEN: 'SLOPROBE_ERR_LISTEN',
  STORE: 'SLOPROBE_ERR_STORE',
  REPLAY_INPUT: 'SLOPROBE_ERR_REPLAY_INPUT',
  PROMETHEUS: 'SLOPROBE_ERR_PROMETHEUS',
  /** An OpenAPI or OpenSLO document given to `sloprobe import` / `openslo` that cannot be used. */
  IMPORT_INPUT: 'SLOPROBE_ERR_IMPORT_INPUT',
  UNHEALTHY: 'SLOPROBE_ERR_UNHEALTHY',
  DOWNTIME_INPUT: 'SLOPROBE_ERR_DOWNTIME_INPUT',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class SloprobeError extends Error {
  readonly code: ErrorCode;
  /** The exit code the CLI uses when this error ends the process. */
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** Where in a config file something is wrong. Lines and columns are 1-based. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * A configuration problem: names file, line, column and the key, and says what to do.
 * Rendered as `config/klarna.yaml:14:7: routes[3].latency.p99: "200" is not a duration (try "200ms")`.
 */
export class ConfigError extends SloprobeError {
  readonly position: SourcePosition | undefined;
  readonly keyPath: string;
  readonly problem: string;

  constructor(problem: string, keyPath: string, position?: SourcePosition, options?: { cause?: unknown }) {
    const where = position ? `${position.file}:${position.line}:${position.column}: ` : '';
    const key = keyPath ? `${keyPath}: ` : '';
    super(ErrorCodes.CONFIG, `${where}${key}${problem}`, { ...options, exitCode: 2 });
    this.position = position;
    this.keyPath = keyPath;
    this.problem = problem;
  }
}

/** Several config problems found in one pass; the message lists each on its own line. */
export class ConfigErrors extends SloprobeError {
  readonly errors: readonly ConfigError[];

  constructor(errors: readonly ConfigError[]) {
    super(ErrorCodes.CONFIG, errors.map((e) => e.message).join('\n'), { exitCode: 2 });
    this.errors = errors;
  }
}

/** Bad command-line flags or arguments (exit 2). */
export class UsageError extends SloprobeError {
  constructor(message: string) {
    super(ErrorCodes.USAGE, message, { exitCode: 2 });
  }
}

/** The embedded store cannot be opened or written. */
export class StoreError extends SloprobeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.STORE, message, { ...options, exitCode: 1 });
  }
}

/** A Prometheus HTTP API query failed or answered something that is not a query result. */
export class PrometheusError extends SloprobeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.PROMETHEUS, message, { ...options, exitCode: 1 });
  }
}

/** A Downtime API request the sidecar refuses (HTTP 400): `field` names what to fix. */
export class DowntimeInputError extends SloprobeError {
  readonly field: string;

  constructor(field: string, message: string) {
    super(ErrorCodes.DOWNTIME_INPUT, message, { exitCode: 2 });
    this.field = field;
  }
}
