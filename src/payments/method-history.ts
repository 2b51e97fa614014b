/**
 * The payment-method series' minutes in the store, so that a restart (or a reload, which
 * builds a new recorder) does not empty the per-method windows and the status page's
 * per-method daily bars: every tick writes the completed minutes and the one in progress
 * (the store replaces a re-sent minute), and a new runtime reads its windows back.
 *
 * As for the routes (slo/runtime.ts): a new recorder starts the minute it was built in from
 * zero, and the store replaces that minute's row with what the recorder re-sends, so the
 * counts stored for it before the restart are carried and added in, or they would be lost.
 */
import type { SloEngine } from '../slo/engine.js';
import { maxPeriodMinutes } from '../slo/period.js';
import type { Store } from '../store/store.js';
import { addRollups, type MinuteRollup } from '../telemetry/rollup.js';
import { MINUTE_MS } from '../time.js';

/** The longest fixed window (3d) beyond the period, so every window is whole after a restart. */
const RESTORE_SLACK_MINUTES = 3 * 24 * 60;

export class MethodHistory {
  private readonly store: Store;
  private readonly carried = new Map<string, MinuteRollup>();
  private carriedMinute = -1;

  constructor(store: Store) {
    this.store = store;
  }

  /**
   * Feeds `engine` the stored minutes of its SLOs' longest period (and 3 days) up to the
   * minute of `nowMs` included; returns how many rows it read.
   */
  restore(engine: SloEngine, nowMs: number): number {
    let span = RESTORE_SLACK_MINUTES;
    for (const slo of engine.config.slos)
      span = Math.max(span, maxPeriodMinutes(slo.period) + RESTORE_SLACK_MINUTES);
    const nowMinute = Math.floor(nowMs / MINUTE_MS);
    this.carriedMinute = nowMinute;
    const rows = this.store.readMethodRollups(nowMinute - span, nowMinute + 1);
    for (const r of rows) if (r.minute === nowMinute) this.carried.set(r.route, r);
    if (rows.length > 0) engine.ingest(rows);
    return rows.length;
  }

  /** `rows` with what was stored before this process for the minute it started in. */
  withCarried(rows: readonly MinuteRollup[]): readonly MinuteRollup[] {
    if (this.carried.size === 0) return rows;
    return rows.map((r) => {
      const before = r.minute === this.carriedMinute ? this.carried.get(r.route) : undefined;
      return before ? addRollups(r, before) : r;
    });
  }

  /** Writes the rows (already carried); never throws (the store keeps a failed batch). */
  write(rows: readonly MinuteRollup[]): void {
    this.store.writeMethodRollups(rows);
  }
}
