/**
 * The secret that keys the access log's request `digest` (proxy/digest-exchange.ts). The
 * digest is an HMAC so that a log cannot be used to confirm a guess about what a request
 * carried (a card number in a body, a token in a query string has few enough values to
 * try them all against a plain hash). Equal requests must still get equal digests across
 * restarts of one installation, so that `replay` of its logs de-duplicates them
 * (docs/sla-definitions.md#repeated-requests): the key is kept, not drawn per start.
 *
 * Where it comes from, first match wins (the environment wins over the file, as for every
 * other setting):
 * 1. `SLOPROBE_DIGEST_KEY` (at least 16 characters);
 * 2. the config's `digest_key` (the schema requires 16 characters);
 * 3. `<data_dir>/digest.key`: 32 random bytes, hex, created on first use with mode 0600;
 * 4. with `data_dir: ":memory:"`, a random key for this process (said in the log: digests
 *    of two runs then never match).
 *
 * `replay` needs no key: it compares the digests the log holds.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError, UsageError } from '../errors.js';

export const DIGEST_KEY_FILE = 'digest.key';
export const DIGEST_KEY_ENV = 'SLOPROBE_DIGEST_KEY';
/** Shortest key accepted from the environment or the config: 16 characters. */
export const MIN_DIGEST_KEY_CHARS = 16;
const KEY_BYTES = 32;

export type DigestKeySource = 'env' | 'config' | 'file' | 'process';

export interface DigestKey {
  readonly key: Buffer;
  readonly source: DigestKeySource;
  /** The key file, when the key came from one. */
  readonly file?: string;
}

export interface DigestKeyOptions {
  readonly dataDir: string;
  readonly configKey?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
}

/** Resolves the installation's digest key (see the file comment); creates the key file if needed. */
export function resolveDigestKey(options: DigestKeyOptions): DigestKey {
  const fromEnv = (options.env ?? process.env)[DIGEST_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < MIN_DIGEST_KEY_CHARS) {
      throw new UsageError(
        `${DIGEST_KEY_ENV}: a digest key needs at least ${MIN_DIGEST_KEY_CHARS} characters (it has ${fromEnv.length}); generate one with: openssl rand -hex 32`,
      );
    }
    return { key: Buffer.from(fromEnv, 'utf8'), source: 'env' };
  }
  if (options.configKey !== undefined)
    return { key: Buffer.from(options.configKey, 'utf8'), source: 'config' };
  if (options.dataDir === ':memory:') return { key: randomBytes(KEY_BYTES), source: 'process' };
  const file = join(options.dataDir, DIGEST_KEY_FILE);
  return { key: readOrCreate(options.dataDir, file), source: 'file', file };
}

function readOrCreate(dataDir: string, file: string): Buffer {
  const existing = readKeyFile(file);
  if (existing !== undefined) return existing;
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new StoreError(`cannot create the data directory ${dataDir}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  // Written whole under a private name, then linked into place: link fails if the file
  // exists, so two sidecars starting at once agree on one key and neither reads half a file.
  const key = randomBytes(KEY_BYTES);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${key.toString('hex')}\n`, { mode: 0o600 });
    linkSync(tmp, file);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new StoreError(`cannot create the digest key ${file}: ${(err as Error).message}`, { cause: err });
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // Never written (the data dir is not writable): nothing to clean up.
    }
  }
  const other = readKeyFile(file);
  if (other === undefined) throw new StoreError(`the digest key ${file} vanished while it was created`);
  return other;
}

/** The key in `file`, or undefined when there is no such file. */
function readKeyFile(file: string): Buffer | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreError(`cannot read the digest key ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (!/^[0-9a-f]{64}$/.test(text)) {
    throw new StoreError(
      `the digest key ${file} is damaged (expected 64 hex digits); restore it, or delete it to start a new one (digests logged before then will not match new ones)`,
    );
  }
  return Buffer.from(text, 'hex');
}
