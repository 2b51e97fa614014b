/**
 * The availability rule (docs/sla-definitions.md#availability-occurrences) as one pure function, kept apart from recording
 * (as linkerd2-proxy keeps `http/classify` apart from `http/prom`):
 *
 *   "This is calculated by dividing the number of requests processed correctly (responses
 *    having status code being 2xx, 3xx and 4xx) by the total number of requests during the
 *    time window."  SR = "requests responded with 2xx, 3xx and 4xx"; R = "total number of
 *    requests performed".
 *
 * So a request is `good` when it was answered 2xx/3xx/4xx, and `bad` for anything else that
 * counts in R: 5xx, the sidecar's own 502/504, or no answer at all. The one thing left out of
 * R is a request the client abandoned before any response (DESIGN.md: "neither (count it
 * apart)"): it is `excluded`.
 *
 * Edge cases the seeds leave open, decided here:
 * - Status 0 (nothing sent) without a client abort: the sidecar failed to answer a request
 *   that was performed, so it is `bad`, never silently dropped.
 * - Only an interim 1xx was sent: 1xx is not a final response and not in SR. If the client
 *   then went away it abandoned the request before any response (`excluded`); otherwise the
 *   exchange ended without a 2xx/3xx/4xx (`bad`). The sidecar does not proxy upgrades, so a
 *   final 101 is not a success case here.
 * - The client aborted after a 5xx header was sent: the request was answered 5xx, `bad`.
 * - The client aborted after a 2xx/3xx/4xx header was sent: the seed counts responses, and
 *   the service responded correctly; the client leaving mid-body is its own choice, `good`.
 * - A 2xx/3xx/4xx header followed by an upstream failure (`errorReason` set) while the
 *   client was still reading: the client got a truncated response, not one "processed
 *   correctly", `bad`.
 * - A status outside 100..999 is not an HTTP status: treated like 0 (nothing valid sent).
 */
import type { Outcome, UpstreamErrorReason } from './observation.js';

/** Outcome codes used on the hot path instead of strings; `OUTCOMES[code]` is the label. */
export const GOOD = 0;
export const BAD = 1;
export const EXCLUDED = 2;
export type OutcomeCode = typeof GOOD | typeof BAD | typeof EXCLUDED;
export const OUTCOMES: readonly Outcome[] = ['good', 'bad', 'excluded'];

/** A status the client can have received as a final answer (3 digits, 2xx and above). */
function isFinalStatus(status: number): boolean {
  return status >= 200 && status <= 999 && (status | 0) === status;
}

/** `classify` as a small integer, for the recorder's hot path. */
export function outcomeCode(
  status: number,
  errorReason: UpstreamErrorReason | null,
  clientAborted: boolean,
): OutcomeCode {
  if (!isFinalStatus(status)) return clientAborted ? EXCLUDED : BAD;
  if (status >= 500) return BAD;
  if (errorReason !== null && !clientAborted) return BAD;
  return GOOD;
}

/** good (2xx, 3xx, 4xx), bad (everything else that reached R) or excluded (abandoned). */
export function classify(
  status: number,
  errorReason: UpstreamErrorReason | null,
  clientAborted: boolean,
): Outcome {
  return OUTCOMES[outcomeCode(status, errorReason, clientAborted)]!;
}

/**
 * The SLI latency a request counts with, in nanoseconds, or -1 when it has none.
 *
 * The seeds measure latency "on all requests at the 99 percentile". A request the sidecar
 * answered itself (502/504, `sliNs` = -1 because no upstream headers came) still took time:
 * a 30 s header timeout is a 30 s request, so it counts with the time until the sidecar's
 * own answer (its total duration). Leaving it out would hide exactly the slowest requests
 * from the latency SLO. An excluded request counts nowhere, latency included.
 * The access log writes this same value as `latency_ms`, so replay sees what live saw.
 */
export function sliLatencyNs(sliNs: number, durationNs: number, outcome: OutcomeCode): number {
  if (outcome === EXCLUDED) return -1;
  if (sliNs >= 0) return sliNs;
  return durationNs >= 0 ? durationNs : -1;
}
