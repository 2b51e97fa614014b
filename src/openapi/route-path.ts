/**
 * An OpenAPI path template (after its server base path) as a route path the router accepts.
 *
 * Most templates are already valid (`/repos/{owner}/{repo}`): they are kept as written,
 * parameter names included, and a trailing '/' stays (the router matches it strictly, as
 * OpenAPI does). What the router cannot express is rewritten so that the operation still
 * imports, and the rewrite is reported:
 * - several parameters in one segment (GitHub's `/compare/{base}...{head}`) become one
 *   parameter for the whole segment (`{base...head}` is not a router template; `{basehead}` is);
 * - a segment the router refuses as literal text (a '*', a reserved percent-escape, a dot
 *   segment, characters that need escaping) becomes a parameter too, and non-ASCII text is
 *   percent-encoded first (the router decodes it back when matching);
 * - a query or fragment written into the path (`/items?op=x`) is dropped: routes match paths;
 * - empty segments (`//`) are collapsed.
 * A rewritten route can match more requests than the operation did, never fewer.
 */
import { parseRouteTemplate } from '../routing/path-template.js';

export interface RoutePath {
  readonly path: string;
  /** What was changed and why, empty when the template was kept. */
  readonly changes: string[];
}

const PARAM = /\{([^{}]*)\}/g;
const NAME_CHARS = /[^A-Za-z0-9_.-]+/g;

export function routePath(basePath: string, specPath: string): RoutePath {
  const changes: string[] = [];
  let path = specPath;
  const cut = path.search(/[?#]/);
  if (cut !== -1) {
    changes.push(`dropped "${path.slice(cut)}" (routes match the path, not the query)`);
    path = path.slice(0, cut);
  }
  if (!path.startsWith('/')) path = `/${path}`;
  const full = `${basePath}${path}`;
  const trailing = full.length > 1 && full.endsWith('/');
  const parts = full === '/' ? [] : full.split('/').slice(1);
  if (trailing) parts.pop();
  if (parts.some((s) => s === '')) changes.push('collapsed an empty segment ("//")');
  const segments = parts.filter((s) => s !== '');
  const out: string[] = [];
  const used = new Set<string>();
  for (const segment of segments) out.push(routeSegment(segment, changes, used, out.length));
  const joined = `/${out.join('/')}${trailing && out.length > 0 ? '/' : ''}`;
  const check = parseRouteTemplate(joined);
  // Each segment was checked on its own, so the whole path passes; this is the proof.
  if (!check.ok) throw new Error(`internal: ${joined} from ${specPath}: ${check.problem}`);
  return { path: joined, changes };
}

function routeSegment(segment: string, changes: string[], used: Set<string>, position: number): string {
  const params = [...segment.matchAll(PARAM)].map((m) => m[1] ?? '');
  const encoded = encodeLiteral(segment);
  if (params.length <= 1 && accepts(encoded)) {
    for (const p of params) used.add(p);
    return encoded;
  }
  const name = paramName(params.length > 0 ? params.join('_') : `segment${position}`, used);
  changes.push(
    params.length > 1
      ? `"${segment}" has ${params.length} parameters in one segment: routed as one parameter {${name}}`
      : `"${segment}" cannot be matched as written: routed as a parameter {${name}}`,
  );
  return `{${name}}`;
}

/** Percent-encodes what a request target cannot carry literally (spaces, non-ASCII), keeping escapes. */
function encodeLiteral(segment: string): string {
  return segment.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@{}%]/gu, (c) => encodeURIComponent(c));
}

function accepts(segment: string): boolean {
  return parseRouteTemplate(`/${segment}`).ok;
}

function paramName(raw: string, used: Set<string>): string {
  const base = raw.replace(NAME_CHARS, '_').replace(/^_+|_+$/g, '') || 'param';
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}${i}`;
  used.add(name);
  return name;
}
