/**
 * Where the access log's batches go, chosen once from what the descriptor is (`fstat`):
 *
 * - **Direct** (`DirectDestination`): `write(2)` from the main thread, as nginx writes its
 *   access log. For a regular file and a character device that is not a terminal
 *   (`/dev/null`), which take a write at once, and for a pipe or FIFO (a container's stdout),
 *   reopened through `/proc/self/fd` with `O_NONBLOCK` on a description of its own, so that
 *   a full pipe answers EAGAIN instead of stopping the proxy: what it did not take waits here
 *   (up to `maxBytes`, then whole batches are dropped and counted) and is retried every
 *   `RETRY_MS`. The process's own stdout keeps its flags.
 * - **Thread pool** (sonic-boom, pino's destination): sockets, terminals, and a pipe that
 *   cannot be reopened (no `/proc`). Each batch is an `fs.write` on libuv's thread pool.
 *
 * Why not the thread pool for everything, as before: at a fixed 2000 req/s (the klarna mix,
 * sidecar pinned on one core, bench/RESULTS.md), handing each batch to a pool thread put the
 * sidecar's p99 at 7.2-8.4 ms against 4.5-5.4 ms for the same batches written directly and
 * 4.4-6.1 ms with no access log (three rounds each, side by side): the hand-off wakes a
 * second thread on the core the proxy runs on, and the requests of that moment wait.
 */
import { EventEmitter } from 'node:events';
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import pino from 'pino';

/** The members of a destination the access log uses (sonic-boom's typings omit `fd`). */
export interface Destination {
  readonly fd: number;
  readonly destroyed: boolean;
  /** Takes the batch (the caller does not reuse it); 'drop' carries what was not kept. */
  write(data: Buffer): boolean;
  end(): void;
  /** Last chance on process exit: writes what it can of what waits, never blocking. */
  flushSync?(): void;
  /**
   * Writes `data` now if nothing waits and the descriptor takes all of it: true, and the
   * caller may reuse `data`. Otherwise as `write` (the destination keeps `data`): false.
   */
  writeNow?(data: Buffer): boolean;
  on(event: string, listener: (arg: unknown) => void): unknown;
  once(event: string, listener: (arg: unknown) => void): unknown;
  off(event: string, listener: (arg: unknown) => void): unknown;
}

/** How long bytes a full pipe refused wait before the next attempt. */
export const RETRY_MS = 10;

function isAgain(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}

export class DirectDestination extends EventEmitter implements Destination {
  destroyed = false;
  /** Bytes not yet taken by the descriptor, oldest first; the head may be a batch's tail. */
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  private failed = false;
  private readonly retryBound = (): void => {
    this.timer = null;
    this.drain();
  };

  /**
   * @param fd written with `writeSync`; non-blocking for a pipe.
   * @param maxBytes bytes kept waiting for a full pipe before whole batches are dropped.
   * @param closeOnEnd descriptors this destination opened, closed by `end`.
   */
  constructor(
    readonly fd: number,
    private readonly maxBytes: number,
    private readonly closeOnEnd: readonly number[] = [],
  ) {
    super();
  }

  /** As `writeNow`; true while the destination takes batches (it has not failed or ended). */
  write(data: Buffer): boolean {
    this.writeNow(data);
    return !this.failed && !this.destroyed;
  }

  writeNow(data: Buffer): boolean {
    if (this.destroyed || this.failed) {
      this.emit('drop', data);
      return false;
    }
    if (this.queued > 0) {
      // Order: behind what waits. Past the cap the whole batch goes, so no line is cut.
      if (this.queued + data.length > this.maxBytes) this.emit('drop', data);
      else this.push(data);
      return false;
    }
    const rest = this.writeSome(data);
    if (rest === null) return !this.failed;
    // The tail of a batch the pipe took in part is always kept: dropping it would cut a line.
    this.push(rest);
    return false;
  }

  flushSync(): void {
    this.drain();
  }

  end(): void {
    if (this.destroyed) return;
    this.drain();
    this.destroyed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    // What a full pipe still refuses at the end is lost: say so in the drop count.
    for (const b of this.queue.splice(0)) this.emit('drop', b);
    this.queued = 0;
    for (const fd of this.closeOnEnd) {
      try {
        closeSync(fd);
      } catch {
        // Closing on the way out; nothing left to tell.
      }
    }
    process.nextTick(() => this.emit('close'));
  }

  private push(b: Buffer): void {
    this.queue.push(b);
    this.queued += b.length;
    this.armRetry();
  }

  private armRetry(): void {
    // Unref'd: the proxy's listeners keep the process alive; on exit flushSync has a go.
    if (this.timer === null && !this.destroyed) this.timer = setTimeout(this.retryBound, RETRY_MS).unref();
  }

  /** Writes what waits until the descriptor refuses; re-arms the retry if anything is left. */
  private drain(): void {
    while (this.queue.length > 0 && !this.failed) {
      const head = this.queue[0]!;
      const rest = this.writeSome(head);
      if (this.failed) return;
      if (rest === null) {
        this.queue.shift();
        this.queued -= head.length;
        continue;
      }
      this.queue[0] = rest;
      this.queued -= head.length - rest.length;
      this.armRetry();
      return;
    }
  }

  /** Null when all of `b` was written; else the part the descriptor did not take (EAGAIN). */
  private writeSome(b: Buffer): Buffer | null {
    let off = 0;
    try {
      while (off < b.length) off += writeSync(this.fd, b, off, b.length - off);
      return null;
    } catch (err) {
      if (isAgain(err)) return off === 0 ? b : b.subarray(off);
      this.failed = true;
      this.emit('drop', b.subarray(off));
      for (const q of this.queue.splice(0)) if (q !== b) this.emit('drop', q);
      this.queued = 0;
      this.emit('error', err);
      return null;
    }
  }
}

/**
 * The destination for descriptor `fd` (see the header comment for which kind and why).
 * `ownsFd`: the access log opened `fd` (a file path) and closes it at the end.
 */
export function openDestination(fd: number, maxBytes: number, ownsFd: boolean): Destination {
  const owned = ownsFd ? [fd] : [];
  const st = fstatSync(fd);
  if (st.isFile() || (st.isCharacterDevice() && !isatty(fd)))
    return new DirectDestination(fd, maxBytes, owned);
  if (st.isFIFO()) {
    try {
      const nb = openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK);
      return new DirectDestination(nb, maxBytes, [nb, ...owned]);
    } catch {
      // No /proc, or no reader on the FIFO yet: the thread pool's blocking writes wait for one.
    }
  }
  return pino.destination({
    fd,
    sync: false,
    contentMode: 'buffer',
    maxLength: maxBytes,
  }) as unknown as Destination;
}
