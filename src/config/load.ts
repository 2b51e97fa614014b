/**
 * Loading a config: read the file, parse the YAML with positions, check the schema, resolve,
 * and report every problem of the file at once (`ConfigErrors`, exit code 2), each as
 * `file:line:column: key.path: problem (hint)`.
 */
import { LineCounter, parseDocument } from 'yaml';
import { ConfigErrors, UsageError } from '../errors.js';
import { deepFreeze } from './freeze.js';
import { checkDocument, LIMITS, scanTokens } from './limits.js';
import { Problems, SourceMap } from './positions.js';
import { readConfigSource } from './read-source.js';
import { listenersClash, parseAccessLog, resolveConfig } from './resolve.js';
import type { ResolvedConfig } from './types.js';
import { parseHostPort, parseOrigin } from './units.js';
import { checkSchema } from './validate.js';

/** Reads and resolves a config file; `path` is used as written in every message. */
export function loadConfigFile(path: string): ResolvedConfig {
  return parseConfig(readConfigSource(path).text, path);
}

/** Parses and resolves config text; `source` names it in messages (a path or `<embedded>`). */
/** `env`: where `secret_env` names are looked up (tests pass their own). */
export function parseConfig(
  text: string,
  source: string,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedConfig {
  const lines = new LineCounter();
  // As yaml's parser fills it: the start of every line, the first at 0.
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  const map = new SourceMap(undefined, lines, source);
  const problems = new Problems(map);
  // Bounds first, on the tokens alone: nothing is built for a file that would not fit (limits.ts).
  if (!scanTokens(text, map, problems)) throw new ConfigErrors(problems.sorted());

  // uniqueKeys off: yaml's duplicate check is quadratic in a mapping's keys; checkDocument
  // reports duplicates in one pass with the same words.
  const doc = parseDocument(text, { prettyErrors: false, merge: true, uniqueKeys: false });
  map.attach(doc);

  // Duplicate keys, aliases without an anchor and nesting beyond the limit, each at its node.
  const tooDeep = checkDocument(doc, map, problems);
  // After the first syntax error the parser's further messages are mostly its consequences:
  // report that one. yaml turns its own stack overflow into an error: checkDocument has then
  // already said where the nesting crossed the limit.
  const first = doc.errors.find((e) => !(tooDeep && /Maximum call stack/.test(e.message)));
  if (first) problems.addAt(map.at(first.pos[0]), yamlProblem(first.code, first.message, text, first.pos[0]));
  if (problems.count > 0) throw new ConfigErrors(problems.sorted());

  if (doc.contents === null) {
    problems.addAt(map.at(0), 'the config is empty (it needs at least upstream: and routes:)');
    throw new ConfigErrors(problems.sorted());
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    problems.addAt(map.at(0), `cannot expand the YAML: ${(err as Error).message}`);
    throw new ConfigErrors(problems.sorted());
  }
  const routes = (data as { routes?: unknown } | null)?.routes;
  if (Array.isArray(routes) && routes.length > LIMITS.routes) {
    problems.add(
      ['routes', LIMITS.routes],
      `more than ${LIMITS.routes} routes (${routes.length}); each costs about 70 KB of memory in \`run\`: group paths with {params} or split the service`,
    );
    throw new ConfigErrors(problems.sorted());
  }
  checkSchema(data, problems);
  const config = resolveConfig(data, source, problems, env);
  if (problems.count > 0) throw new ConfigErrors(problems.sorted());
  return config;
}

function yamlProblem(code: string, message: string, text: string, offset: number): string {
  if (code === 'BAD_ALIAS' && text[offset] === '*') return 'a bare * is YAML alias syntax; quote it: "*"';
  // yaml catches its own stack overflow; say what it means.
  if (/Maximum call stack/.test(message))
    return `nested more than ${LIMITS.depth} levels deep; no sloprobe setting nests that deep`;
  if (code === 'TAB_AS_INDENT') return 'tabs are not allowed as indentation in YAML; use spaces';
  return `YAML: ${message}`;
}

export interface Overrides {
  readonly upstream?: string | undefined;
  readonly listen?: string | undefined;
  readonly admin?: string | undefined;
  readonly dataDir?: string | undefined;
  readonly accessLog?: string | undefined;
}

/** How each override is named in messages; the CLI passes env variable names when they came from there. */
export type OverrideNames = Partial<Record<keyof Overrides, string>>;

const FLAG_NAMES: Required<OverrideNames> = {
  upstream: '--upstream',
  listen: '--listen',
  admin: '--admin',
  dataDir: '--data-dir',
  accessLog: '--access-log',
};

/**
 * The config with command-line flags or environment variables applied on top (they win
 * over the file). Invalid values throw `UsageError` naming the flag; the result is frozen.
 */
export function applyOverrides(
  config: ResolvedConfig,
  overrides: Overrides,
  names: OverrideNames = {},
): ResolvedConfig {
  const label = { ...FLAG_NAMES, ...names };
  const check = <T>(key: keyof Overrides, parse: (value: unknown) => T, fallback: T): T => {
    const value = overrides[key];
    if (value === undefined) return fallback;
    try {
      return parse(value);
    } catch (err) {
      throw new UsageError(`${label[key]}: ${(err as Error).message}`);
    }
  };
  const listen = check('listen', parseHostPort, config.listen);
  const admin = check('admin', parseHostPort, config.admin);
  if (listenersClash(listen, admin)) {
    throw new UsageError(
      `${label.admin}: the admin listener needs its own port (it equals the proxy's ${listen.port})`,
    );
  }
  const dataDir = check(
    'dataDir',
    (v) => {
      if (typeof v !== 'string' || v.trim() === '') throw new RangeError('expected a directory or :memory:');
      return v;
    },
    config.store.dataDir,
  );
  return deepFreeze<ResolvedConfig>({
    ...config,
    upstream: check('upstream', parseOrigin, config.upstream),
    listen,
    admin,
    accessLog: check('accessLog', parseAccessLog, config.accessLog),
    store: { ...config.store, dataDir },
  });
}
