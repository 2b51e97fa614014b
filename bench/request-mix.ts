/**
 * The requests every peer receives: concrete paths taken from the route map, so the
 * sidecar's route table, parameter matching and per-route recording are all exercised,
 * plus one path no route matches (it lands on the single `unmatched` route).
 */

import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface BenchRequest {
  readonly method: string;
  readonly path: string;
  /** JSON body for methods that carry one. */
  readonly body: string | undefined;
}

export interface RequestMix {
  readonly requests: readonly BenchRequest[];
  /** Where the paths came from, for the report. */
  readonly source: string;
}

const MAX_ROUTES = 10;
const BODY = '{"purchase_country":"SE","purchase_currency":"SEK","order_amount":10000}';
const UNMATCHED: BenchRequest = { method: 'GET', path: '/bench/no-such-route', body: undefined };

// Used until config/klarna.yaml exists: the operations of the published p99 latency table (docs/sla-definitions.md#latency-objectives).
const FALLBACK: readonly BenchRequest[] = [
  { method: 'POST', path: '/hpp/v1/sessions', body: BODY },
  { method: 'GET', path: '/ordermanagement/v1/orders/ord-1001', body: undefined },
  { method: 'POST', path: '/ordermanagement/v1/orders/ord-1001/captures', body: BODY },
  { method: 'GET', path: '/settlements/v1/payouts', body: undefined },
  { method: 'GET', path: '/disputes/v2/disputes/dsp-2002', body: undefined },
  { method: 'POST', path: '/merchantcard/v3/settlements', body: BODY },
  { method: 'POST', path: '/customer-token/v1/tokens/tok-3003/order', body: BODY },
  { method: 'GET', path: '/payments/v1/sessions/ses-4004', body: undefined },
  { method: 'POST', path: '/payments/v1/authorizations/auth-5005/order', body: BODY },
];

/** `/orders/{order_id}/captures` -> `/orders/order_id-1/captures`; a trailing `*` gets two segments. */
export function concretePath(template: string, seed: number): string {
  let path = template.replace(/\{([^}/]+)\}/g, (_m, name: string) => `${name}-${seed}`);
  if (path.endsWith('/*')) path = `${path.slice(0, -1)}v1/item-${seed}`;
  else if (path.endsWith('*')) path = `${path.slice(0, -1)}-${seed}`;
  return path.replace(/\*/g, `x${seed}`);
}

function methodOf(raw: unknown): string {
  if (typeof raw === 'string') return raw === '*' ? 'GET' : raw.toUpperCase();
  if (Array.isArray(raw) && typeof raw[0] === 'string') {
    // Prefer a body-carrying method when the route allows one: POSTs cost more to proxy.
    const upper = raw.map((m) => String(m).toUpperCase());
    return upper.find((m) => m === 'POST') ?? upper[0] ?? 'GET';
  }
  return 'GET';
}

function fromConfig(file: string): BenchRequest[] {
  const doc = parse(readFileSync(file, 'utf8')) as { routes?: unknown } | null;
  const routes = Array.isArray(doc?.routes) ? (doc.routes as Record<string, unknown>[]) : [];
  const all: BenchRequest[] = [];
  routes.forEach((route, i) => {
    if (typeof route?.path !== 'string') return;
    const method = methodOf(route.method);
    const carriesBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
    all.push({ method, path: concretePath(route.path, 1000 + i), body: carriesBody ? BODY : undefined });
  });
  if (all.length <= MAX_ROUTES) return all;
  // Spread the picks over the whole table rather than taking its head.
  const picked: BenchRequest[] = [];
  for (let k = 0; k < MAX_ROUTES; k++) {
    const r = all[Math.floor((k * all.length) / MAX_ROUTES)];
    if (r) picked.push(r);
  }
  if (!picked.some((r) => r.method === 'POST')) {
    const post = all.find((r) => r.method === 'POST');
    if (post) picked[picked.length - 1] = post;
  }
  return picked;
}

export function loadRequestMix(configFile: string): RequestMix {
  if (existsSync(configFile)) {
    try {
      const picked = fromConfig(configFile);
      if (picked.length > 0) return { requests: [...picked, UNMATCHED], source: configFile };
    } catch (err) {
      const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
      return { requests: [...FALLBACK, UNMATCHED], source: `built-in list (${configFile}: ${why})` };
    }
  }
  return { requests: [...FALLBACK, UNMATCHED], source: `built-in list (${configFile} not found)` };
}

export const MIX_IDS = ['klarna', 'small'] as const;
export type MixId = (typeof MIX_IDS)[number];

/**
 * The smallest request of a mix: the GET without a body on the shortest matched path. It is
 * the worst case for what a proxy adds per request, because there is nothing else to pay for
 * (no body to stream, the smallest header set); the mix hides fixed costs behind POST bodies.
 */
export function smallestGet(mix: RequestMix): RequestMix {
  const gets = mix.requests.filter((r) => r.method === 'GET' && r.body === undefined && r !== UNMATCHED);
  const pick = gets.sort((a, b) => a.path.length - b.path.length)[0] ?? UNMATCHED;
  return { requests: [pick], source: `the smallest GET of ${mix.source}` };
}

export function luaString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * A wrk script that cycles through the mix (deterministically, so every peer sees the same
 * sequence) and prints one JSON line with exact counts and percentiles at the end, which
 * is sturdier than scraping wrk's human-readable summary.
 */
export function wrkScript(mix: RequestMix): string {
  const lines = mix.requests.map((r) => {
    const headers = r.body === undefined ? 'nil' : '{["Content-Type"] = "application/json"}';
    const body = r.body === undefined ? 'nil' : luaString(r.body);
    return `  reqs[#reqs + 1] = wrk.format(${luaString(r.method)}, ${luaString(r.path)}, ${headers}, ${body})`;
  });
  return `-- generated by bench/request-mix.ts
local reqs = {}
local i = 0

init = function(args)
${lines.join('\n')}
end

request = function()
  i = i + 1
  if i > #reqs then i = 1 end
  return reqs[i]
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
`;
}
