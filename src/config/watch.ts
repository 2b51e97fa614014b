/**
 * `run --watch-config`: tells when the config file may have changed. It watches the
 * directory, not the file: editors save by writing a new file and renaming it over the old
 * one, and a Kubernetes ConfigMap volume swaps a `..data` symlink, so a watch on the file's
 * inode would see neither (it keeps watching the replaced inode). When the path is a symlink
 * the directory of its target is watched too, and the set is worked out again after each
 * change (the ConfigMap's target directory is new after every update).
 *
 * Events are not filtered by name (a ConfigMap update names `..data`, an editor its
 * temporary file): the caller reads the file and compares its hash, so a touch or a write
 * elsewhere in the directory costs one bounded read and no reload. Bursts are debounced:
 * `onChange` runs once the directory has been quiet for `debounceMs`, and at the latest
 * `maxWaitMs` after the first event, so a directory written continuously (a data dir next
 * to the config) still gets its changes noticed.
 */
import { type FSWatcher, realpathSync, watch } from 'node:fs';
import { dirname, resolve } from 'node:path';

export const WATCH_DEBOUNCE_MS = 250;
export const WATCH_MAX_WAIT_MS = 2000;
/** A directory that could not be watched (removed, unmounted) is tried again this often. */
const RETRY_MS = 1000;

export interface ConfigWatchOptions {
  readonly debounceMs?: number;
  readonly maxWaitMs?: number;
  /** A watch that failed after the start (it is retried); default: ignored. */
  readonly onError?: (err: unknown, dir: string) => void;
}

export interface ConfigWatch {
  close(): void;
}

/**
 * Watches the directories of `file`; throws when the file's own directory cannot be watched
 * at the start (the caller says so and exits), retries a watch that fails later.
 */
export function watchConfig(
  file: string,
  onChange: () => void,
  options: ConfigWatchOptions = {},
): ConfigWatch {
  const debounceMs = options.debounceMs ?? WATCH_DEBOUNCE_MS;
  const maxWaitMs = options.maxWaitMs ?? WATCH_MAX_WAIT_MS;
  const watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  let firstEventAt: number | undefined;
  let closed = false;

  const fire = () => {
    timer = undefined;
    firstEventAt = undefined;
    if (closed) return;
    refresh(false);
    onChange();
  };
  const changed = () => {
    if (closed) return;
    const now = Date.now();
    firstEventAt ??= now;
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, Math.max(0, Math.min(debounceMs, firstEventAt + maxWaitMs - now)));
  };
  const scheduleRetry = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      refresh(false);
      // What changed while nothing watched is only seen by looking.
      changed();
    }, RETRY_MS);
    retry.unref();
  };
  const open = (dir: string, strict: boolean) => {
    let w: FSWatcher;
    try {
      w = watch(dir, { persistent: false }, changed);
    } catch (err) {
      if (strict) throw err;
      options.onError?.(err, dir);
      scheduleRetry();
      return;
    }
    w.on('error', (err) => {
      w.close();
      if (watchers.get(dir) === w) watchers.delete(dir);
      options.onError?.(err, dir);
      scheduleRetry();
    });
    watchers.set(dir, w);
  };
  const refresh = (strict: boolean) => {
    const own = dirname(resolve(file));
    const wanted = new Set([own]);
    try {
      wanted.add(dirname(realpathSync(file)));
    } catch {
      // Missing for a moment (mid-rename): the own directory's watch sees it come back.
    }
    for (const [dir, w] of watchers) {
      if (!wanted.has(dir)) {
        w.close();
        watchers.delete(dir);
      }
    }
    for (const dir of wanted) if (!watchers.has(dir)) open(dir, strict && dir === own);
  };

  refresh(true);
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (retry) clearTimeout(retry);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
