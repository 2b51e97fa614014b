/**
 * A real sidecar on loopback, for the tests that run one in-process: the config with both
 * listeners on 127.0.0.1 at a port the system picks, the store in memory and no access log
 * unless the test names its own, started with a silent app log unless it passes one.
 */
import { applyOverrides, parseConfig } from '../../src/config/load.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { type AppLog, createAppLog } from '../../src/log/app-log.js';
import { type Sidecar, type SidecarOptions, startSidecar } from '../../src/sidecar.js';

/** What differs between the tests; each is the flag's value as `applyOverrides` takes it. */
export interface LoopbackOverrides {
  /** The test's upstream; default the config's own `upstream:`. */
  readonly upstream?: string | undefined;
  /** Default `:memory:`. */
  readonly dataDir?: string | undefined;
  /** Default `off`. */
  readonly accessLog?: string | undefined;
}

/** `config` with its listeners on ephemeral loopback ports and the test's upstream, store and access log. */
export function onLoopback(config: ResolvedConfig, overrides: LoopbackOverrides = {}): ResolvedConfig {
  return applyOverrides(config, {
    upstream: overrides.upstream,
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    dataDir: overrides.dataDir ?? ':memory:',
    accessLog: overrides.accessLog ?? 'off',
  });
}

/**
 * Config text parsed (`source` names it in messages; `env`, where `secret_env` names are
 * looked up, default process.env) and put on loopback as `onLoopback` does.
 */
export function loopbackConfig(
  yaml: string,
  source: string,
  overrides: LoopbackOverrides & { readonly env?: NodeJS.ProcessEnv } = {},
): ResolvedConfig {
  return onLoopback(parseConfig(yaml, source, overrides.env), overrides);
}

export type LoopbackOptions = Omit<SidecarOptions, 'log'> & { readonly log?: AppLog };

/** Starts a config from `onLoopback` or `loopbackConfig`; the app log is silent unless `options.log`. */
export function startLoopbackSidecar(
  config: ResolvedConfig,
  options: LoopbackOptions = {},
): Promise<Sidecar> {
  return startSidecar(config, { ...options, log: options.log ?? createAppLog({ level: 'silent' }) });
}
