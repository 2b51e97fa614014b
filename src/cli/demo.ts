/**
 * `sloprobe demo` (what `npm start` runs): a mock payment API answering the config's routes
 * (the shipped Klarna map by default) on loopback, the sidecar in front of it and a gentle
 * traffic generator, so a new user sees every metric move within seconds. Everything
 * listens on 127.0.0.1 only.
 */
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../config/load.js';
import { INCIDENT_DEFAULTS } from '../demo/incident.js';
import { DEMO_SUBSCRIBER } from '../demo/mail-receiver.js';
import { DEMO_FAULTS, startDemo } from '../demo/start-demo.js';
import { UsageError } from '../errors.js';
import type { AppLog } from '../log/app-log.js';
import { type CommandRun, type FlagSpec, flag, parseFlags } from './args.js';
import { addr, startQuietly, waitForSignal } from './run.js';

/** The embedded default: the Klarna route map shipped in config/. */
export const DEMO_CONFIG = fileURLToPath(new URL('../../../config/klarna.yaml', import.meta.url));

const USAGE = `Usage: sloprobe demo [options]

  -c, --config FILE    route map (default: the shipped config/klarna.yaml)
  --listen HOST:PORT   proxy listener (default 127.0.0.1:8080)
  --admin HOST:PORT    admin listener (default 127.0.0.1:9464)
  --rps N              demo traffic, requests per second (default 20; 0 for none)
  --access-log TARGET  off | stdout | FILE (default off, so the terminal stays readable)
  --data-dir DIR       store for the SLO engine (default :memory:)
  --no-incident        no scripted incident (by default 30% of one payment method's
                       requests fail for 4 minutes, 2 minutes after start, then every 30)`;

const FLAGS: FlagSpec = {
  command: 'demo',
  usage: USAGE,
  options: {
    config: { type: 'string', short: 'c' },
    listen: { type: 'string' },
    admin: { type: 'string' },
    rps: { type: 'string' },
    'access-log': { type: 'string' },
    'data-dir': { type: 'string' },
    'no-incident': { type: 'boolean' },
  },
};

export const command: CommandRun = async (argv, io) => {
  const flags = parseFlags(argv, FLAGS, io);
  if (!flags) return 0;
  const str = (name: string) => flag(flags.values, name);
  const rps = Number(str('rps') ?? 20);
  if (!Number.isFinite(rps) || rps < 0 || rps > 1000)
    throw new UsageError('--rps takes a number from 0 to 1000');

  const base = loadConfigFile(str('config') ?? DEMO_CONFIG);
  const print = (line: string) => io.stdout.write(`${line}\n`);
  let log: AppLog | undefined;
  let downtimesUrl = '';
  const demo = await startDemo({
    base,
    listen: str('listen') ?? '127.0.0.1:8080',
    admin: str('admin') ?? '127.0.0.1:9464',
    accessLog: str('access-log') ?? 'off',
    dataDir: str('data-dir') ?? ':memory:',
    rps,
    incident:
      flags.values['no-incident'] === true
        ? false
        : {
            onChange: (down) =>
              print(
                down
                  ? `demo incident: ${INCIDENT_DEFAULTS.share * 100}% of payment method ${demo.failing}'s requests fail on the mock API now, for ${INCIDENT_DEFAULTS.lastingMs / 60_000} minutes; watch ${downtimesUrl}`
                  : `demo incident over: ${demo.failing} answers again; the downtime resolves once the method has had 5 quiet minutes and no page`,
              ),
          },
    start: async (config) => {
      const started = await startQuietly(config, {}, io.verbose === true);
      log = started.log;
      return started.sidecar;
    },
    print,
  });
  const { sidecar, mock, hooks, mail, incident, failing } = demo;
  const proxyUrl = `http://${addr(sidecar.proxyAddress)}`;
  const adminUrl = `http://${addr(sidecar.adminAddress)}`;
  downtimesUrl = `${adminUrl}/v1/payments/downtimes`;
  // Signal handlers first: whoever reads the banner may press Ctrl-C at once.
  const stopped = waitForSignal(sidecar, log!, 5_000, () => demo.stopTraffic()).finally(() =>
    demo.closeReceivers(),
  );

  const n = base.routes.length;
  io.stdout.write(
    [
      '',
      'sloprobe demo is running (Ctrl-C to stop)',
      // The mock answers whatever routes the config has: name the config, not a provider.
      `  mock payment API  ${mock.url}  (the ${n} route${n === 1 ? '' : 's'} of ${basename(base.source)}, ~${DEMO_FAULTS.errorRate * 100}% 5xx, ~${DEMO_FAULTS.slowRate * 100}% slower than objective)`,
      `  sidecar (proxy)   ${proxyUrl}  -> ${mock.url}`,
      `  status page       ${adminUrl}/`,
      `  metrics           ${adminUrl}/metrics`,
      `  route table       ${adminUrl}/v1/routes`,
      `  SLOs and budgets  ${adminUrl}/v1/slos`,
      `  health            ${adminUrl}/healthz  ${adminUrl}/readyz`,
      `  downtimes         ${downtimesUrl}  (Curlec's Payment Downtime API)`,
      `  webhooks          ${hooks.url}  (both signatures checked; one line per event)`,
      'off' in mail
        ? `  email             off: ${mail.off}`
        : demo.mailsReceiver
          ? `  email             smtp://${mail.address}  (incidents mailed to ${DEMO_SUBSCRIBER}; one line per message received)`
          : `  email             the route map's own notify.email (${sidecar.config.email?.host ?? '?'})`,
      ...(incident
        ? [
            `  incident          ${INCIDENT_DEFAULTS.share * 100}% of ${failing} fails ${INCIDENT_DEFAULTS.firstAfterMs / 60_000} min after start for ${INCIDENT_DEFAULTS.lastingMs / 60_000} min, then every ${INCIDENT_DEFAULTS.everyMs / 60_000} min (--no-incident: none)`,
          ]
        : []),
      `  traffic           ${rps} requests/s through the sidecar`,
      `  try: curl -s ${adminUrl}/metrics | grep sloprobe_requests_total`,
      '',
    ].join('\n'),
  );
  return stopped;
};
