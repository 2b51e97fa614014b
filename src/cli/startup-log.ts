/**
 * The app log of a starting sidecar, held back until the start has succeeded. A start that
 * fails (a listener in use, the data dir held by another sidecar, a bad upstream) must end
 * in its one error line, not in JSON lines about restored windows and an SLO flag from a
 * sidecar that never ran. So lines written while starting are kept in memory; `open()`
 * writes them out in order and lets every later line through; `discard()` drops them
 * (with `--verbose` they are printed, since they may explain the failure).
 */
import pino from 'pino';
import { type AppLog, createAppLog } from '../log/app-log.js';

export interface StartupLog {
  readonly log: AppLog;
  /** Start succeeded: write what was held back, then write through. */
  open(): void;
  /** Start failed: drop what was held back (or print it when `verbose`). */
  discard(verbose: boolean): void;
}

export function createStartupLog(): StartupLog {
  const stderr = pino.destination({ fd: 2, sync: true });
  let held: string[] | undefined = [];
  const gate = {
    write(line: string): boolean {
      if (held) held.push(line);
      else stderr.write(line);
      return true;
    },
  };
  const flush = () => {
    const lines = held ?? [];
    held = undefined;
    for (const line of lines) stderr.write(line);
  };
  return {
    log: createAppLog({ destination: gate as unknown as NodeJS.WritableStream }),
    open: flush,
    discard(verbose) {
      if (verbose) flush();
      held = undefined;
    },
  };
}
