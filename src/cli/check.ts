/**
 * `sloprobe check --config FILE [--json]`: validates a config and prints what it resolves
 * to, so a person can see which objective each route gets before deploying it.
 * Exit 0 when valid, 2 when not (each problem on its own stderr line, no stack).
 */

import { DEFAULT_MAIL_EVENTS } from '../config/resolve-email.js';
import { routeTableJson } from '../config/route-table-json.js';
import type { CompliancePeriod, ResolvedConfig, SloDefinition } from '../config/types.js';
import { formatDuration, formatHostPort, formatPercent, formatPercentile } from '../config/units.js';
import { validateMaintenance } from '../slo/maintenance.js';
import { type CliIo, type CommandRun, execute, type FlagSpec, flag, loadConfig, parseFlags } from './args.js';

export { routeTableJson };

export const CHECK_USAGE = `Usage: sloprobe check --config FILE [--json]

Validates FILE and prints the resolved route table and SLOs.
  -c, --config FILE   the YAML config (default: $SLOPROBE_CONFIG)
      --json          print the route table as JSON (what GET /v1/routes serves)
  -h, --help          show this help
Exit codes: 0 valid, 2 invalid`;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function formatPeriod(period: CompliancePeriod): string {
  return period.kind === 'rolling'
    ? `${formatDuration(period.ms)} rolling`
    : `calendar month (${period.timeZone})`;
}

function sloTarget(slo: SloDefinition): string {
  const n = slo.routes.length;
  const count = `${n} route${n === 1 ? '' : 's'}`;
  if (slo.scope.kind === 'route') return `route ${slo.scope.name}`;
  return slo.scope.kind === 'all' ? `all (${count})` : `${slo.scope.kind} ${slo.scope.name} (${count})`;
}

function sloDetail(slo: SloDefinition): string {
  if (slo.latency) return `slower than ${slo.latency.thresholdMs}ms is bad`;
  const t = slo.timeslices;
  if (!t) return '5xx and proxy errors are bad';
  return `${formatDuration(t.sliceMs)} slice down when ${t.errorStatuses.join('/')} > ${formatPercent(t.threshold)} of ${t.distinct ? 'distinct ' : ''}requests; period >= ${t.minConsecutive} slices`;
}

/** The human-readable report `check` prints: settings, route table, SLOs, maintenance windows. */
export function formatRouteTable(config: ResolvedConfig): string {
  const routes = table(
    ['ROUTE', 'METHODS', 'PATH', 'CATEGORY', 'CLASS', 'LATENCY', 'AVAILABILITY'],
    config.routes.map((r) => [
      r.name,
      r.anyMethod ? '*' : r.methods.join(','),
      r.path,
      r.category,
      r.class,
      // Milliseconds always, as the providers' latency tables write them.
      r.latency ? `${formatPercentile(r.latency.percentile)} <= ${r.latency.thresholdMs}ms` : '-',
      formatPercent(r.availability),
    ]),
  );
  const slos = table(
    ['SLO', 'SLI', 'METHOD', 'OBJECTIVE', 'OVER', 'PERIOD', 'FROM', 'RULE'],
    config.slos.map((s) => [
      s.name,
      s.sli,
      s.method,
      formatPercent(s.objective),
      sloTarget(s),
      formatPeriod(s.period),
      s.generated ? 'route map' : 'slos:',
      sloDetail(s),
    ]),
  );
  const out = [
    `${config.source}: valid (${config.routes.length} routes, ${config.categories.size} categories, ${config.classes.size} classes, ${config.slos.length} SLOs)`,
    `upstream ${config.upstream}  listen ${formatHostPort(config.listen)}  admin ${formatHostPort(config.admin)}  period ${formatPeriod(config.period)}`,
    '',
    routes,
    '',
    slos,
  ];
  if (config.maintenance.length > 0) {
    out.push('', `maintenance windows (policy ${config.maintenancePolicy}):`);
    // A window that breaks the policy still loads (the config is valid), but it is not
    // excluded from any SLI: say which rule it broke, as the SLO output does.
    for (const v of validateMaintenance(config.maintenancePolicy, config.maintenance)) {
      const w = v.window;
      const covers = w.all
        ? 'all routes'
        : [...w.routes.map((r) => `route ${r}`), ...w.categories.map((c) => `category ${c}`)].join(', ');
      out.push(
        `  ${w.id}: ${new Date(w.startMs).toISOString()} -> ${new Date(w.endMs).toISOString()}, announced ${new Date(w.announcedAtMs).toISOString()}, covers ${covers}`,
        v.accepted
          ? '    accepted: excluded from every SLI it covers'
          : `    REJECTED (${v.rule}): ${v.reason}; it is not excluded from any SLI`,
      );
    }
  }
  const mail = config.email;
  if (mail) {
    // Where the password comes from, never what it is.
    const tls = mail.secure ? 'TLS' : mail.starttls === 'off' ? 'no TLS' : `STARTTLS ${mail.starttls}`;
    const auth = mail.user ? `, user ${mail.user} (password from $${mail.passwordEnv})` : ', no login';
    out.push(
      '',
      `email: via ${mail.host}:${mail.port} (${tls}${auth}), from ${mail.from}, ${mail.subscribers.length} subscriber${mail.subscribers.length === 1 ? '' : 's'}`,
    );
    for (const s of mail.subscribers) {
      const events = s.events.join(', ');
      const only = [
        events === DEFAULT_MAIL_EVENTS.join(', ') ? '' : `events ${events}`,
        s.categories ? `categories ${s.categories.join(', ')}` : '',
        s.methods ? `methods ${s.methods.join(', ')}` : '',
      ].filter(Boolean);
      out.push(`  ${s.address}: ${only.length > 0 ? only.join('; ') : 'every downtime and maintenance'}`);
    }
  }
  return `${out.join('\n')}\n`;
}

const FLAGS: FlagSpec = {
  command: 'check',
  usage: CHECK_USAGE,
  options: { config: { type: 'string', short: 'c' }, json: { type: 'boolean' } },
};

export const command: CommandRun = async (argv, io) => {
  const flags = parseFlags(argv, FLAGS, io);
  if (!flags) return 0;
  const config = loadConfig(flag(flags.values, 'config'));
  io.stdout.write(
    flags.values.json ? `${JSON.stringify(routeTableJson(config), null, 2)}\n` : formatRouteTable(config),
  );
  return 0;
};

/** `sloprobe check` in-process: what main runs, with its errors printed (tests use it). */
export function checkCommand(argv: string[], io: CliIo = process): Promise<number> {
  return execute('check', command, argv, io);
}
