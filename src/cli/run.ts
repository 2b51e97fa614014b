/**
 * `sloprobe run`: the sidecar. Flags override environment variables, which override the
 * config file (containers set SLOPROBE_* and mount the file).
 */
import { parseArgs } from 'node:util';
import { applyOverrides, loadConfigFile } from '../config/load.js';
import type { ResolvedConfig } from '../config/types.js';
import { parseDuration } from '../config/units.js';
import { ConfigErrors, UsageError } from '../errors.js';
import { type AppLog, createAppLog } from '../log/app-log.js';
import { type Sidecar, startSidecar } from '../sidecar.js';

export const RUN_USAGE = `Usage: sloprobe run --config FILE [options]

Options (each also read from the environment variable shown):
  --config FILE          YAML config                                  SLOPROBE_CONFIG
  --upstream URL         upstream origin, http or https               SLOPROBE_UPSTREAM
  --listen HOST:PORT     proxy listener (default 0.0.0.0:8080)         SLOPROBE_LISTEN
  --admin HOST:PORT      admin listener: /metrics, /healthz, /readyz   SLOPROBE_ADMIN
  --data-dir DIR         embedded store, or :memory:                   SLOPROBE_DATA_DIR
  --access-log TARGET    off | stdout | FILE (default stdout)          SLOPROBE_ACCESS_LOG
  --drain-timeout DUR    graceful shutdown deadline (default 20s)
  --recording on|off     record observations (off only to measure its cost)
  --verbose              stack traces on errors

SIGHUP reloads the config file (a bad one is logged and the running config stays);
SIGTERM/SIGINT drain in-flight requests and exit 0.`;

const OPTIONS = {
  config: { type: 'string' },
  upstream: { type: 'string' },
  listen: { type: 'string' },
  admin: { type: 'string' },
  'data-dir': { type: 'string' },
  'access-log': { type: 'string' },
  'drain-timeout': { type: 'string' },
  recording: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface RunFlags {
  readonly config: ResolvedConfig;
  readonly drainMs: number;
  readonly recording: boolean;
}

/** Parses flags and environment and loads the config; throws UsageError/ConfigErrors (exit 2). */
export function resolveRunFlags(argv: string[], env: NodeJS.ProcessEnv): RunFlags | undefined {
  let values: { [K in keyof typeof OPTIONS]?: string | boolean };
  try {
    values = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${RUN_USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${RUN_USAGE}\n`);
    return undefined;
  }
  const str = (flag: keyof typeof OPTIONS, envName?: string): string | undefined => {
    const v = values[flag];
    if (typeof v === 'string') return v;
    return envName ? env[envName] || undefined : undefined;
  };
  const file = str('config', 'SLOPROBE_CONFIG');
  if (!file)
    throw new UsageError('no config: pass --config FILE or set SLOPROBE_CONFIG (try config/klarna.yaml)');
  const drain = str('drain-timeout') ?? '20s';
  let drainMs: number;
  try {
    drainMs = parseDuration(drain, 's');
  } catch (err) {
    throw new UsageError(`--drain-timeout: ${(err as Error).message}`);
  }
  const recording = str('recording') ?? 'on';
  if (recording !== 'on' && recording !== 'off') throw new UsageError('--recording takes "on" or "off"');
  const config = applyOverrides(loadConfigFile(file), {
    upstream: str('upstream', 'SLOPROBE_UPSTREAM'),
    listen: str('listen', 'SLOPROBE_LISTEN'),
    admin: str('admin', 'SLOPROBE_ADMIN'),
    dataDir: str('data-dir', 'SLOPROBE_DATA_DIR'),
    accessLog: str('access-log', 'SLOPROBE_ACCESS_LOG'),
  });
  return { config, drainMs, recording: recording === 'on' };
}

export async function runCommand(argv: string[]): Promise<number> {
  const flags = resolveRunFlags(argv, process.env);
  if (!flags) return 0;
  const log = createAppLog();
  const sidecar = await startSidecar(flags.config, { log, recording: flags.recording });
  // Signal handlers first: whoever reads "running" may signal at once.
  process.on('SIGHUP', () => reloadOnSignal(sidecar, log, argv));
  const stopped = waitForSignal(sidecar, log, flags.drainMs);
  log.info(
    {
      proxy: addr(sidecar.proxyAddress),
      admin: addr(sidecar.adminAddress),
      upstream: flags.config.upstream,
      routes: flags.config.routes.length,
      config: flags.config.source,
    },
    'sloprobe is running',
  );
  return stopped;
}

let reloading = false;

/**
 * SIGHUP: read the config again (same flags and environment). A bad file is logged, one
 * line per problem with file:line:column, and the running config stays.
 */
function reloadOnSignal(sidecar: Sidecar, log: AppLog, argv: string[]): void {
  if (reloading) {
    log.warn('config reload already in progress; signal ignored');
    return;
  }
  let next: ResolvedConfig | undefined;
  try {
    next = resolveRunFlags(argv, process.env)?.config;
  } catch (err) {
    const problems =
      err instanceof ConfigErrors ? err.errors.map((e) => e.message) : [(err as Error).message];
    log.error({ problems }, 'config reload failed; the running config stays');
    return;
  }
  if (!next) return;
  reloading = true;
  sidecar.reload(next).then(
    (r) => {
      reloading = false;
      log.info(
        { routes: r.routes, slos: r.slos, needs_restart: r.needsRestart },
        r.needsRestart.length > 0
          ? `config reloaded; restart to apply ${r.needsRestart.join(', ')}`
          : 'config reloaded',
      );
    },
    (err: unknown) => {
      reloading = false;
      log.error({ err }, 'config reload failed');
    },
  );
}

export function addr(a: { host: string; port: number }): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** Resolves with the exit code once SIGTERM/SIGINT has drained the sidecar; a second signal exits at once. */
export function waitForSignal(
  sidecar: Sidecar,
  log: AppLog,
  drainMs: number,
  onStop?: () => Promise<void>,
): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting without draining');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal, drain_ms: drainMs }, 'draining in-flight requests');
      (async () => {
        await onStop?.();
        await sidecar.close(drainMs);
      })().then(
        () => {
          log.info('stopped');
          resolve(0);
        },
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
