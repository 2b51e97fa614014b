/**
 * `sloprobe openslo --config FILE [--service NAME] [--prometheus-url URL] [-o FILE]`: prints
 * the config's SLOs (generated and `slos:`) as OpenSLO v1 documents, one YAML stream.
 */
import { writeFileSync } from 'node:fs';
import { Document } from 'yaml';
import {
  type CliIo,
  type CommandRun,
  execute,
  type FlagSpec,
  flag,
  loadConfig,
  parseFlags,
} from '../cli/args.js';
import { exportOpenSlo } from './export.js';
import type { OpenSloDocument } from './spec.js';

export const OPENSLO_USAGE = `Usage: sloprobe openslo --config FILE [options]

Prints the config's SLOs as OpenSLO v1 documents (DataSource, Service, AlertNotificationTarget,
AlertCondition and AlertPolicy per burn-rate rule, then SLI and SLO per SLO), with Prometheus
queries on sloprobe's own metrics. \`sloprobe import openslo\` reads them back.
  -c, --config FILE        the YAML config (default: $SLOPROBE_CONFIG)
      --service NAME       the Service's name (default: the config file's name)
      --prometheus-url U   the DataSource's Prometheus (default: http://localhost:9090)
  -o, --output FILE        write to FILE instead of stdout
  -h, --help               show this help
Exit codes: 0 written, 2 bad input (flags, config)`;

/** A YAML stream, `---` before each document, as Kubernetes-style tools read it. */
export function renderDocuments(docs: readonly OpenSloDocument[]): string {
  return docs.map((d) => `---\n${new Document(d).toString({ lineWidth: 0 })}`).join('');
}

const FLAGS: FlagSpec = {
  command: 'openslo',
  usage: OPENSLO_USAGE,
  options: {
    config: { type: 'string', short: 'c' },
    service: { type: 'string' },
    'prometheus-url': { type: 'string' },
    output: { type: 'string', short: 'o' },
  },
};

export const command: CommandRun = async (argv, io) => {
  const flags = parseFlags(argv, FLAGS, io);
  if (!flags) return 0;
  const { values } = flags;
  const config = loadConfig(flag(values, 'config'));
  const text = renderDocuments(
    exportOpenSlo(config, {
      service: flag(values, 'service'),
      prometheusUrl: flag(values, 'prometheus-url') ?? 'http://localhost:9090',
    }),
  );
  const output = flag(values, 'output');
  if (output === undefined) io.stdout.write(text);
  else writeFileSync(output, text);
  return 0;
};

/** `sloprobe openslo` in-process: what main runs, with its errors printed (tests use it). */
export function opensloCommand(argv: string[], io: CliIo = process): Promise<number> {
  return execute('openslo', command, argv, io);
}
