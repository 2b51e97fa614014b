import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { requireTool } from './tools.js';

/** A named pipe with its read end open (non-blocking) and not read until the test says so. */
export interface Fifo {
  readonly path: string;
  /** Everything the pipe holds now, without waiting. */
  readAvailable(): string;
  close(): void;
}

/**
 * Makes a FIFO in `dir` with `mkfifo` (coreutils) and opens its read end, so that a writer
 * can open it: a reader that stalls is then the test's choice (it calls `readAvailable`).
 */
export function openFifo(t: TestContext, dir: string, name = 'fifo'): Fifo | undefined {
  if (requireTool(t, 'mkfifo', 'apt-get install coreutils') === undefined) return undefined;
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  let open = true;
  const chunk = Buffer.allocUnsafe(64 * 1024);
  t.after(() => {
    if (open) closeSync(fd);
    open = false;
  });
  return {
    path,
    readAvailable() {
      const parts: Buffer[] = [];
      for (;;) {
        let n = 0;
        try {
          n = readSync(fd, chunk, 0, chunk.length, null);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EAGAIN') break;
          throw err;
        }
        if (n === 0) break;
        parts.push(Buffer.from(chunk.subarray(0, n)));
      }
      return Buffer.concat(parts).toString('utf8');
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
