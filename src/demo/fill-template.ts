/**
 * Turns a route's path as written in the config (`/orders/{order_id}`, `/ordermanagement/*`)
 * into a concrete request path with fake but plausible ids. Used by the traffic generator,
 * the tests and the benchmark.
 */

import { pick, type Rng, randomInt, randomUuid } from './random.js';

/**
 * What follows a prefix route in the real APIs, so `/ordermanagement/*` becomes
 * `/ordermanagement/v1/orders/<id>` rather than a meaningless `/ordermanagement/x`. The
 * version segment is added only when the prefix does not already carry one.
 */
const PREFIX_SUFFIXES: readonly {
  readonly match: RegExp;
  readonly version: string;
  readonly rest: readonly string[];
}[] = [
  {
    match: /ordermanagement/,
    version: 'v1',
    rest: ['orders/{order_id}', 'orders/{order_id}/captures', 'orders/{order_id}/refunds'],
  },
  { match: /settlements/, version: 'v1', rest: ['payouts', 'payouts/{payment_reference}', 'transactions'] },
  { match: /disputes/, version: 'v2', rest: ['disputes', 'disputes/{dispute_id}'] },
  { match: /customer-token/, version: 'v1', rest: ['tokens/{token_id}', 'tokens/{token_id}/order'] },
  {
    match: /payments/,
    version: 'v1',
    rest: ['sessions/{session_id}', 'authorizations/{authorization_token}/order'],
  },
  { match: /hpp/, version: 'v1', rest: ['sessions/{session_id}'] },
];
const DEFAULT_SUFFIX = { version: 'v1', rest: ['items/{item_id}'] } as const;

const CURRENCIES = ['EUR', 'SEK', 'USD', 'GBP', 'NOK'] as const;
const COUNTRIES = ['SE', 'DE', 'US', 'GB', 'NO'] as const;
const REFERENCE_CHARS = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** A value shaped after the parameter's name; ids default to UUIDs. */
function valueFor(name: string, rng: Rng): string {
  const n = name.toLowerCase();
  if (n.includes('currency')) return pick(rng, CURRENCIES);
  if (n.includes('country')) return pick(rng, COUNTRIES);
  if (n.includes('date')) return `2025-${two(randomInt(rng, 1, 12))}-${two(randomInt(rng, 1, 28))}`;
  if (n.includes('reference')) {
    let ref = '';
    for (let i = 0; i < 10; i++) ref += REFERENCE_CHARS[Math.floor(rng() * REFERENCE_CHARS.length)];
    return ref;
  }
  return randomUuid(rng);
}

function prefixSuffix(base: string, rng: Rng): string {
  const entry = PREFIX_SUFFIXES.find((e) => e.match.test(base)) ?? DEFAULT_SUFFIX;
  const rest = pick(rng, entry.rest);
  const hasVersion = /\/v\d+\/$/.test(base);
  return hasVersion ? rest : `${entry.version}/${rest}`;
}

/**
 * `/orders/{order_id}` -> `/orders/6f1c…`; `/ordermanagement/*` -> `/ordermanagement/v1/orders/<id>`.
 * The result never contains `{`, `}` or `*`. A `*` that is not at the end stands for one segment.
 */
export function fillTemplate(path: string, rng: Rng): string {
  let out = path;
  if (out.endsWith('*')) {
    let base = out.slice(0, -1);
    if (!base.endsWith('/')) base += '/';
    out = base + prefixSuffix(base, rng);
  }
  out = out.replace(/\*/g, () => randomUuid(rng));
  // A stray brace (a template the config loader would reject anyway) is dropped, not sent.
  return out.replace(/\{([^}]*)\}/g, (_match, name: string) => valueFor(name, rng)).replace(/[{}]/g, '');
}
