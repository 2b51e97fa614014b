/**
 * What `GET /metrics` returns: prom-client's default process metrics (standard names, no
 * prefix, so existing Node dashboards work), the recorder's `sloprobe_*` families, build and
 * config info, then whatever extra renderers were registered (the SLO families of the
 * budgets work plug in here).
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { UNMATCHED_ROUTE } from '../config/types.js';
import { renderInfo, renderRecorder } from './exposition.js';
import type { Recorder } from './recorder.js';

/** Renders more metric families; must return complete families ending with a newline. */
export type MetricsRenderer = () => string;

export interface MetricsEndpointOptions {
  readonly recorder: Recorder;
  /** sloprobe's version for `sloprobe_build_info`. */
  readonly version?: string;
  /** Default process/Node metrics from prom-client. Default true. */
  readonly processMetrics?: boolean;
  readonly renderers?: readonly MetricsRenderer[];
  /** Clock for the latency windows; default: the recorder's. */
  readonly now?: () => number;
  /** Told when a renderer throws; the scrape still succeeds without that renderer's part. */
  readonly onError?: (err: unknown) => void;
}

const LINT_FAILING_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** The Prometheus text format the endpoint speaks. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export class MetricsEndpoint {
  readonly contentType = PROMETHEUS_CONTENT_TYPE;
  /** prom-client registry: register extra prom-client metrics here if that is simpler. */
  readonly registry = new Registry();
  private recorder: Recorder;
  private renderers: MetricsRenderer[];
  private readonly now: () => number;
  private readonly onError: (err: unknown) => void;
  private staticPart = '';
  private readonly version: string;

  constructor(options: MetricsEndpointOptions) {
    this.recorder = options.recorder;
    this.renderers = [...(options.renderers ?? [])];
    this.now = options.now ?? (() => this.recorder.nowMs());
    this.onError = options.onError ?? (() => {});
    if (options.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges named `_total` fail `promtool check metrics`; each is the sum of the labelled
      // gauge kept beside it (nodejs_active_handles{type} etc.), so nothing is lost.
      for (const name of LINT_FAILING_DEFAULTS) this.registry.removeSingleMetric(name);
    }
    this.version = options.version ?? 'unknown';
    this.staticPart = this.renderStatic();
  }

  /**
   * Serves another recorder and renderers from now on (a config reload). The process
   * metrics keep their registry; the request counters start again from zero, which
   * Prometheus's rate() reads as a counter reset.
   */
  swap(recorder: Recorder, renderers: readonly MetricsRenderer[]): void {
    this.recorder = recorder;
    this.renderers = [...renderers];
    this.staticPart = this.renderStatic();
  }

  private renderStatic(): string {
    const configured = this.recorder.routes.filter((r) => r.name !== UNMATCHED_ROUTE).length;
    return (
      renderInfo('sloprobe_build_info', 'sloprobe build information.', {
        version: this.version,
        nodejs: process.version,
      }) +
      renderInfo(
        'sloprobe_config_routes',
        'Routes in the loaded route map (without unmatched).',
        {},
        configured,
      )
    );
  }

  /** Appends a renderer (e.g. the SLO families); its output follows everything else. */
  addRenderer(renderer: MetricsRenderer): void {
    this.renderers.push(renderer);
  }

  /** The full exposition text. */
  async render(): Promise<string> {
    let text = await this.registry.metrics();
    if (text !== '' && !text.endsWith('\n')) text += '\n';
    text += this.staticPart + renderRecorder(this.recorder, this.now());
    for (const renderer of this.renderers) {
      try {
        const part = renderer();
        text += part.endsWith('\n') || part === '' ? part : `${part}\n`;
      } catch (err) {
        this.onError(err);
      }
    }
    return text;
  }
}
