/**
 * Checks the parsed YAML against the schema (all errors in one pass) and turns each schema
 * error into a problem at the offending node, in words a person can act on. The validator is
 * ajv's code generated from schema.ts at build time (schema-validator.ts), so no schema
 * compiler loads at run time.
 *
 * The generated code is compiled for each check and then left to the garbage collector,
 * rather than imported: an ES module stays loaded for the life of the process, and with it
 * its 0.6 MB of source and its compiled regular expressions. Kept loaded, they cost the
 * sidecar 4-9% more CPU per proxied request, measured side by side on one core (6 of 6
 * rounds, 20,000 requests each; the same module loaded into the lean floor cost it nothing,
 * and the mechanism inside V8 is not identified). A check reads and compiles it in a few
 * milliseconds, once per config load or reload.
 */
import { readFileSync } from 'node:fs';
import type { ErrorObject } from 'ajv';
import { didYouMean } from './did-you-mean.js';
import { fromJsonPointer, type Problems } from './positions.js';

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** The one export of the compiled schema-validator.js, turned into the function's result. */
const EXPORT = 'export const validate = validate10;';

/** A fresh validator from the compiled generated module beside this one. */
function loadValidator(): Validate {
  const text = readFileSync(new URL('./schema-validator.js', import.meta.url), 'utf8');
  const at = text.lastIndexOf(EXPORT);
  if (at < 0) throw new Error(`schema-validator.js does not end with "${EXPORT}": run npm run build`);
  const body = `${text.slice(0, at)}return validate10;${text.slice(at + EXPORT.length)}`;
  return new Function(body)() as Validate;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'an empty value',
};

/** How a parsed value reads in a message: `"200"`, `5`, `a list`, `a mapping`, `an empty value`. */
export function describeValue(value: unknown): string {
  // `key:` with nothing after it, or `~`/`null`: YAML's null.
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Runs the schema; adds one problem per ajv error. Returns true when the shape is valid. */
export function checkSchema(data: unknown, problems: Problems): boolean {
  const validate = loadValidator();
  if (validate(data)) return true;
  for (const error of validate.errors ?? []) explain(error, data, problems);
  return false;
}

function explain(error: ErrorObject, root: unknown, problems: Problems): void {
  const path = fromJsonPointer(error.instancePath, root);
  const params = error.params as Record<string, unknown>;
  const parent = (error.parentSchema ?? {}) as Record<string, unknown>;
  const hint = typeof parent['x-hint'] === 'string' ? parent['x-hint'] : undefined;
  const value = error.data;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((parent.properties ?? {}) as object);
      const suggestion = didYouMean(key, allowed);
      problems.add(
        [...path, key],
        `unknown key${suggestion || ` (expected one of: ${allowed.join(', ')})`}`,
        {
          key: true,
        },
      );
      return;
    }
    case 'required':
      problems.add(path, `missing required key "${String(params.missingProperty)}"`);
      return;
    case 'type': {
      const types = ([] as unknown[]).concat(params.type).map((t) => TYPE_NAMES[String(t)] ?? String(t));
      const expected = hint ?? types.join(' or ');
      problems.add(path, `expected ${expected}, not ${describeValue(value)}`);
      return;
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const suggestion = typeof value === 'string' ? didYouMean(value, allowed) : '';
      problems.add(path, `${describeValue(value)} is not one of ${allowed.join(', ')}${suggestion}`);
      return;
    }
    case 'pattern': {
      if (typeof error.propertyName === 'string') {
        problems.add(
          [...path, error.propertyName],
          `"${error.propertyName}" is not a valid key (${hint ?? ''})`,
          {
            key: true,
          },
        );
      } else {
        problems.add(
          path,
          `${describeValue(value)} is not valid (${hint ?? `must match ${String(params.pattern)}`})`,
        );
      }
      return;
    }
    case 'propertyNames':
      // The nested `pattern` error carries the key and the hint.
      return;
    case 'minProperties':
    case 'maxProperties':
      problems.add(
        path,
        `expected ${hint ?? `${params.limit} key(s)`}, found ${Object.keys(value as object).length}`,
      );
      return;
    case 'minItems':
      problems.add(path, `must list at least ${String(params.limit)} item(s)`);
      return;
    case 'uniqueItems': {
      const items = value as unknown[];
      problems.add([...path, Number(params.i)], `${describeValue(items[Number(params.i)])} is listed twice`);
      return;
    }
    case 'minimum':
    case 'maximum': {
      const bound = error.keyword === 'minimum' ? 'at least' : 'at most';
      problems.add(
        path,
        `${describeValue(value)} must be ${bound} ${String(params.limit)}${hint ? ` (${hint})` : ''}`,
      );
      return;
    }
    case 'minLength':
      problems.add(path, 'must not be empty');
      return;
    default:
      problems.add(path, error.message ?? `invalid (${error.keyword})`);
  }
}
