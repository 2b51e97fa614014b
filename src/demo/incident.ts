/**
 * The demo's scripted incident: healthy most of the time, then one payment method fails on
 * the mock for a few minutes and recovers, again and again, so that `npm start` shows a
 * downtime go `started` -> `resolved` in the Downtime API while the other methods stay up.
 *
 * Why four minutes: once the SLO windows hold an hour of traffic, a shorter outage of one
 * method at the demo's rate raises no `page` (1h burn stays below 14.4) and the tracker opens
 * a downtime after `downtime.start_after` (3) consecutive Downtime minutes
 * (docs/sla-definitions.md#downtime-detection); four minutes of failures always contain three
 * whole ones. It is resolved after `downtime.quiet` (5m) without a Downtime minute or a page.
 */
import type { MockUpstream } from './mock-upstream.js';

export interface IncidentOptions {
  readonly mock: Pick<MockUpstream, 'failMethod'>;
  /** The method that fails (one of the demo route map's per-request values). */
  readonly method: string;
  readonly firstAfterMs?: number;
  readonly lastingMs?: number;
  readonly everyMs?: number;
  /** Told when the method starts failing (true) and recovers (false). */
  readonly onChange?: (failing: boolean) => void;
}

export const INCIDENT_DEFAULTS = {
  firstAfterMs: 2 * 60_000,
  lastingMs: 4 * 60_000,
  everyMs: 20 * 60_000,
} as const;

export interface Incidents {
  stop(): void;
}

export function startIncidents(opts: IncidentOptions): Incidents {
  const first = opts.firstAfterMs ?? INCIDENT_DEFAULTS.firstAfterMs;
  const lasting = opts.lastingMs ?? INCIDENT_DEFAULTS.lastingMs;
  const every = opts.everyMs ?? INCIDENT_DEFAULTS.everyMs;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (ms: number, fn: () => void) => {
    if (stopped) return;
    timer = setTimeout(fn, ms);
    timer.unref();
  };
  const fail = () => {
    opts.mock.failMethod(opts.method);
    opts.onChange?.(true);
    schedule(lasting, recover);
  };
  const recover = () => {
    opts.mock.failMethod(null);
    opts.onChange?.(false);
    schedule(Math.max(0, every - lasting), fail);
  };
  schedule(first, fail);
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      opts.mock.failMethod(null);
    },
  };
}
