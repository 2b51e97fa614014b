/**
 * The live side of payment methods and downtimes, one per config generation: the method
 * plan, the per-request reader, the per-method recorder, an SLO engine over the method
 * series (the same engine as the routes', so `/metrics` and `/v1/slos` show per-method
 * availability and timeslice figures, flags included), and the downtime tracker fed by it.
 *
 * Every second, off the request path: completed method minutes -> engine -> statuses; the
 * `page` flag of each series' availability SLO and its Downtime minutes -> tracker -> store
 * and outbox. Method minutes go to the store too (payments/method-history.ts): a restart
 * restores the per-method windows, and open downtimes continue from their stored records.
 */
import type { IncomingMessage } from 'node:http';
import { timesliceErrorStatuses } from '../config/derived.js';
import { DOWNTIME_DEFAULTS } from '../config/resolve-payments.js';
import { SEED_TIMESLICE_RULES } from '../config/resolve-rules.js';
import type { ResolvedConfig, ResolvedRoute, SloDefinition } from '../config/types.js';
import type { AppLog } from '../log/app-log.js';
import type { EventSink } from '../notify/event.js';
import { MethodHistory } from '../payments/method-history.js';
import { methodLabelTexts, writeMethodCounters } from '../payments/method-metrics.js';
import { MethodReader } from '../payments/method-reader.js';
import { MethodRecorder } from '../payments/method-recorder.js';
import { type MethodPlan, planMethods } from '../payments/method-series.js';
import { SloEngine } from '../slo/engine.js';
import { runAll, SlicedJob } from '../slo/sliced.js';
import type { SloStatus } from '../slo/status.js';
import type { Store } from '../store/store.js';
import { PromWriter } from '../telemetry/exposition.js';
import { MINUTE_MS } from '../time.js';
import { DowntimeStore } from './downtime-store.js';
import { seconds } from './entity.js';
import { DowntimeTracker } from './tracker.js';

export interface DowntimeRuntimeOptions {
  /** The route table's routes (the `unmatched` route included), in table order. */
  readonly routes: readonly ResolvedRoute[];
  readonly store: Store;
  readonly events: EventSink;
  readonly log: AppLog;
  readonly now: () => number;
  /** Evaluation interval; default 1 s. 0: no timer (tests call `tick()`). */
  readonly tickMs?: number;
}

/** The category the method series carry in the method engine's config. */
export const METHOD_CATEGORY = 'payment-methods';

/** The config the method engine judges: one pseudo-route and two SLOs per method series. */
export function methodEngineConfig(config: ResolvedConfig, plan: MethodPlan): ResolvedConfig {
  const rules = config.slos.find((s) => s.timeslices)?.timeslices ?? SEED_TIMESLICE_RULES;
  const uptime = config.slos.find((s) => s.method === 'timeslices')?.objective;
  const routes: ResolvedRoute[] = plan.series.map((s) => ({
    index: s.index,
    name: s.name,
    methods: [],
    anyMethod: true,
    path: '',
    category: METHOD_CATEGORY,
    class: '',
    latency: undefined,
    availability: s.availability,
    timeoutMs: undefined,
  }));
  const slos: SloDefinition[] = plan.series.flatMap((s) => {
    const base = {
      scope: { kind: 'route', name: s.name } as const,
      routes: [s.name],
      latency: undefined,
      period: config.period,
      generated: true,
      sli: 'availability',
      // Probes count for downtime detection (a quiet method is not blind): README "Probes".
      includeSynthetic: true,
    } as const;
    return [
      {
        ...base,
        name: `${s.name}-availability`,
        method: 'occurrences',
        objective: s.availability,
        timeslices: undefined,
      },
      {
        ...base,
        name: `${s.name}-timeslices`,
        method: 'timeslices',
        objective: uptime ?? s.availability,
        timeslices: rules,
      },
    ];
  });
  return { ...config, routes, slos, maintenance: [], maintenancePolicy: 'none' };
}

export class DowntimeRuntime {
  readonly plan: MethodPlan;
  readonly reader: MethodReader;
  readonly recorder: MethodRecorder;
  readonly engine: SloEngine;
  readonly tracker: DowntimeTracker;
  private readonly history: MethodHistory;
  private readonly opts: DowntimeRuntimeOptions;
  private readonly retentionMs: number;
  private readonly timer: NodeJS.Timeout | undefined;
  private statuses: SloStatus[] = [];
  private readonly counterLabels: string[];
  private lastPruneMs = 0;
  private failures = 0;
  private readonly sliced = new SlicedJob((err) => this.failed(err));
  private closed = false;

  constructor(config: ResolvedConfig, opts: DowntimeRuntimeOptions) {
    this.opts = opts;
    this.plan = planMethods(opts.routes);
    this.reader = new MethodReader(opts.routes);
    this.recorder = new MethodRecorder(this.plan, timesliceErrorStatuses(config), opts.now);
    this.counterLabels = methodLabelTexts(this.plan);
    this.engine = new SloEngine(methodEngineConfig(config, this.plan), {
      bucketBoundsSeconds: [],
      now: opts.now,
      onTransition: (t) =>
        opts.log.warn({ event: 'slo_flag', ...t }, `payment method flag ${t.state}: ${t.slo} ${t.severity}`),
    });
    this.history = new MethodHistory(opts.store);
    this.history.restore(this.engine, opts.now());
    const rules = config.downtime ?? DOWNTIME_DEFAULTS;
    this.retentionMs = rules.retentionMs;
    const threshold =
      config.slos.find((s) => s.timeslices)?.timeslices?.threshold ?? SEED_TIMESLICE_RULES.threshold;
    this.tracker = new DowntimeTracker({
      db: new DowntimeStore(opts.store),
      sink: opts.events,
      rules,
      threshold,
      series: this.plan.series,
      windows: config.maintenance,
      now: opts.now,
      log: opts.log,
    });
    const tickMs = opts.tickMs ?? 1000;
    if (tickMs > 0) {
      // Each beat's work runs in short slices (slo/sliced.ts); `tick()` runs it whole.
      this.timer = setInterval(() => {
        if (!this.closed) this.sliced.start(this.steps(this.opts.now()));
      }, tickMs);
      this.timer.unref();
    }
  }

  /** The request's variant on its route (the proxy's `paymentVariant` hook). */
  variantOf(routeIndex: number, req: IncomingMessage): number {
    return this.reader.variantOf(routeIndex, req);
  }

  /** Statuses of the per-method SLOs at the latest tick. */
  current(): readonly SloStatus[] {
    return this.statuses;
  }

  /** The per-method request counters, for `/metrics` ('' without payment methods). */
  renderCounters(): string {
    const w = new PromWriter();
    writeMethodCounters(w, this.counterLabels, this.recorder.totals);
    return w.text();
  }

  /** One evaluation, all now; public for tests and shutdown. Never throws. */
  tick(): void {
    if (this.closed) return;
    // A beat still under way completes first: its minutes precede this tick's.
    this.sliced.finish();
    try {
      runAll(this.steps(this.opts.now()));
    } catch (err) {
      this.failed(err);
    }
  }

  /** One beat's work, a step per store write and per SLO (yields between them). */
  private *steps(now: number): Generator<void, void, void> {
    const done = this.recorder.drain(now);
    const rows = this.history.withCarried([...done, ...this.recorder.peek()]);
    if (rows.length > 0) {
      this.history.write(rows);
      this.engine.ingest(rows);
    }
    yield;
    this.statuses = yield* this.engine.evaluateSteps(now);
    this.tracker.addMinutes(done);
    // Two SLOs per series, availability first (methodEngineConfig).
    const signals = this.plan.series.map((s) => {
      const st = this.statuses[2 * s.index];
      return {
        // The page's condition, not its latched flag: the hold keeps a flag up for its short
        // window after the burn stops (no flapping notifications), and a downtime has its own
        // `quiet` for that, so a held flag is no evidence that the method still fails.
        page: st?.firing.some((r) => r === 'page-quick' || r === 'page-slow') === true,
        ratio5m: st?.windows.find((w) => w.window === '5m')?.errorRatio ?? null,
      };
    });
    this.tracker.tick(signals);
    if (now - this.lastPruneMs >= MINUTE_MS) {
      this.lastPruneMs = now;
      yield;
      this.tracker.db.pruneBefore(seconds(now - this.retentionMs));
    }
  }

  private failed(err: unknown): void {
    if (this.failures++ % 100 === 0)
      this.opts.log.error({ err, failures: this.failures }, 'downtime tracking failed');
  }

  close(): void {
    if (this.closed) return;
    this.tick();
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
  }
}
