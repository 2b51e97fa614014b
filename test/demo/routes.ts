import type { ResolvedRoute } from '../../src/config/types.js';

/**
 * A route table shaped after the Kustom p99 table (docs/sla-definitions.md#latency-objectives),
 * written out by hand so these tests do not depend on the config loader: `/hpp/v1/sessions (POST) | 200ms`, `/ordermanagement (GET)
 * | 800ms`, other `/ordermanagement | 1000ms`, `/settlements/v1 (GET) | 6000ms`,
 * `/disputes/v2 | 4000ms`, `/merchantcard/v3/settlements (POST) | 1000ms`,
 * `/customer-token/v1/tokens (POST) | 5000ms`.
 */
const SPECS: readonly [name: string, methods: string, path: string, p99Ms: number | undefined][] = [
  ['hpp-create-session', 'POST', '/hpp/v1/sessions', 200],
  ['hpp-read-session', 'GET', '/hpp/v1/sessions/{session_id}', 800],
  ['customer-token-order', 'POST', '/customer-token/v1/tokens/{customer_token}/order', 5000],
  [
    'payments-authorization-order',
    'POST',
    '/payments/v1/authorizations/{authorizationToken}/order',
    undefined,
  ],
  ['ordermanagement-read', 'GET', '/ordermanagement/*', 800],
  ['ordermanagement-other', '*', '/ordermanagement/*', 1000],
  ['settlements-read', 'GET', '/settlements/v1/*', 6000],
  ['disputes', '*', '/disputes/v2/*', 4000],
  ['merchantcard-settlement', 'POST', '/merchantcard/v3/settlements', 1000],
];

export const ROUTES: readonly ResolvedRoute[] = SPECS.map(([name, methods, path, p99Ms], index) => ({
  index,
  name,
  methods: methods === '*' ? [] : methods.split(','),
  anyMethod: methods === '*',
  path,
  category: 'payment-request',
  class: 'transaction-critical',
  latency: p99Ms === undefined ? undefined : { percentile: 0.99, thresholdMs: p99Ms },
  availability: 0.99,
  timeoutMs: undefined,
}));

export function route(name: string): ResolvedRoute {
  const found = ROUTES.find((r) => r.name === name);
  if (!found) throw new Error(`no fixture route ${name}`);
  return found;
}

/**
 * Whether a concrete path is one the template describes, written from the config's rules
 * (a `{param}` is one non-empty segment, a trailing `/*` any remainder) and independently
 * of the demo's own matcher.
 */
export function templateMatches(template: string, path: string): boolean {
  if (!path.startsWith('/')) return false;
  const want = template.split('/');
  const got = path.split('/');
  for (let i = 1; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i];
    if (w === '*' && i === want.length - 1) return g !== undefined && got.slice(i).every((s) => s !== '');
    if (g === undefined || g === '') return false;
    if (w === '*' || (w.startsWith('{') && w.endsWith('}'))) continue;
    if (w !== g) return false;
  }
  return got.length === want.length;
}
