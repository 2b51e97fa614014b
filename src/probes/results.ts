/**
 * What the probes found: `sloprobe_probe_results_total{route,result}` and the state each
 * probe is in. Kept apart from the runner so that a reload, which replaces the runner,
 * continues the counters instead of resetting them under Prometheus.
 */

import { PromWriter } from '../telemetry/exposition.js';
import { escapeLabelValue } from '../telemetry/labels.js';

export type ProbeResult = 'good' | 'bad';

export class ProbeResults {
  /** Per route: [good, bad]. */
  private readonly counts = new Map<string, [number, number]>();

  count(route: string, result: ProbeResult): void {
    let c = this.counts.get(route);
    if (c === undefined) {
      c = [0, 0];
      this.counts.set(route, c);
    }
    c[result === 'good' ? 0 : 1]++;
  }

  /** Probes of `route` with `result` so far. */
  get(route: string, result: ProbeResult): number {
    return this.counts.get(route)?.[result === 'good' ? 0 : 1] ?? 0;
  }

  renderMetrics(): string {
    const w = new PromWriter();
    const name = 'sloprobe_probe_results_total';
    w.family(
      name,
      'counter',
      'Probe requests (probes:) by route and result: good = answered with expect_status, bad = any other status or no answer.',
    );
    for (const [route, [good, bad]] of this.counts) {
      const r = `route="${escapeLabelValue(route)}"`;
      w.line(name, `${r},result="good"`, good).line(name, `${r},result="bad"`, bad);
    }
    return w.text();
  }
}
