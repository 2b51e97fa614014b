/**
 * The operations of one OpenAPI/Swagger document, with what a route map needs of each: the
 * method, the full request path (server base path + path template), the operationId, tags,
 * summary and the `x-slo-*` extensions. Nothing here decides names or categories.
 */
import type { KeyPath } from '../config/positions.js';
import { importError, isObject, type Json } from '../import/input.js';
import type { SpecSource } from './spec-source.js';

/** Operation keys of a Path Item (OpenAPI 3.0/3.1 §4.8.9; Swagger 2.0 has no `trace`). */
const OPERATION_KEYS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface Operation {
  readonly source: SpecSource;
  /** Where the operation object is: `['paths', '/repos/{owner}', 'get']`. */
  readonly at: KeyPath;
  readonly method: string;
  /** The path template as the document writes it (`/repos/{owner}/{repo}`). */
  readonly specPath: string;
  /** The server base path to put in front (`/v1`), '' for none. */
  readonly basePath: string;
  readonly operationId: string | undefined;
  readonly tags: readonly string[];
  readonly summary: string | undefined;
  /** `x-slo-category` of the operation, else of its Path Item. */
  readonly category: unknown;
  /** `x-slo-latency-p99` of the operation, else of its Path Item, and where it is. */
  readonly latency: { readonly value: unknown; readonly at: KeyPath } | undefined;
}

export interface DocumentOperations {
  readonly operations: Operation[];
  /** The origin the document's first absolute server names (`https://api.github.com`). */
  readonly origin: string | undefined;
  /** Things the import had to choose and the user should know (extra servers ignored). */
  readonly notes: string[];
}

export function readOperations(source: SpecSource): DocumentOperations {
  const notes: string[] = [];
  const root = source.root;
  const paths = source.deref(root.paths, ['paths']);
  if (paths !== undefined && !isObject(paths)) {
    throw importError(`${source.where(['paths'])}: "paths" must be an object of path templates`);
  }
  const docServer = source.version === 'swagger-2.0' ? swaggerServer(root) : firstServer(root.servers);
  const docBase = docServer.basePath;
  if (docServer.ignored > 0) {
    notes.push(
      `${source.file}: ${docServer.ignored} more server(s) with another base path ignored; the route map uses "${docBase || '/'}" (edit the paths to measure another)`,
    );
  }
  const operations: Operation[] = [];
  for (const [specPath, rawItem] of Object.entries(paths ?? {})) {
    if (specPath.startsWith('x-')) continue; // Paths Object extensions are not paths
    const itemAt = ['paths', specPath];
    const item = source.deref(rawItem, itemAt);
    if (!isObject(item)) throw importError(`${source.where(itemAt)}: a Path Item must be an object`);
    const itemBase =
      source.version === 'swagger-2.0' || item.servers === undefined
        ? docBase
        : firstServer(item.servers).basePath;
    for (const key of OPERATION_KEYS) {
      if (key === 'trace' && source.version === 'swagger-2.0') continue;
      const op = source.deref(item[key], [...itemAt, key]);
      if (op === undefined) continue;
      const at = [...itemAt, key];
      if (!isObject(op)) throw importError(`${source.where(at)}: an Operation must be an object`);
      const basePath =
        source.version === 'swagger-2.0' || op.servers === undefined
          ? itemBase
          : firstServer(op.servers).basePath;
      const latencyOwner = op['x-slo-latency-p99'] !== undefined ? at : itemAt;
      const latencyValue = op['x-slo-latency-p99'] ?? item['x-slo-latency-p99'];
      operations.push({
        source,
        at,
        method: key.toUpperCase(),
        specPath,
        basePath,
        operationId: typeof op.operationId === 'string' && op.operationId !== '' ? op.operationId : undefined,
        tags: Array.isArray(op.tags) ? op.tags.filter((t): t is string => typeof t === 'string') : [],
        summary: typeof op.summary === 'string' ? op.summary : undefined,
        category: op['x-slo-category'] ?? item['x-slo-category'],
        latency:
          latencyValue === undefined
            ? undefined
            : { value: latencyValue, at: [...latencyOwner, 'x-slo-latency-p99'] },
      });
    }
  }
  return { operations, origin: docServer.origin, notes };
}

interface ServerChoice {
  readonly basePath: string;
  readonly origin: string | undefined;
  /** Servers after the first whose base path differs. */
  readonly ignored: number;
}

/**
 * OpenAPI 3 `servers`: the first one's path is the base path ("the path is appended to the
 * URL from the Server Object", §4.8.10). Server variables take their `default`. Without
 * servers the default is `/`: no base path.
 */
function firstServer(servers: unknown): ServerChoice {
  if (!Array.isArray(servers) || servers.length === 0) return { basePath: '', origin: undefined, ignored: 0 };
  const parsed = servers.filter(isObject).map(serverUrl);
  const first = parsed[0] ?? { basePath: '', origin: undefined };
  const ignored = parsed.slice(1).filter((s) => s.basePath !== first.basePath).length;
  return { ...first, ignored };
}

function serverUrl(server: Json): { basePath: string; origin: string | undefined } {
  let url = typeof server.url === 'string' ? server.url : '/';
  const variables = isObject(server.variables) ? server.variables : {};
  url = url.replace(/\{([^}]*)\}/g, (_m, name: string) => {
    const v = variables[name];
    return isObject(v) && v.default !== undefined ? String(v.default) : '';
  });
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) {
    try {
      const u = new URL(url);
      const origin = u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
      return { basePath: trimBase(u.pathname), origin };
    } catch {
      return { basePath: '', origin: undefined };
    }
  }
  // A relative server URL ("/v1", or "v1") is relative to where the document is served.
  return { basePath: trimBase(url.startsWith('/') ? url : `/${url}`), origin: undefined };
}

/** Swagger 2.0: `basePath`, and `host` with the first scheme for the origin. */
function swaggerServer(root: Json): ServerChoice {
  const basePath = typeof root.basePath === 'string' ? trimBase(root.basePath) : '';
  const schemes = Array.isArray(root.schemes) ? root.schemes : [];
  const scheme = schemes.includes('https') ? 'https' : schemes.includes('http') ? 'http' : 'https';
  const origin = typeof root.host === 'string' && root.host !== '' ? `${scheme}://${root.host}` : undefined;
  return { basePath, origin, ignored: 0 };
}

/** `/v1/` and `/v1` are the same base path; `/` is none (the template brings its own '/'). */
function trimBase(path: string): string {
  const noQuery = path.split(/[?#]/)[0] ?? '';
  return noQuery.replace(/\/+$/, '');
}
