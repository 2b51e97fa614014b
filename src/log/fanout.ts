/**
 * One sink that hands each observation to several (recorder, access log, ...). Sinks must
 * not throw; if one does anyway, the others still get the observation.
 */
import type { Observation, ObservationSink } from '../telemetry/observation.js';

class FanoutSink implements ObservationSink {
  constructor(private readonly sinks: readonly ObservationSink[]) {}

  observe(o: Observation): void {
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i++) {
      try {
        sinks[i]!.observe(o);
      } catch {
        // A sink broke its no-throw contract; the request and the other sinks go on.
      }
    }
  }
}

const NOOP: ObservationSink = { observe() {} };

export function fanout(sinks: readonly ObservationSink[]): ObservationSink {
  if (sinks.length === 0) return NOOP;
  if (sinks.length === 1) return sinks[0]!;
  return new FanoutSink([...sinks]);
}
