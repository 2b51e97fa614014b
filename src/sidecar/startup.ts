/**
 * The checks of a start (src/sidecar.ts `startSidecar`) that speak to the operator: the
 * access log's digest key before anything opens, and a listener that cannot bind.
 */
import type { ResolvedConfig } from '../config/types.js';
import { ErrorCodes, SloprobeError } from '../errors.js';
import type { AppLog } from '../log/app-log.js';
import { DIGEST_KEY_ENV, resolveDigestKey } from '../store/digest-key.js';

/** A listener that cannot bind says which one, where, and what to do. */
export function listenError(err: unknown, which: string, at: { host: string; port: number }): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${at.host}:${at.port}`;
  if (code === 'EADDRINUSE') {
    return new SloprobeError(
      ErrorCodes.LISTEN,
      `${which} ${where} is already in use (another sloprobe?); choose another with --${which} HOST:PORT`,
      { cause: err },
    );
  }
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return new SloprobeError(
      ErrorCodes.LISTEN,
      `${which} ${where}: cannot bind (${code}); check --${which}`,
      {
        cause: err,
      },
    );
  }
  return err;
}

/** The access log's digest key (store/digest-key.ts); a per-process one is said in the log. */
export function digestKeyFor(config: ResolvedConfig, log: AppLog): Buffer {
  const { key, source } = resolveDigestKey({
    dataDir: config.store.dataDir,
    configKey: config.store.digestKey,
  });
  if (source === 'process') {
    log.warn(
      `access-log digests use a random key for this process (data_dir is :memory: and neither digest_key nor ${DIGEST_KEY_ENV} is set): digests of two runs never match, so replay cannot de-duplicate across restarts`,
    );
  }
  // Nothing logged otherwise: a start refused later (the store's single-writer lock) must
  // not have logged a line first.
  return key;
}
