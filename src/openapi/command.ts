/**
 * `sloprobe import openapi SPEC... [--category-from x-slo-category|tag|path]
 * [--default-category C] [--class-of CATEGORY=CLASS]... [-o FILE]`: a route map from OpenAPI
 * 3.0/3.1 or Swagger 2.0 documents. The result is loaded by the config loader before it is
 * written, so a map this prints is one `sloprobe check` accepts.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseConfig } from '../config/load.js';
import { ConfigErrors, ErrorCodes, SloprobeError, UsageError } from '../errors.js';
import type { ImportIo } from '../import/input.js';
import { isValidName } from './names.js';
import { readOperations } from './operations.js';
import { renderRouteMap } from './render.js';
import { buildRouteMap, CATEGORY_SOURCES, type CategorySource, type ImportOptions } from './route-map.js';
import { loadSpec } from './spec-source.js';

export const IMPORT_OPENAPI_USAGE = `Usage: sloprobe import openapi SPEC... [options]

Writes a route map (a config \`sloprobe check\` accepts) from OpenAPI 3.0/3.1 or Swagger 2.0
documents, JSON or YAML: one route per operation, named after its operationId.
  --category-from S        where a route's category comes from: x-slo-category (default; the
                           operation's or its path's extension), tag (the first tag) or path
                           (the first literal path segment)
  --default-category C     the category when S gives none (default: uncategorized)
  --class-of CAT=CLASS     the service class of a category (repeatable; default: standard)
  -o, --output FILE        write the map to FILE instead of stdout
  -h, --help               show this help
Latency objectives come from an operation's x-slo-latency-p99 (200ms, or a number of ms).
What the import had to decide (merged operations, rewritten paths) is listed on stderr and
in the file's header.
Exit codes: 0 written, 2 bad input (flags, a document that cannot be read)`;

export async function importOpenapiCommand(argv: string[], io: ImportIo = process): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    io.stderr.write(`sloprobe import openapi: ${(err as Error).message}\n${IMPORT_OPENAPI_USAGE}\n`);
    return 2;
  }
  if (parsed === 'help') {
    io.stdout.write(`${IMPORT_OPENAPI_USAGE}\n`);
    return 0;
  }
  const { specs, options, output } = parsed;
  const operations = [];
  const notes: string[] = [];
  let origin: string | undefined;
  for (const file of specs) {
    const doc = readOperations(await loadSpec(file));
    operations.push(...doc.operations);
    notes.push(...doc.notes);
    origin ??= doc.origin;
  }
  const map = buildRouteMap(operations, options);
  const text = renderRouteMap({ map, specs, origin });
  try {
    parseConfig(text, output ?? '<import>');
  } catch (err) {
    // Not the user's input: the import produced something the loader refuses.
    const detail = err instanceof ConfigErrors ? err.errors.map((e) => e.message).join('; ') : String(err);
    throw new SloprobeError(ErrorCodes.IMPORT_INPUT, `internal: the imported map does not load: ${detail}`);
  }
  for (const note of [...notes, ...map.notes]) io.stderr.write(`sloprobe import openapi: ${note}\n`);
  if (output === undefined) io.stdout.write(text);
  else writeFileSync(output, text);
  io.stderr.write(
    `sloprobe import openapi: ${operations.length} operations -> ${map.routes.length} routes in ${map.categories.size} categories${map.merged > 0 ? ` (${map.merged} merged)` : ''}${output ? `, written to ${output}` : ''}\n`,
  );
  return 0;
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      'category-from': { type: 'string' },
      'default-category': { type: 'string' },
      'class-of': { type: 'string', multiple: true },
      output: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) return 'help' as const;
  if (positionals.length === 0) throw new UsageError('give at least one OpenAPI or Swagger file');
  const from = values['category-from'] ?? 'x-slo-category';
  if (!CATEGORY_SOURCES.includes(from as CategorySource)) {
    throw new UsageError(`--category-from must be one of ${CATEGORY_SOURCES.join(', ')}, not "${from}"`);
  }
  const defaultCategory = values['default-category'] ?? 'uncategorized';
  if (!isValidName(defaultCategory)) {
    throw new UsageError(
      `--default-category "${defaultCategory}" is not a name (letters, digits and . _ - :, e.g. payment-request)`,
    );
  }
  const classOf = new Map<string, string>();
  for (const pair of values['class-of'] ?? []) {
    const [category, cls, extra] = pair.split('=');
    if (extra !== undefined || !category || !cls || !isValidName(category) || !isValidName(cls)) {
      throw new UsageError(
        `--class-of takes CATEGORY=CLASS, two names such as payments=transaction-critical, not "${pair}"`,
      );
    }
    classOf.set(category, cls);
  }
  const options: ImportOptions = {
    categoryFrom: from as CategorySource,
    defaultCategory,
    classOf,
    defaultClass: 'standard',
  };
  return { specs: positionals, options, output: values.output };
}
