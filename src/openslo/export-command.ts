/**
 * `sloprobe openslo --config FILE [--service NAME] [--prometheus-url URL] [-o FILE]`: prints
 * the config's SLOs (generated and `slos:`) as OpenSLO v1 documents, one YAML stream.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Document } from 'yaml';
import { type CliIo, loadConfigOrExit } from '../replay/cli.js';
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

export async function opensloCommand(argv: string[], io: CliIo = process): Promise<number> {
  let values: {
    config?: string;
    service?: string;
    'prometheus-url'?: string;
    output?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        service: { type: 'string' },
        'prometheus-url': { type: 'string' },
        output: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr.write(`sloprobe openslo: ${(err as Error).message}\n${OPENSLO_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${OPENSLO_USAGE}\n`);
    return 0;
  }
  const config = loadConfigOrExit('openslo', values.config, io);
  if (typeof config === 'number') return config;
  const text = renderDocuments(
    exportOpenSlo(config, {
      service: values.service,
      prometheusUrl: values['prometheus-url'] ?? 'http://localhost:9090',
    }),
  );
  if (values.output === undefined) io.stdout.write(text);
  else writeFileSync(values.output, text);
  return 0;
}
