/**
 * The live side of the SLO engine: every second it takes the recorder's minute rollups,
 * writes them to the store and feeds the engine, then evaluates every SLO. Runs on a timer,
 * never on the request path (the request path only increments the current minute).
 *
 * On start it restores every window from the store, so a restart does not reset an SLO.
 */
import type { ResolvedConfig } from '../config/types.js';
import type { AppLog } from '../log/app-log.js';
import { type EventSink, NO_EVENTS } from '../notify/event.js';
import { newEventId, newId } from '../notify/ids.js';
import { type HourLatencyCounts, Store } from '../store/store.js';
import type { Recorder } from '../telemetry/recorder.js';
import { addRollups, type MinuteRollup } from '../telemetry/rollup.js';
import { HOUR_MS, MINUTE_MS } from '../time.js';
import { sloAlertEntity } from './alert-entity.js';
import { AlertTable } from './alert-table.js';
import { SloEngine } from './engine.js';
import { maxPeriodMinutes } from './period.js';
import { runAll, SlicedJob } from './sliced.js';
import { type SlosDocument, slosJson } from './slo-json.js';
import { renderSloMetrics } from './slo-metrics.js';
import type { FlagTransition, SloStatus } from './status.js';

/** The longest fixed window (3d) beyond the period, so every window is whole after a restart. */
const RESTORE_SLACK_MINUTES = 3 * 24 * 60;

export interface SloRuntimeOptions {
  readonly recorder: Recorder;
  readonly bounds: readonly number[];
  readonly log: AppLog;
  readonly now: () => number;
  /** Flush and evaluate interval; the store loses at most this much on `kill -9`. */
  readonly tickMs?: number;
  /**
   * An open store to continue with (a reload hands over the previous runtime's store):
   * a `:memory:` store would otherwise start empty, and a changed `data_dir` or retention
   * takes effect on restart, as the reload log says.
   */
  readonly store?: Store;
  /**
   * Where `slo.alert.raised|cleared` events go, given the open store (the outbox lives in
   * it); called once, before the first evaluation. Default: nowhere.
   */
  readonly events?: (store: Store) => EventSink;
}

export class SloRuntime {
  readonly engine: SloEngine;
  readonly store: Store;
  private readonly recorder: Recorder;
  private readonly log: AppLog;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;
  private statuses: SloStatus[] = [];
  private lastCompactMs = 0;
  /** Counts stored before this process started for the minute it started in, per route. */
  private readonly carried = new Map<string, MinuteRollup>();
  private readonly carriedMinute: number;
  /** HDR latency counts stored before this process started for the hour it started in. */
  private readonly carriedHours: Map<string, Float64Array>;
  private readonly carriedHour: number;
  private failures = 0;
  private readonly sliced = new SlicedJob((err) => this.failed(err));
  private closed = false;
  private readonly config: ResolvedConfig;
  private readonly events: EventSink;
  private readonly alerts: AlertTable;

  private constructor(config: ResolvedConfig, options: SloRuntimeOptions) {
    this.recorder = options.recorder;
    this.log = options.log;
    this.now = options.now;
    this.store =
      options.store ??
      Store.open(config.store, (msg, fields) => this.log.warn(fields, msg), { now: this.now });
    this.config = config;
    this.events = options.events?.(this.store) ?? NO_EVENTS;
    this.alerts = new AlertTable(this.store);
    this.engine = new SloEngine(config, {
      bucketBoundsSeconds: options.bounds,
      now: this.now,
      raised: this.alerts.all(),
      onTransition: (t) => this.transition(t),
    });
    const nowMinute = Math.floor(this.now() / MINUTE_MS);
    this.carriedMinute = nowMinute;
    this.carriedHour = Math.floor(this.now() / HOUR_MS);
    const hourMinute = (this.carriedHour * HOUR_MS) / MINUTE_MS;
    this.carriedHours = this.store.readLatencyHistograms(hourMinute, hourMinute + 1);
    this.restore(config, nowMinute);
    // Each beat's work runs in short slices (sliced.ts); `tick()` runs it whole.
    this.timer = setInterval(() => {
      if (!this.closed) this.sliced.start(this.steps(this.now()));
    }, options.tickMs ?? 1000);
    this.timer.unref();
  }

  static start(config: ResolvedConfig, options: SloRuntimeOptions): SloRuntime {
    return new SloRuntime(config, options);
  }

  private restore(config: ResolvedConfig, nowMinute: number): void {
    let span = RESTORE_SLACK_MINUTES;
    for (const slo of config.slos)
      span = Math.max(span, maxPeriodMinutes(slo.period) + RESTORE_SLACK_MINUTES);
    const rows = this.store.readRollups(nowMinute - span, nowMinute + 1); // [from, to): include this minute
    for (const r of rows) if (r.minute === nowMinute) this.carried.set(r.route, r);
    this.engine.ingest(rows);
    this.statuses = this.engine.evaluate(this.now());
    if (rows.length > 0)
      this.log.info({ minutes_restored: rows.length }, 'restored SLO windows from the store');
  }

  /** The rollups of the minute this process started in include what was stored before it. */
  private withCarried(rows: MinuteRollup[]): MinuteRollup[] {
    if (this.carried.size === 0) return rows;
    return rows.map((r) => {
      const before = r.minute === this.carriedMinute ? this.carried.get(r.route) : undefined;
      return before ? addRollups(r, before) : r;
    });
  }

  /**
   * Likewise for the hourly latency histograms: the store replaces a route's row for an hour
   * with what the recorder re-sends, and a new recorder (restart, reload) starts the hour
   * empty; without this the requests of the hour before the restart would drop out of the
   * monthly report's p99.
   */
  private withCarriedHour(rows: readonly HourLatencyCounts[]): readonly HourLatencyCounts[] {
    if (this.carriedHours.size === 0) return rows;
    return rows.map((r) => {
      const before = r.hour === this.carriedHour ? this.carriedHours.get(r.route) : undefined;
      return before ? { hour: r.hour, route: r.route, counts: addCounts(r.counts, before) } : r;
    });
  }

  /** Flush completed and in-progress minutes, then evaluate, all now. Public for tests and shutdown. */
  tick(): void {
    if (this.closed) return;
    // A beat still under way completes first: its minutes precede this tick's.
    this.sliced.finish();
    try {
      runAll(this.steps(this.now()));
    } catch (err) {
      this.failed(err);
    }
  }

  /** One beat's work, a step per store write and per SLO (yields between them). */
  private *steps(now: number): Generator<void, void, void> {
    const rows = this.withCarried([...this.recorder.drainRollups(now), ...this.recorder.peekCurrent()]);
    if (rows.length > 0) {
      this.store.writeRollups(rows);
      this.engine.ingest(rows);
    }
    yield;
    const hours = this.withCarriedHour(this.recorder.drainHourHistograms());
    // A route's hour is one row, replaced whole: a write per row keeps each step short.
    for (const h of hours) {
      this.store.writeLatencyHistograms([h]);
      yield;
    }
    this.statuses = yield* this.engine.evaluateSteps(now);
    // Roll old minutes into hours and prune, a bounded step at a time, off the request path.
    if (now - this.lastCompactMs >= MINUTE_MS) {
      this.lastCompactMs = now;
      for (let i = 0; i < 10 && this.store.compact(now).more; i++) yield;
    }
  }

  /** Never let the evaluation loop take the proxy down; say it once per 100 failures. */
  private failed(err: unknown): void {
    if (this.failures++ % 100 === 0)
      this.log.error({ err, failures: this.failures }, 'SLO evaluation failed');
  }

  /**
   * One raise or clear: one log line, and in one store transaction the flag's row and its
   * `slo.alert.*` event for the outbox (docs/sla-definitions.md#flag-evidence).
   */
  private transition(t: FlagTransition): void {
    this.log.warn({ event: 'slo_flag', ...t }, `SLO flag ${t.state}: ${t.slo} ${t.severity}`);
    this.store.transaction(() => {
      let alertId: string;
      if (t.state === 'raised') {
        alertId = newId('alert_');
        this.alerts.raise({ slo: t.slo, severity: t.severity, raisedAt: t.raisedAt, rule: t.rule, alertId });
      } else {
        alertId = this.alerts.clear(t.slo, t.severity) ?? newId('alert_');
      }
      this.events.enqueue({
        id: newEventId(),
        event: `slo.alert.${t.state}`,
        contains: 'slo.alert',
        entity: sloAlertEntity(alertId, t, this.config),
        createdAt: Math.floor(t.at / 1000),
      });
    });
  }

  /** Evaluation ticks that threw (`sloprobe_slo_evaluation_failures_total`). */
  get evaluationFailures(): number {
    return this.failures;
  }

  current(): readonly SloStatus[] {
    return this.statuses;
  }

  renderMetrics(): string {
    return renderSloMetrics(this.statuses);
  }

  json(): SlosDocument {
    return slosJson(this.statuses, this.engine.maintenance);
  }

  close(): void {
    if (this.closed) return;
    this.handOver().close();
  }

  /** Flushes and stops, leaving the store open for the runtime that takes over (reload). */
  handOver(): Store {
    if (!this.closed) {
      this.tick();
      this.closed = true;
      clearInterval(this.timer);
    }
    return this.store;
  }
}

function addCounts(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(Math.max(a.length, b.length));
  for (let i = 0; i < a.length; i++) out[i] = a[i]!;
  for (let i = 0; i < b.length; i++) out[i]! += b[i]!;
  return out;
}
