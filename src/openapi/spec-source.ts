/**
 * Reading an OpenAPI 3.0/3.1 or Swagger 2.0 document (JSON or YAML, local or split over
 * several files) with @apidevtools/swagger-parser, and pointing back into it when a value
 * cannot be used.
 *
 * Only `resolve` is used, not `dereference`: the route map reads paths, operations, their
 * parameters and servers, never the schemas, and dereferencing GitHub's 13 MB description
 * builds a cyclic object graph of every schema for nothing. `$ref`s met on the way (a path
 * item, a parameter) are followed through the parser's own `$Refs`, so external files and
 * JSON pointers resolve exactly as the parser defines them.
 */
import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { LineCounter, parseDocument } from 'yaml';
import { type KeyPath, SourceMap } from '../config/positions.js';
import { importError, isObject, type Json } from '../import/input.js';

export type SpecVersion = 'swagger-2.0' | 'openapi-3.0' | 'openapi-3.1';

export interface SpecSource {
  readonly file: string;
  readonly version: SpecVersion;
  readonly root: Json;
  /** Follows `$ref` chains (at most 32 deep: a longer chain is a cycle). */
  deref(value: unknown, at: KeyPath): unknown;
  /** `file:line:column` of the value at `path`, for a message about it. */
  where(path: KeyPath): string;
}

export async function loadSpec(file: string): Promise<SpecSource> {
  const parser = new SwaggerParser();
  let refs: { get(ref: string): unknown };
  try {
    refs = await parser.resolve(file);
  } catch (err) {
    // The parser's messages already name the file and, for syntax errors, line and column.
    const message = (err as Error).message.replace(/\s+/g, ' ').trim();
    throw importError(`${file}: not a readable OpenAPI or Swagger document: ${message}`, err);
  }
  const root = parser.api as unknown;
  if (!isObject(root)) throw importError(`${file}: the document is not an object`);
  const version = specVersion(root);
  if (version === undefined) {
    const found = root.openapi ?? root.swagger;
    throw importError(
      `${file}: ${found === undefined ? 'no "openapi" or "swagger" field' : `version ${JSON.stringify(found)} is not supported`} (sloprobe reads OpenAPI 3.0, 3.1 and Swagger 2.0)`,
    );
  }
  let positions: SourceMap | undefined;
  const where = (path: KeyPath): string => {
    // Positions are only needed for a message: parse the text with positions then, not before.
    positions ??= sourceMap(file);
    const p = positions.position(path);
    return `${p.file}:${p.line}:${p.column}`;
  };
  const deref = (value: unknown, at: KeyPath): unknown => {
    let current = value;
    for (let depth = 0; isObject(current) && typeof current.$ref === 'string'; depth++) {
      if (depth === 32) throw importError(`${where(at)}: $ref cycle starting at ${String(current.$ref)}`);
      const ref = current.$ref;
      try {
        current = refs.get(ref);
      } catch (err) {
        throw importError(`${where(at)}: $ref "${ref}" does not resolve: ${(err as Error).message}`, err);
      }
    }
    return current;
  };
  return { file, version, root, deref, where };
}

function specVersion(root: Json): SpecVersion | undefined {
  if (root.swagger === '2.0') return 'swagger-2.0';
  if (typeof root.openapi !== 'string') return undefined;
  if (/^3\.0\.\d+$/.test(root.openapi)) return 'openapi-3.0';
  if (/^3\.1\.\d+$/.test(root.openapi)) return 'openapi-3.1';
  return undefined;
}

/** YAML is a superset of JSON, so one position-keeping parse serves both. */
function sourceMap(file: string): SourceMap {
  const lines = new LineCounter();
  const text = readFileSync(file, 'utf8');
  return new SourceMap(parseDocument(text, { lineCounter: lines, uniqueKeys: false }), lines, file);
}
