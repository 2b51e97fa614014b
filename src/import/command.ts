/**
 * `sloprobe import <format> ...`: turns what users already have into sloprobe config, one
 * module per format. `openapi` writes a route map, `openslo` the `slos:` of a config.
 */
import type { ImportIo } from './input.js';

const FORMATS: Record<string, () => Promise<(argv: string[], io?: ImportIo) => Promise<number>>> = {
  openapi: async () => (await import('../openapi/command.js')).importOpenapiCommand,
  openslo: async () => (await import('../openslo/import-command.js')).importOpensloCommand,
};

export const IMPORT_USAGE = `Usage: sloprobe import <format> [options]

Formats:
  openapi SPEC...   a route map from OpenAPI 3.0/3.1 or Swagger 2.0 documents
  openslo FILE      the slos: of a config from OpenSLO v1 documents

Run \`sloprobe import <format> --help\` for the options of a format.`;

export async function importCommand(argv: string[], io: ImportIo = process): Promise<number> {
  const [format, ...rest] = argv;
  if (format === '--help' || format === '-h') {
    io.stdout.write(`${IMPORT_USAGE}\n`);
    return 0;
  }
  const load = format === undefined ? undefined : FORMATS[format];
  if (!load) {
    io.stderr.write(
      `sloprobe import: ${format === undefined ? 'which format?' : `unknown format "${format}"`} (try: ${Object.keys(FORMATS).join(', ')})\n${IMPORT_USAGE}\n`,
    );
    return 2;
  }
  return (await load())(rest, io);
}
