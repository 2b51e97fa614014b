/**
 * What a reload (src/sidecar.ts `reload`) cannot apply in place, and how a request that
 * crosses one is recorded: its route index and payment-method variant belong to the config
 * that routed it, the recording goes to the generation current when it ends.
 */
import { needsRequestDigest } from '../config/derived.js';
import type { Instrument, ResolvedConfig, ResolvedRoute, UpstreamTls } from '../config/types.js';
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
 * table: re-point it at the route of the same name (or `unmatched`), and its payment-method
 * variant at the new route's list (remappedVariant). Only requests in flight across a
 * reload take this path, so the copy is rare.
 */
export function remapped(o: Observation, from: RouteTable, to: RouteTable): Observation {
  const before = from.routes[o.routeIndex];
  const index = to.routes.findIndex((r) => r.name === before?.name);
  const routeIndex = index >= 0 ? index : to.unmatchedIndex;
  const paymentVariant = remappedVariant(before, o.paymentVariant ?? 0, to.routes[routeIndex]);
  return { ...copyObservation(o, routeIndex), paymentVariant };
}

/**
 * The variant of route `to` that counts what variant `v` of route `from` named. A variant is
 * an index into the route's own list (payments/method-reader.ts), so the same index can name
 * another value, or none, in the new list: the value is looked up instead. Found: its index
 * in the new list. Not there, or never read by `from` (it read nothing, or the request's
 * value was outside its list): `other`, the list's length, as the reader counts a value it
 * does not know. A `to` that reads nothing has one variant: 0 (its static method, if any).
 */
export function remappedVariant(
  from: ResolvedRoute | undefined,
  v: number,
  to: ResolvedRoute | undefined,
): number {
  const p = to?.payment;
  const selector = p?.methodFrom ?? p?.instrumentFrom?.selector;
  if (p === undefined || selector === undefined) return 0;
  const known = knownOf(from, v);
  const value = p.methodFrom ? known.method : known.instrument[p.instrumentFrom!.field];
  if (value === undefined) return selector.values.length;
  const want = asciiLower(value);
  const i = selector.values.findIndex((x) => asciiLower(x) === want);
  return i >= 0 ? i : selector.values.length;
}

/**
 * The method and instrument fields `route` knows of a request of variant `v`: its static
 * ones, and the one it reads when the request's value was in the list.
 */
function knownOf(route: ResolvedRoute | undefined, v: number): { method?: string; instrument: Instrument } {
  const p = route?.payment;
  if (p === undefined) return { instrument: {} };
  if (p.methodFrom) return { method: p.methodFrom.values[v], instrument: p.instrument };
  const read = p.instrumentFrom;
  const value = read?.selector.values[v];
  return {
    method: p.method,
    instrument: read && value !== undefined ? { ...p.instrument, [read.field]: value } : p.instrument,
  };
}

/** The reader compares values ASCII case-insensitively (method-reader.ts); so does the remap. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}
