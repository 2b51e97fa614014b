/**
 * Periodic work cut into short steps, so that the proxy's requests never wait long behind it.
 *
 * The SLO and downtime evaluations run every second on the event loop that also serves the
 * proxy. Run whole, one evaluation (store writes, then every SLO's windows) held the loop for
 * 1-9 ms on the loaded 2-core bench machine, and every request arriving meanwhile waited for
 * it: at a fixed 2000 req/s that was a visible part of the sidecar's p99. Written as a
 * generator that yields between steps (one SLO, one store write), the work runs in slices of
 * about `SLICE_MS`, each slice its own macrotask (`setImmediate`), with the requests that
 * arrived served in between.
 *
 * `finish` runs what is left at once: a direct `tick()` (tests, shutdown, reload) sees the
 * same result as before, synchronously.
 */

/** How long one slice may run before the loop gets a turn. */
export const SLICE_MS = 0.5;

export class SlicedJob {
  private job: Iterator<void> | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private readonly runBound = (): void => this.run();

  constructor(
    /** Told about a step that threw; the rest of that job is dropped. */
    private readonly onError: (err: unknown) => void,
    private readonly sliceMs = SLICE_MS,
  ) {}

  /** True while a job has steps left. */
  get running(): boolean {
    return this.job !== null;
  }

  /** Starts `steps` on the next turn; a job still running is finished first. */
  start(steps: Iterator<void>): void {
    this.finish();
    this.job = steps;
    this.immediate = setImmediate(this.runBound);
  }

  /** Runs the steps left now, synchronously. */
  finish(): void {
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.immediate = null;
    const job = this.job;
    if (job === null) return;
    try {
      runAll(job);
    } catch (err) {
      this.onError(err);
    } finally {
      this.job = null;
    }
  }

  private run(): void {
    this.immediate = null;
    const job = this.job;
    if (job === null) return;
    const deadline = performance.now() + this.sliceMs;
    try {
      do {
        if (job.next().done === true) {
          this.job = null;
          return;
        }
      } while (performance.now() < deadline);
    } catch (err) {
      this.job = null;
      this.onError(err);
      return;
    }
    this.immediate = setImmediate(this.runBound);
  }
}

/** Runs every step of `steps` now (the synchronous path); returns what the job returns. */
export function runAll<T>(steps: Iterator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}
