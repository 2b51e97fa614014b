/**
 * Reloading the config of a running sidecar, on SIGHUP or a change seen by `--watch-config`.
 * One reload runs at a time; a request that arrives meanwhile runs once after it (so the
 * last saved file is the one applied), and a SIGHUP among the coalesced requests wins. A
 * bad file is logged one line per problem with file:line:column and counted; the running
 * config stays. A watch event whose file hashes as the one last tried is not a change (a
 * touch, a write elsewhere in the directory) and does nothing; a SIGHUP always reloads.
 */

import { readConfigSource } from '../config/read-source.js';
import type { ResolvedConfig } from '../config/types.js';
import { ConfigErrors } from '../errors.js';
import type { AppLog } from '../log/app-log.js';
import type { Sidecar } from '../sidecar.js';

export type ReloadTrigger = 'SIGHUP' | 'watch';

/** What `sloprobe_config_reload_total` and `…_last_reload_success_timestamp_seconds` export. */
export class ReloadCounts {
  success = 0;
  failure = 0;
  lastSuccessMs: number;

  /** `loadedAtMs`: when the config the sidecar starts with was loaded. */
  constructor(loadedAtMs: number) {
    this.lastSuccessMs = loadedAtMs;
  }
}

export interface ConfigReloaderOptions {
  readonly file: string;
  /** sha256 of the file the running config came from. */
  readonly sha256: string;
  /** Parses and resolves the text (flags and environment applied); throws like loading does. */
  readonly load: (text: string) => ResolvedConfig;
  readonly sidecar: Pick<Sidecar, 'reload'>;
  readonly log: AppLog;
  readonly counts: ReloadCounts;
  readonly now?: () => number;
}

export class ConfigReloader {
  readonly #o: ConfigReloaderOptions;
  #lastSha256: string;
  #running: Promise<void> | undefined;
  #pending: ReloadTrigger | undefined;

  constructor(options: ConfigReloaderOptions) {
    this.#o = options;
    this.#lastSha256 = options.sha256;
  }

  /** Asks for a reload; returns at once (the outcome is logged and counted). */
  request(trigger: ReloadTrigger): void {
    if (this.#running) {
      if (this.#pending !== 'SIGHUP') this.#pending = trigger;
      return;
    }
    this.#running = this.#drain(trigger);
  }

  /** Resolves once no reload is running or pending (shutdown waits for it). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(first: ReloadTrigger): Promise<void> {
    let trigger: ReloadTrigger | undefined = first;
    while (trigger) {
      await this.#attempt(trigger);
      trigger = this.#pending;
      this.#pending = undefined;
    }
    this.#running = undefined;
  }

  async #attempt(trigger: ReloadTrigger): Promise<void> {
    const { file, log, counts } = this.#o;
    let next: ResolvedConfig;
    try {
      const source = readConfigSource(file);
      if (trigger === 'watch' && source.sha256 === this.#lastSha256) {
        log.debug({ trigger, config: file }, 'config file unchanged; not reloaded');
        return;
      }
      this.#lastSha256 = source.sha256;
      next = this.#o.load(source.text);
    } catch (err) {
      counts.failure++;
      const problems =
        err instanceof ConfigErrors ? err.errors.map((e) => e.message) : [(err as Error).message];
      log.error({ trigger, problems }, 'config reload failed; the running config stays');
      return;
    }
    try {
      const r = await this.#o.sidecar.reload(next);
      counts.success++;
      counts.lastSuccessMs = (this.#o.now ?? Date.now)();
      log.info(
        { trigger, routes: r.routes, slos: r.slos, needs_restart: r.needsRestart },
        r.needsRestart.length > 0
          ? `config reloaded; restart to apply ${r.needsRestart.join(', ')}`
          : 'config reloaded',
      );
    } catch (err) {
      counts.failure++;
      log.error({ trigger, err }, 'config reload failed');
    }
  }
}
