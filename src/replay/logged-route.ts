/**
 * The route a sidecar line names (`"route":"refunds"`), used to skip the route table's
 * lookup when that cannot change the answer. Replay's verdict stays what a fresh lookup
 * with today's route map gives: the logged name is only a hint, taken when today's map
 * proves that the lookup would land on that same route:
 *
 * - the name is a route of today's map, one whose path is plain (static segments without
 *   percent-escapes and whole-segment parameters: no prefix, no `acct_{id}`, no trailing
 *   slash), that serves the line's method;
 * - no other route serving that method (naming it, or `*`) can match any path that route
 *   matches (same segment count with every segment pair equal or a parameter, or a prefix
 *   above it), except a prefix it beats: one with fewer segments, each a parameter or the
 *   route's own static segment. find-my-way tries static before parametric before wildcard
 *   children at every node, so a path that fits the route all the way reaches it before
 *   the prefix's wildcard (a prefix with a static segment where the route has a parameter
 *   is not beaten: `/v1/payments/legacy/*` takes `/v1/payments/legacy/refunds`). The
 *   table's tree for the method (claims.ts) then holds nothing else find-my-way could choose;
 * - the line's path matches the route's segments byte for byte, with every parameter
 *   non-empty and at most MAX_PARAM_LENGTH long, no `.`/`..` segment and no `%` (the
 *   table decodes escapes; such a path takes the full lookup).
 *
 * The name only says which route to try: the last two points alone prove the answer.
 * Anything else (a name renamed or removed since the log was written, a route that moved,
 * an overlapping route added, a path that no longer fits) falls back to the full lookup, so
 * a changed route map changes the result exactly as it would without the hint.
 *
 * Measured on bench/replay.ts's log (31 routes, a fresh id in every parameter): see there.
 */
import { Buffer } from 'node:buffer';
import type { ResolvedRoute } from '../config/types.js';
import { parseRouteTemplate } from '../routing/path-template.js';
import { MAX_PARAM_LENGTH } from '../routing/route-table.js';

const SLASH = 47;
const DOT = 46;
const PERCENT = 37;

/** One segment: its bytes, or null for a whole-segment parameter. */
type Segment = Uint8Array | null;

interface Shape {
  readonly segments: readonly (string | null)[];
  /** A prefix (`/x/*`): matches its segments and anything below. */
  readonly prefix: boolean;
  /** Not a plain path: never a shortcut, and overlapping anything of its length or more. */
  readonly plain: boolean;
  /** Every segment static without an escape, or a whole-segment parameter. */
  readonly literal: boolean;
}

function shapeOf(path: string): Shape | undefined {
  const parsed = parseRouteTemplate(path);
  if (!parsed.ok) return undefined;
  const t = parsed.template;
  const body = t.prefix ? path.slice(0, -2) : path;
  const raw = body.length <= 1 ? [] : body.slice(1).split('/');
  let literal = true;
  const segments = raw.map((s) => {
    if (s.startsWith('{') && s.endsWith('}') && s.indexOf('{', 1) < 0) return null;
    // Literal text beside a parameter, or an escape decoded by the table: overlap-wise a
    // parameter (matches anything), and no shortcut for its route.
    if (s.includes('{') || s.includes('%') || s === '') {
      literal = false;
      return null;
    }
    return s;
  });
  const plain = literal && !t.prefix && raw.length > 0;
  return { segments, prefix: t.prefix, plain, literal };
}

/** Whether `route` (plain) wins over the prefix `q` on every path that fits it (see the header). */
function beats(route: Shape, q: Shape): boolean {
  if (!q.prefix || !q.literal || q.segments.length >= route.segments.length) return false;
  return q.segments.every((seg, p) => seg === null || seg === route.segments[p]);
}

/** Whether some path could match both shapes (conservative: true when unsure). */
function overlaps(a: Shape, b: Shape): boolean {
  const sa = a.segments;
  const sb = b.segments;
  if (!a.prefix && !b.prefix && sa.length !== sb.length) return false;
  if (a.prefix && !b.prefix && sb.length < sa.length) return false;
  if (b.prefix && !a.prefix && sa.length < sb.length) return false;
  const n = Math.min(sa.length, sb.length);
  for (let i = 0; i < n; i++) {
    const x = sa[i];
    const y = sb[i];
    if (x !== null && y !== null && x !== y) return false;
  }
  return true;
}

const enc = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

export class LoggedRoutes {
  /** Route index by name hash: candidates, checked byte for byte. */
  private readonly byHash = new Map<number, number[]>();
  private readonly segments: (readonly Segment[] | undefined)[] = [];
  private readonly routes: readonly ResolvedRoute[];
  /** Per route: the other routes whose paths overlap its own (prefixes it beats left out). */
  private readonly overlapping: (readonly number[])[] = [];
  /** Per route: method -> whether no overlapping route serves it (filled as methods come). */
  private readonly aloneFor: Map<string, boolean>[] = [];
  /**
   * The last method asked about per route, and its answer: the parser's methods are
   * constant strings, so one identity comparison answers nearly every line, where the
   * Map's lookup was ~5% of a worker's time.
   */
  private readonly lastMethod: string[] = [];
  private readonly lastAlone: boolean[] = [];

  /** `routes`: the route table's configured routes, in table order (`unmatched` left out). */
  constructor(routes: readonly ResolvedRoute[]) {
    this.routes = routes;
    const shapes = routes.map((r) => shapeOf(r.path));
    routes.forEach((r, i) => {
      const own = shapes[i];
      this.aloneFor.push(new Map());
      this.lastMethod.push('');
      this.lastAlone.push(false);
      // Every path parses (the route table refused the config otherwise).
      if (!own?.plain || shapes.some((other) => other === undefined)) {
        this.overlapping.push([]);
        this.segments.push(undefined);
        return;
      }
      this.overlapping.push(
        routes.flatMap((_, j) =>
          j !== i && overlaps(own, shapes[j]!) && !beats(own, shapes[j]!) ? [j] : [],
        ),
      );
      this.segments.push(own.segments.map((s) => (s === null ? null : enc(s))));
      const name = enc(r.name);
      const h = hash(name, 0, name.length);
      const list = this.byHash.get(h);
      if (list) list.push(i);
      else this.byHash.set(h, [i]);
    });
  }

  /** Whether any route can be taken from its logged name. */
  get usable(): boolean {
    return this.byHash.size > 0;
  }

  /**
   * The route index a fresh lookup of (method, b[pathFrom, pathTo)) gives, when the line's
   * logged name b[nameFrom, nameTo) proves it; -1 otherwise (then look it up).
   */
  match(
    b: Buffer,
    nameFrom: number,
    nameTo: number,
    method: string,
    pathFrom: number,
    pathTo: number,
  ): number {
    const list = this.byHash.get(hash(b, nameFrom, nameTo));
    if (list === undefined) return -1;
    // The name only picks the route to try: the method and the path prove it, so a name
    // whose hash another shares cannot give another answer than the lookup, and it is not
    // compared.
    for (const i of list) if (this.alone(i, method) && fits(b, pathFrom, pathTo, this.segments[i]!)) return i;
    return -1;
  }

  private alone(i: number, method: string): boolean {
    if (this.lastMethod[i] === method) return this.lastAlone[i]!;
    let alone = this.aloneFor[i]!.get(method);
    if (alone === undefined) {
      const serves = (r: ResolvedRoute) => r.anyMethod || r.methods.includes(method);
      alone = serves(this.routes[i]!) && this.overlapping[i]!.every((j) => !serves(this.routes[j]!));
      this.aloneFor[i]!.set(method, alone);
    }
    this.lastMethod[i] = method;
    this.lastAlone[i] = alone;
    return alone;
  }
}

function hash(b: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let k = from; k < to; k++) h = Math.imul(h ^ b[k]!, 0x01000193);
  return h >>> 0;
}

/** b[from, to) is `/seg/seg...` matching `segs` exactly (see the header for the rules). */
function fits(b: Uint8Array, from: number, to: number, segs: readonly Segment[]): boolean {
  let i = from;
  for (const seg of segs) {
    if (i >= to || b[i] !== SLASH) return false;
    i++;
    if (seg !== null) {
      // Compared in place: its bytes hold no `%`, and a slash or the end must follow
      // (the next segment's check, or the last one's).
      const n = seg.length;
      if (i + n > to) return false;
      for (let j = 0; j < n; j++) if (b[i + j] !== seg[j]) return false;
      i += n;
      continue;
    }
    const start = i;
    while (i < to && b[i] !== SLASH) {
      if (b[i] === PERCENT) return false;
      i++;
    }
    const len = i - start;
    if (len === 0 || len > MAX_PARAM_LENGTH) return false;
    if (b[start] === DOT && (len === 1 || (len === 2 && b[start + 1] === DOT))) return false;
  }
  return i === to;
}
