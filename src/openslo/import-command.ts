/**
 * `sloprobe import openslo FILE [--config CONFIG] [-o OUT]`: reads OpenSLO v1 documents (a
 * YAML stream) back into sloprobe SLOs. Without --config it prints a `slos:` section; with
 * it, it prints CONFIG with those SLOs in its `slos:` (same names replaced, comments kept),
 * loaded by the config loader first, so the result is a config `check` accepts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Document, isMap, LineCounter, parseAllDocuments, parseDocument, YAMLSeq } from 'yaml';
import type { CliIo } from '../cli/args.js';
import { parseConfig } from '../config/load.js';
import { ConfigErrors } from '../errors.js';
import { importError } from '../import/input.js';
import { importOpenSlo, type SloEntry } from './import.js';

export const IMPORT_OPENSLO_USAGE = `Usage: sloprobe import openslo FILE [--config CONFIG] [-o OUT]

Reads OpenSLO v1 documents (as \`sloprobe openslo\` writes them) back into sloprobe SLOs: those
whose SLI queries sloprobe's metrics. Others are listed on stderr with the reason.
      --config CONFIG   print CONFIG with the SLOs put in its slos: (an SLO of the same name
                        is replaced), checked like \`sloprobe check\`; without it, print a
                        slos: section to paste
  -o, --output OUT      write to OUT instead of stdout
  -h, --help            show this help
Exit codes: 0 written, 2 bad input (flags, a document or config that does not fit)`;

export async function importOpensloCommand(argv: string[], io: CliIo = process): Promise<number> {
  let parsed: { values: { config?: string; output?: string; help?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        output: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
    if (!parsed.values.help && parsed.positionals.length !== 1) throw new Error('give one OpenSLO file');
  } catch (err) {
    io.stderr.write(`sloprobe import openslo: ${(err as Error).message}\n${IMPORT_OPENSLO_USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${IMPORT_OPENSLO_USAGE}\n`);
    return 0;
  }
  const file = positionals[0]!;
  const timeZone = values.config === undefined ? undefined : configTimeZone(values.config);
  const { slos, skipped } = importOpenSlo(readDocuments(file), file, { timeZone });
  for (const line of skipped) io.stderr.write(`sloprobe import openslo: skipped ${line}\n`);
  const text = values.config === undefined ? slosSection(slos) : intoConfig(values.config, slos, io);
  if (text === undefined) return 2;
  if (values.output === undefined) io.stdout.write(text);
  else writeFileSync(values.output, text);
  io.stderr.write(`sloprobe import openslo: ${slos.length} SLOs imported, ${skipped.length} skipped\n`);
  return 0;
}

function readDocuments(file: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw importError(`cannot read ${file}: ${(err as Error).message}`, err);
  }
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines });
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    const error = doc.errors[0];
    if (error) {
      const { line, col } = lines.linePos(error.pos[0]);
      throw importError(`${file}:${line}:${col}: not valid YAML: ${error.message.split('\n')[0]}`);
    }
  }
  return list.map((d) => d.toJS());
}

/** The config's `time_zone` (default UTC); the loader checks it when the result is loaded. */
function configTimeZone(configFile: string): string {
  try {
    const zone = parseDocument(readFileSync(configFile, 'utf8')).get('time_zone');
    return typeof zone === 'string' ? zone : 'UTC';
  } catch {
    return 'UTC'; // unreadable: intoConfig says so
  }
}

function slosSection(slos: readonly SloEntry[]): string {
  return new Document({ slos }).toString({ lineWidth: 0 });
}

function intoConfig(configFile: string, slos: readonly SloEntry[], io: CliIo): string | undefined {
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (err) {
    throw importError(`cannot read config file ${configFile}: ${(err as Error).message}`, err);
  }
  const doc = parseDocument(text);
  const existing = doc.get('slos');
  const list = existing instanceof YAMLSeq ? existing : new YAMLSeq();
  for (const slo of slos) {
    const at = list.items.findIndex((item) => isMap(item) && item.get('name') === slo.name);
    const node = doc.createNode(slo);
    if (at === -1) list.items.push(node);
    else list.items[at] = node;
  }
  doc.set('slos', list);
  const out = doc.toString({ lineWidth: 0 });
  try {
    parseConfig(out, `${configFile} with the imported SLOs`);
  } catch (err) {
    if (!(err instanceof ConfigErrors)) throw err;
    for (const e of err.errors) io.stderr.write(`sloprobe import openslo: ${e.message}\n`);
    io.stderr.write('sloprobe import openslo: the imported SLOs do not fit this config (see above)\n');
    return undefined;
  }
  return out;
}
