/**
 * What both importers (OpenAPI, OpenSLO) share about their input: plain JSON-like values
 * from a parser, and one error for a document that cannot be used (exit 2, the message
 * already says where and what to do).
 */
import { ErrorCodes, SloprobeError } from '../errors.js';

export type Json = Record<string, unknown>;

export function importError(message: string, cause?: unknown): SloprobeError {
  return new SloprobeError(ErrorCodes.IMPORT_INPUT, message, { cause, exitCode: 2 });
}

export function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The I/O seam of the import commands, so tests run them in-process. */
export interface ImportIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}
