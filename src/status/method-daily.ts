/**
 * The daily figures of each payment-method series (`card`, `card` on VISA, ...), for the
 * page's per-method bars. A series is judged by the method engine's SLOs
 * (downtime/runtime.ts `methodEngineConfig`: an occurrences and a timeslice SLO per series),
 * over the method minutes the store keeps (payments/method-history.ts). Which of the two a
 * series' bars show is what the SLA measures its routes by: the timeslice uptime when an
 * SLO of the config judges all of them by timeslices
 * (docs/sla-definitions.md#monthly-uptime), the occurrences ratio otherwise
 * (docs/sla-definitions.md#availability-occurrences). The days are computed as the
 * categories' are (daily.ts), "no data" for a day without requests included.
 */
import type { ResolvedConfig, SloDefinition } from '../config/types.js';
import { methodEngineConfig } from '../downtime/runtime.js';
import { type MethodSeries, planMethods } from '../payments/method-series.js';
import { DailyHistory, type DayFigure, type RollupReader } from './daily.js';
import type { DowntimeView } from './sources.js';

export interface MethodView {
  readonly series: MethodSeries;
  /** The SLO categories of the routes counted under the series. */
  readonly categories: readonly string[];
  /** The method engine's SLO whose daily figure the bars show. */
  readonly slo: SloDefinition;
}

/** `card`, `card (network VISA)`: a series as a person names it. */
export function seriesLabel(s: MethodSeries): string {
  const fields = Object.keys(s.instrument).sort();
  if (fields.length === 0) return s.method;
  return `${s.method} (${fields.map((f) => `${f} ${s.instrument[f]}`).join(', ')})`;
}

/**
 * True when a downtime concerns the series: one about its method whose instrument does not
 * contradict the series' (a VISA downtime concerns `card`, not `card` on Mastercard), or
 * one about no method (maintenance) that affects one of its categories.
 */
export function concernsSeries(d: DowntimeView, v: MethodView): boolean {
  if (d.method === null)
    return d.categories.length === 0 || v.categories.some((c) => d.categories.includes(c));
  if (d.method.toLowerCase() !== v.series.method.toLowerCase()) return false;
  const own = v.series.instrument;
  return Object.keys(d.instrument).every((k) => own[k] === undefined || own[k] === d.instrument[k]);
}

function judgedByTimeslices(config: ResolvedConfig, s: MethodSeries): boolean {
  return config.slos.some(
    (o) =>
      o.sli === 'availability' && o.method === 'timeslices' && s.routes.every((r) => o.routes.includes(r)),
  );
}

export class MethodDays {
  readonly views: readonly MethodView[];
  private readonly history: DailyHistory | undefined;

  constructor(config: ResolvedConfig, timeZone: string, count: number) {
    const plan = planMethods(config.routes);
    const engine = methodEngineConfig(config, plan);
    const views: MethodView[] = plan.series.map((s) => ({
      series: s,
      categories: [...new Set(config.routes.filter((r) => s.routes.includes(r.name)).map((r) => r.category))],
      // Two SLOs per series, availability first (methodEngineConfig).
      slo: engine.slos[2 * s.index + (judgedByTimeslices(config, s) ? 1 : 0)]!,
    }));
    this.views = views;
    // Only the SLO each series shows: half the work of computing both.
    this.history =
      views.length === 0
        ? undefined
        : new DailyHistory({ ...engine, slos: views.map((v) => v.slo) }, [], timeZone, count);
  }

  /** `[series][day]`, in `views` order. */
  async figures(read: RollupReader, nowMs: number): Promise<DayFigure[][]> {
    return this.history ? this.history.figures(read, nowMs) : [];
  }
}
