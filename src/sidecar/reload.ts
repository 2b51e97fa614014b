/**
 * What a reload (src/sidecar.ts `reload`) cannot apply in place, and how a request that
 * crosses one is recorded: its route index belongs to the table that routed it, the
 * recording goes to the generation current when it ends.
 */
import { needsRequestDigest } from '../config/derived.js';
import type { ResolvedConfig, UpstreamTls } from '../config/types.js';
import type { RouteTable } from '../routing/route-table.js';
import { copyObservation, type Observation } from '../telemetry/observation.js';

/** Settings the running listeners, pool and store were built from. */
export function restartOnly(a: ResolvedConfig, b: ResolvedConfig): string[] {
  const out: string[] = [];
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  if (a.upstream !== b.upstream) out.push('upstream');
  if (!sameUpstreamTls(a.upstreamTls, b.upstreamTls)) out.push('upstream.tls');
  if ((a.preserveHost ?? false) !== (b.preserveHost ?? false)) out.push('upstream.preserve_host');
  // A listener's certificate is replaced in place (reload); only switching TLS on or off restarts.
  if ((a.listenTls === undefined) !== (b.listenTls === undefined)) out.push('listen.tls');
  if (!same(a.listen, b.listen)) out.push('listen');
  if (!same(a.admin, b.admin)) out.push('admin');
  if (!same(a.timeouts, b.timeouts)) out.push('timeouts');
  if (a.store.dataDir !== b.store.dataDir) out.push('data_dir');
  if (a.store.digestKey !== b.store.digestKey) out.push('digest_key');
  if (
    a.store.minuteRetentionMs !== b.store.minuteRetentionMs ||
    a.store.hourRetentionMs !== b.store.hourRetentionMs
  )
    out.push('retention');
  if (needsRequestDigest(a) !== needsRequestDigest(b)) out.push('timeslices.distinct');
  const hooks = (c: ResolvedConfig) =>
    c.webhooks.map((w) => [w.url, w.events, w.accountId, w.secret.reveal()]);
  if (!same(hooks(a), hooks(b))) out.push('webhooks');
  if (!same(a.email ?? null, b.email ?? null) || a.email?.password?.reveal() !== b.email?.password?.reveal())
    out.push('notify.email');
  return out;
}

/** Same trust, identity and versions (file contents, not just paths: a rotated file is a change). */
function sameUpstreamTls(a: UpstreamTls | undefined, b: UpstreamTls | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.ca?.pem === b.ca?.pem &&
    a.cert?.pem === b.cert?.pem &&
    a.key?.pem.reveal() === b.key?.pem.reveal() &&
    a.servername === b.servername &&
    a.minVersion === b.minVersion
  );
}

/**
 * A request routed by an older generation carries a route index of that generation's
 * table: re-point it at the route of the same name (or `unmatched`). Only requests in
 * flight across a reload take this path, so the copy is rare.
 */
export function remapped(o: Observation, from: RouteTable, to: RouteTable): Observation {
  const name = from.routes[o.routeIndex]?.name;
  const index = to.routes.findIndex((r) => r.name === name);
  return copyObservation(o, index >= 0 ? index : to.unmatchedIndex);
}
