/**
 * `sloprobe run`: the sidecar. Flags override environment variables, which override the
 * config file (containers set SLOPROBE_* and mount the file).
 */
import { applyOverrides, type Overrides, parseConfig } from '../config/load.js';
import { readConfigSource } from '../config/read-source.js';
import type { ResolvedConfig } from '../config/types.js';
import { parseDuration } from '../config/units.js';
import { type ConfigWatch, watchConfig } from '../config/watch.js';
import { ErrorCodes, SloprobeError, UsageError } from '../errors.js';
import type { AppLog } from '../log/app-log.js';
import { type Sidecar, type SidecarOptions, startSidecar } from '../sidecar.js';
import { type CliIo, type CommandRun, type FlagSpec, flag, loadConfig, parseFlags } from './args.js';
import { ConfigReloader, ReloadCounts } from './config-reload.js';
import { createStartupLog } from './startup-log.js';
import { applyRunV8Flags, releaseStartupMemory } from './v8-flags.js';

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
  --watch-config         reload the config file when its content changes
  --verbose              stack traces on errors

SIGHUP reloads the config file, as --watch-config does on a change (a bad one is logged
and counted, and the running config stays); SIGTERM/SIGINT drain in-flight requests and
exit 0.`;

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
    'watch-config': { type: 'boolean' },
  },
};

export interface RunFlags {
  readonly config: ResolvedConfig;
  readonly drainMs: number;
  readonly recording: boolean;
  /** The config file as given, and the sha256 of the bytes `config` was loaded from. */
  readonly file: string;
  readonly sha256: string;
  /** Flags and environment over the file: applied again on every reload. */
  readonly overrides: Overrides;
  readonly watch: boolean;
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
  const overrides: Overrides = {
    upstream: str('upstream', 'SLOPROBE_UPSTREAM'),
    listen: str('listen', 'SLOPROBE_LISTEN'),
    admin: str('admin', 'SLOPROBE_ADMIN'),
    dataDir: str('data-dir', 'SLOPROBE_DATA_DIR'),
    accessLog: str('access-log', 'SLOPROBE_ACCESS_LOG'),
  };
  const file = str('config', 'SLOPROBE_CONFIG') ?? '';
  // Without a file, loadConfig throws the usage error every command gives.
  if (file === '') loadConfig(undefined, env);
  // Read once: the hash a reload compares with is of the very bytes that were loaded.
  const source = readConfigSource(file);
  const config = applyOverrides(parseConfig(source.text, file), overrides);
  return {
    config,
    drainMs,
    recording: recording === 'on',
    file,
    sha256: source.sha256,
    overrides,
    watch: flags.values['watch-config'] === true,
  };
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
  applyRunV8Flags();
  const counts = new ReloadCounts(Date.now());
  const { sidecar, log } = await startQuietly(
    flags.config,
    { recording: flags.recording, configReloads: counts },
    io.verbose === true,
  );
  const reloader = new ConfigReloader({
    file: flags.file,
    sha256: flags.sha256,
    load: (text) => applyOverrides(parseConfig(text, flags.file), flags.overrides),
    sidecar,
    log,
    counts,
  });
  let watch: ConfigWatch | undefined;
  if (flags.watch) {
    try {
      watch = watchConfig(flags.file, () => reloader.request('watch'), {
        onError: (err, dir) => log.warn({ err, dir }, 'config watch failed; retrying (SIGHUP still reloads)'),
      });
    } catch (err) {
      await sidecar.close(0);
      throw new SloprobeError(
        ErrorCodes.CONFIG_READ,
        `--watch-config: cannot watch the directory of ${flags.file}: ${(err as Error).message} (on Linux, ENOSPC means fs.inotify.max_user_watches is reached; SIGHUP reloads without a watch)`,
        { cause: err },
      );
    }
  }
  // Signal handlers first: whoever reads "running" may signal at once.
  process.on('SIGHUP', () => reloader.request('SIGHUP'));
  const stopped = waitForSignal(sidecar, log, flags.drainMs, async () => {
    watch?.close();
    await reloader.idle();
  });
  releaseStartupMemory();
  log.info(
    {
      proxy: addr(sidecar.proxyAddress),
      admin: addr(sidecar.adminAddress),
      upstream: flags.config.upstream,
      routes: flags.config.routes.length,
      config: flags.config.source,
      watch_config: flags.watch,
    },
    'sloprobe is running',
  );
  return stopped;
};

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
