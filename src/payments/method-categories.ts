/**
 * Which SLO categories serve a payment method: a downtime names a method
 * (docs/sla-definitions.md#downtime-entity), while a status page shows categories and a
 * mail subscriber owns some. Built once from the route map: a route's static method, or each
 * allowed value of a method read per request.
 *
 * The route shape is written structurally (`payment?`), so this reads the route map both
 * with and without payment methods configured.
 */
/** The categories that serve a method (lower-case compared); empty when none does. */
export type CategoriesOf = (method: string) => readonly string[];

export interface RouteWithPayment {
  readonly category: string;
  readonly payment?: {
    readonly method?: string | undefined;
    readonly methodFrom?: { readonly values: readonly string[] } | undefined;
  };
}

export function categoriesByMethod(routes: readonly RouteWithPayment[]): CategoriesOf {
  const map = new Map<string, string[]>();
  for (const r of routes) {
    const p = r.payment;
    if (!p) continue;
    const methods = p.method !== undefined ? [p.method] : (p.methodFrom?.values ?? []);
    for (const m of methods) {
      const key = m.toLowerCase();
      const list = map.get(key) ?? [];
      if (!list.includes(r.category)) list.push(r.category);
      map.set(key, list);
    }
  }
  return (method) => map.get(method.toLowerCase()) ?? [];
}
