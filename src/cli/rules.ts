/**
 * `sloprobe rules --config FILE [--format prometheus|prometheus-operator] [--selector SEL]
 * [--service NAME]`: prints the fleet's recording and alerting rules (src/rules/).
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import { type CliIo, fail, loadConfigOrExit } from '../replay/cli.js';
import { type RulesFormat, renderRules } from '../rules/generate.js';
import { parseSelector } from '../rules/selector.js';
import { VERSION } from '../version.js';

export const RULES_USAGE = `Usage: sloprobe rules --config FILE [--format prometheus|prometheus-operator] [--selector SEL] [--service NAME]

Prints Prometheus recording and alerting rules for every SLO of the config, summed across
replicas (Sloth-compatible names and labels; see README "Running many replicas").
  -c, --config FILE    the YAML config (default: $SLOPROBE_CONFIG)
      --format F       prometheus (a rule file, default) or prometheus-operator (a PrometheusRule)
      --selector SEL   label matchers of the sidecars' series, e.g. '{job="payments"}'
      --service NAME   sloth_service label and prefix of sloth_id (default: sloprobe)
      --name NAME      metadata.name of the PrometheusRule (default: <service>-slos)
  -h, --help           show this help
Exit codes: 0 success, 2 bad input (flags, config)`;

const SERVICE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export async function rulesCommand(argv: string[], io: CliIo = process): Promise<number> {
  let values: {
    config?: string;
    format?: string;
    selector?: string;
    service?: string;
    name?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        format: { type: 'string' },
        selector: { type: 'string' },
        service: { type: 'string' },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr.write(`sloprobe rules: ${(err as Error).message}\n${RULES_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${RULES_USAGE}\n`);
    return 0;
  }
  const cfg = loadConfigOrExit('rules', values.config, io);
  if (typeof cfg === 'number') return cfg;
  try {
    const format = values.format ?? 'prometheus';
    if (format !== 'prometheus' && format !== 'prometheus-operator') {
      throw new UsageError(`--format must be prometheus or prometheus-operator, not "${format}"`);
    }
    const service = values.service ?? 'sloprobe';
    if (!SERVICE.test(service)) {
      throw new UsageError(`--service "${service}" must be letters, digits, "_", "." or "-"`);
    }
    const selector = parseSelector(values.selector);
    io.stdout.write(
      renderRules(cfg, format as RulesFormat, { service, selector, version: VERSION, name: values.name }),
    );
    return 0;
  } catch (err) {
    return fail('rules', err, io);
  }
}
