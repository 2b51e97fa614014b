/**
 * `sloprobe run`: the sidecar. Flags override environment variables, which override the
 * config file (containers set SLOPROBE_* and mount the file).
 */
import { applyOverrides } from '../config/load.js';
import type { ResolvedConfig } from '../config/types.js';
import { parseDuration } from '../config/units.js';
import { ConfigErrors, UsageError } from '../errors.js';
import type { AppLog } from '../log/app-log.js';
import { type Sidecar, type SidecarOptions, startSidecar } from '../sidecar.js';
import { type CliIo, type CommandRun, type FlagSpec, flag, loadConfig, parseFlags } from './args.js';
import { createStartupLog } from './startup-log.js';

export const RUN_USAGE = `Usage: sloprobe run --config FILE [options]

Options (each also read from the environment variable shown):
  -c, --config FILE      YAML config                                  SLOPROBE_CONFIG
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

const FLAGS: FlagSpec = {
  command: 'run',
  usage: RUN_USAGE,
  options: {
    config: { type: 'string', short: 'c' },
    upstream: { type: 'string' },
    listen: { type: 'string' },
    admin: { type: 'string' },
    'data-dir': { type: 'string' },
    'access-log': { type: 'string' },
    'drain-timeout': { type: 'string' },
    recording: { type: 'string' },
  },
};

export interface RunFlags {
  readonly config: ResolvedConfig;
  readonly drainMs: number;
  readonly recording: boolean;
}

/**
 * Parses flags and environment and loads the config; throws UsageError/ConfigErrors (exit 2).
 * Undefined when `--help` was printed.
 */
export function resolveRunFlags(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: CliIo = process,
): RunFlags | undefined {
  const flags = parseFlags(argv, FLAGS, io);
  if (!flags) return undefined;
  const str = (name: string, envName?: string) => flag(flags.values, name, envName, env);
  const drain = str('drain-timeout') ?? '20s';
  let drainMs: number;
  try {
    drainMs = parseDuration(drain, 's');
  } catch (err) {
    throw new UsageError(`--drain-timeout: ${(err as Error).message}`);
  }
  const recording = str('recording') ?? 'on';
  if (recording !== 'on' && recording !== 'off') throw new UsageError('--recording takes "on" or "off"');
  const config = applyOverrides(loadConfig(str('config'), env), {
    upstream: str('upstream', 'SLOPROBE_UPSTREAM'),
    listen: str('listen', 'SLOPROBE_LISTEN'),
    admin: str('admin', 'SLOPROBE_ADMIN'),
    dataDir: str('data-dir', 'SLOPROBE_DATA_DIR'),
    accessLog: str('access-log', 'SLOPROBE_ACCESS_LOG'),
  });
  return { config, drainMs, recording: recording === 'on' };
}

/**
 * Starts the sidecar with its log held back: nothing is logged unless the start succeeds,
 * so a failed start prints only its one error line (main prints it).
 */
export async function startQuietly(
  config: ResolvedConfig,
  options: Omit<SidecarOptions, 'log'>,
  verbose: boolean,
): Promise<{ sidecar: Sidecar; log: AppLog }> {
  const startup = createStartupLog();
  let sidecar: Sidecar;
  try {
    sidecar = await startSidecar(config, { ...options, log: startup.log });
  } catch (err) {
    startup.discard(verbose);
    throw err;
  }
  startup.open();
  return { sidecar, log: startup.log };
}

export const command: CommandRun = async (argv, io) => {
  const flags = resolveRunFlags(argv, process.env, io);
  if (!flags) return 0;
  const { sidecar, log } = await startQuietly(
    flags.config,
    { recording: flags.recording },
    io.verbose === true,
  );
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
};

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
