/**
 * The demo's scripted incident: healthy most of the time, then one payment method fails on
 * the mock for a few minutes and recovers, again and again, so that `npm start` shows a
 * downtime go `started` -> `resolved` in the Downtime API while the other methods stay up.
 *
 * Why these numbers: 30% of the method's requests fail (a Downtime minute is above 5%,
 * docs/sla-definitions.md#downtime-minute) for four minutes, which always contain three whole
 * ones, so the tracker opens a downtime after `downtime.start_after` (3) of them
 * (docs/sla-definitions.md#downtime-detection) and resolves it `downtime.quiet` (5m) after
 * the last, once no page holds. At the demo's ~20 requests a minute per method, 24 failures
 * in a 30m window of ~600 requests is 4%, below the 6% of the 6h/30m page
 * (docs/sla-definitions.md#burn-rate-alerts): only the first incident, while the windows still
 * hold few requests, pages, and that page holds its downtime open for about 20 minutes. A
 * full outage (100%) would page every time and hold each downtime for the 30m window.
 * Every 30 minutes, so each downtime is resolved before the next incident.
 */
import type { MockUpstream } from './mock-upstream.js';

export interface IncidentOptions {
  readonly mock: Pick<MockUpstream, 'failMethod'>;
  /** The method that fails (one of the demo route map's per-request values). */
  readonly method: string;
  readonly firstAfterMs?: number;
  readonly lastingMs?: number;
  readonly everyMs?: number;
  /** Share of the method's requests that fail (default 0.3). */
  readonly share?: number;
  /** Told when the method starts failing (true) and recovers (false). */
  readonly onChange?: (failing: boolean) => void;
}

export const INCIDENT_DEFAULTS = {
  firstAfterMs: 2 * 60_000,
  lastingMs: 4 * 60_000,
  everyMs: 30 * 60_000,
  share: 0.3,
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
    opts.mock.failMethod(opts.method, opts.share ?? INCIDENT_DEFAULTS.share);
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
