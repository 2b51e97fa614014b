/**
 * `sloprobe rules --config FILE [--format prometheus|prometheus-operator] [--selector SEL]
 * [--service NAME]`: prints the fleet's recording and alerting rules (src/rules/).
 */
import { UsageError } from '../errors.js';
import { type RulesFormat, renderRules } from '../rules/generate.js';
import { parseSelector } from '../rules/selector.js';
import { VERSION } from '../version.js';
import { type CliIo, type CommandRun, execute, type FlagSpec, flag, loadConfig, parseFlags } from './args.js';

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

const FLAGS: FlagSpec = {
  command: 'rules',
  usage: RULES_USAGE,
  options: {
    config: { type: 'string', short: 'c' },
    format: { type: 'string' },
    selector: { type: 'string' },
    service: { type: 'string' },
    name: { type: 'string' },
  },
};

export const command: CommandRun = async (argv, io) => {
  const flags = parseFlags(argv, FLAGS, io);
  if (!flags) return 0;
  const { values } = flags;
  const cfg = loadConfig(flag(values, 'config'));
  const format = flag(values, 'format') ?? 'prometheus';
  if (format !== 'prometheus' && format !== 'prometheus-operator') {
    throw new UsageError(`--format must be prometheus or prometheus-operator, not "${format}"`);
  }
  const service = flag(values, 'service') ?? 'sloprobe';
  if (!SERVICE.test(service)) {
    throw new UsageError(`--service "${service}" must be letters, digits, "_", "." or "-"`);
  }
  const selector = parseSelector(flag(values, 'selector'));
  io.stdout.write(
    renderRules(cfg, format as RulesFormat, {
      service,
      selector,
      version: VERSION,
      name: flag(values, 'name'),
    }),
  );
  return 0;
};

/** `sloprobe rules` in-process: what main runs, with its errors printed (tests use it). */
export function rulesCommand(argv: string[], io: CliIo = process): Promise<number> {
  return execute('rules', command, argv, io);
}
