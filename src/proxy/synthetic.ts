/**
 * How the proxy tells a probe request (src/probes) from a client's: the probe sends
 * `x-sloprobe-synthetic: <token>` to the sidecar's own listener over loopback (or, when the
 * listener is bound to one address, from that address to itself). The token is
 * random per process and never leaves it, because loopback alone vouches for nothing in a
 * sidecar deployment: every container of the pod shares it, so the application could
 * otherwise mark its own traffic synthetic and move it out of the SLA figures. The header
 * is always stripped (headers.ts), marker or not, so the upstream never sees it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const SYNTHETIC_HEADER = 'x-sloprobe-synthetic';

const TOKEN = randomBytes(24).toString('base64url');
const TOKEN_BYTES = Buffer.from(TOKEN, 'latin1');

/** The value the probe runner sends; in-process only (never logged, never configured). */
export function syntheticToken(): string {
  return TOKEN;
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * True when a request carrying the marker `value` came from this process's probe runner.
 * Rare path: only requests that carry the header get here.
 */
export function isSyntheticMarker(
  value: string,
  remoteAddress: string | undefined,
  localAddress: string | undefined,
): boolean {
  if (remoteAddress === undefined) return false;
  // A listener bound to one non-loopback address is reached from this host at that address.
  if (!isLoopback(remoteAddress) && remoteAddress !== localAddress) return false;
  const given = Buffer.from(value, 'latin1');
  return given.length === TOKEN_BYTES.length && timingSafeEqual(given, TOKEN_BYTES);
}
