/**
 * Loading a config: read the file, parse the YAML with positions, check the schema, resolve,
 * and report every problem of the file at once (`ConfigErrors`, exit code 2), each as
 * `file:line:column: key.path: problem (hint)`.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, visit } from 'yaml';
import { ConfigErrors, ErrorCodes, SloprobeError, UsageError } from '../errors.js';
import { deepFreeze } from './freeze.js';
import { Problems, SourceMap } from './positions.js';
import { listenersClash, parseAccessLog, resolveConfig } from './resolve.js';
import type { ResolvedConfig } from './types.js';
import { parseHostPort, parseOrigin } from './units.js';
import { checkSchema } from './validate.js';

/** Reads and resolves a config file; `path` is used as written in every message. */
export function loadConfigFile(path: string): ResolvedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (err as Error).message;
    throw new SloprobeError(ErrorCodes.CONFIG_READ, `cannot read config file ${path}: ${why}`, {
      cause: err,
      exitCode: 2,
    });
  }
  return parseConfig(text, path);
}

/** Parses and resolves config text; `source` names it in messages (a path or `<embedded>`). */
/** `env`: where `secret_env` names are looked up (tests pass their own). */
export function parseConfig(
  text: string,
  source: string,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true, uniqueKeys: true });
  const map = new SourceMap(doc, lines, source);
  const problems = new Problems(map);

  // After the first syntax error the parser's further messages are mostly its consequences:
  // report that one, and every duplicate key (each is a mistake of its own).
  let syntax = false;
  for (const error of doc.errors) {
    if (error.code !== 'DUPLICATE_KEY' && syntax) continue;
    syntax ||= error.code !== 'DUPLICATE_KEY';
    problems.addAt(map.at(error.pos[0]), yamlProblem(error.code, error.message, text, error.pos[0]));
  }
  // `method: *GET` parses as an alias to a missing anchor; say how to write a literal star.
  visit(doc, {
    Alias(_, node) {
      if (node.source && !node.resolve(doc) && node.range) {
        problems.addAt(
          map.at(node.range[0]),
          `*${node.source} is YAML alias syntax with no anchor; quote it: "*${node.source}"`,
        );
      }
    },
  });
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
  checkSchema(data, problems);
  const config = resolveConfig(data, source, problems, env);
  if (problems.count > 0) throw new ConfigErrors(problems.sorted());
  return config;
}

function yamlProblem(code: string, message: string, text: string, offset: number): string {
  if (code === 'BAD_ALIAS' && text[offset] === '*') return 'a bare * is YAML alias syntax; quote it: "*"';
  if (code === 'DUPLICATE_KEY') {
    const key = /^[^:\n]*/.exec(text.slice(offset))?.[0].trim() ?? '';
    return `duplicate key ${key ? `"${key}" ` : ''}in the same mapping (YAML keeps only one of them)`;
  }
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
