/**
 * Resolves `probes:`. A probe must exercise the route it names: its method and path are
 * looked up in the same route table the proxy uses, so a probe that would land on another
 * route (or on `unmatched`) is refused at load instead of silently watching the wrong thing.
 */
import { isValidOriginForm, pathOf } from '../proxy/target.js';
import { RouteTable } from '../routing/route-table.js';
import { didYouMean } from './did-you-mean.js';
import type { Problems } from './positions.js';
import { asArray, asObject, asString, parseAt } from './resolve-common.js';
import { knownList } from './resolve-routes.js';
import type { ProbeDefinition, ResolvedRoute } from './types.js';
import { parseDuration } from './units.js';

/** Faster than this is load, not a probe; the task's floor. */
export const MIN_PROBE_INTERVAL_MS = 1_000;

/** The marker header (proxy/synthetic.ts) and fields the proxy frames itself. */
const RESERVED_HEADERS = new Set([
  'x-sloprobe-synthetic',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Visible ASCII, spaces and tabs only: no CR/LF, so no header injection from the file.
const FIELD_VALUE = /^[\t\x20-\x7e]*$/;

function probeInterval(value: unknown): number {
  const ms = parseDuration(value, 's');
  if (ms < MIN_PROBE_INTERVAL_MS)
    throw new RangeError(
      `${JSON.stringify(value)} is shorter than the minimum probe interval; use 1s or more`,
    );
  return ms;
}

export function resolveProbes(
  raw: unknown,
  routes: readonly ResolvedRoute[],
  problems: Problems,
): ProbeDefinition[] {
  const out: ProbeDefinition[] = [];
  const items = asArray(raw);
  if (items.length === 0) return out;
  const byName = new Map(routes.map((r) => [r.name, r]));
  let table: RouteTable | undefined;
  items.forEach((item, i) => {
    const p = asObject(item);
    if (!p) return;
    const at = (...rest: (string | number)[]) => ['probes', i, ...rest];
    const route = asString(p.route) ?? '';
    const method = asString(p.method) ?? '';
    const path = asString(p.path) ?? '';
    const intervalMs = parseAt(problems, at('interval'), p.interval, probeInterval, MIN_PROBE_INTERVAL_MS);
    const known = byName.get(route);
    if (route !== '' && !problems.has(at('route')) && known === undefined) {
      problems.add(
        at('route'),
        `unknown route "${route}"${didYouMean(route, byName.keys()) || knownList(byName)}`,
      );
    }
    let pathOk = path !== '' && !problems.has(at('path'));
    if (pathOk && !isValidOriginForm(path)) {
      problems.add(
        at('path'),
        `"${path}" is not an origin-form target; write a path starting with / (percent-escapes valid, no #)`,
      );
      pathOk = false;
    }
    if (pathOk && known !== undefined && method !== '' && !problems.has(at('method'))) {
      try {
        table ??= new RouteTable(routes);
        const hit = table.routes[table.lookup(method, pathOf(path))]?.name ?? 'unmatched';
        if (hit !== route) {
          problems.add(
            at('path'),
            `${method} ${path} routes to "${hit}", not to "${route}"; use a path and method of route "${route}" (${known.path})`,
          );
        }
      } catch {
        // The route map itself is invalid: reported under routes:, nothing to add here.
      }
    }
    const headers: string[] = [];
    for (const [name, value] of Object.entries(asObject(p.headers) ?? {})) {
      const lower = name.toLowerCase();
      if (!TOKEN.test(name)) {
        problems.add(
          at('headers', name),
          `"${name}" is not a header name (letters, digits and !#$%&'*+.^_\`|~-)`,
          {
            key: true,
          },
        );
      } else if (RESERVED_HEADERS.has(lower)) {
        problems.add(at('headers', name), `${lower} is set by the sidecar for every probe; remove it`, {
          key: true,
        });
      } else if (typeof value === 'string' && !FIELD_VALUE.test(value)) {
        problems.add(at('headers', name), 'a header value holds visible ASCII, spaces and tabs only');
      } else if (typeof value === 'string') {
        headers.push(lower, value);
      }
    }
    const expectStatus = typeof p.expect_status === 'number' ? p.expect_status : 200;
    out.push({
      route,
      method,
      path,
      intervalMs,
      headers,
      body: asString(p.body),
      expectStatus,
    });
  });
  return out;
}
