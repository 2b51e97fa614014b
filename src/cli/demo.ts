/**
 * `sloprobe demo` (what `npm start` runs): a mock payment API answering the config's routes
 * (the shipped Klarna map by default) on loopback, the sidecar in front of it and a gentle
 * traffic generator, so a new user sees every metric move within seconds. Everything
 * listens on 127.0.0.1 only.
 */
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyOverrides, loadConfigFile } from '../config/load.js';
import { INCIDENT_DEFAULTS, startIncidents } from '../demo/incident.js';
import { startMockUpstream } from '../demo/mock-upstream.js';
import { startTraffic } from '../demo/traffic.js';
import { startWebhookReceiver } from '../demo/webhook-receiver.js';
import { UsageError } from '../errors.js';
import type { AppLog } from '../log/app-log.js';
import type { Sidecar } from '../sidecar.js';
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

/** Background faults of the demo's mock between incidents. */
const DEMO_FAULTS = { errorRate: 0.001, slowRate: 0.002 } as const;
const DEMO_MIN_REQUESTS = 30;

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
  // A healthy API between incidents: faults well inside a 99% objective's budget (a tenth of
  // it for errors, a fifth for slow answers), so the flags stay down until the incident.
  const mock = await startMockUpstream({ routes: base.routes, host: '127.0.0.1', port: 0, ...DEMO_FAULTS });
  const hooks = await startWebhookReceiver((line) => process.stdout.write(`${line}\n`));
  let sidecar: Sidecar;
  let log: AppLog;
  try {
    const overridden = applyOverrides(base, {
      upstream: mock.url,
      listen: str('listen') ?? '127.0.0.1:8080',
      admin: str('admin') ?? '127.0.0.1:9464',
      accessLog: str('access-log') ?? 'off',
      dataDir: str('data-dir') ?? ':memory:',
    });
    const config = {
      ...overridden,
      webhooks: [...overridden.webhooks, hooks.endpoint],
      // The demo starts with empty windows and its traffic spreads over ~30 routes: a flag
      // waits for DEMO_MIN_REQUESTS in its windows, so a lone early error does not raise one.
      alerting: {
        ...overridden.alerting,
        minRequests: Math.max(overridden.alerting.minRequests, DEMO_MIN_REQUESTS),
      },
    };
    ({ sidecar, log } = await startQuietly(config, {}, io.verbose === true));
  } catch (err) {
    await mock.close();
    await hooks.close();
    throw err;
  }
  const proxyUrl = `http://${addr(sidecar.proxyAddress)}`;
  const adminUrl = `http://${addr(sidecar.adminAddress)}`;
  const traffic = rps > 0 ? startTraffic({ target: proxyUrl, routes: base.routes, rps }) : undefined;
  // The incident fails one value of the first route that reads the method per request.
  const choices = base.routes.find((r) => r.payment?.methodFrom)?.payment?.methodFrom?.values ?? [];
  const failing = choices.includes('pay_later') ? 'pay_later' : choices.at(-1);
  const downtimesUrl = `${adminUrl}/v1/payments/downtimes`;
  const incident =
    failing !== undefined && traffic !== undefined && flags.values['no-incident'] !== true
      ? startIncidents({
          mock,
          method: failing,
          onChange: (down) =>
            io.stdout.write(
              down
                ? `demo incident: ${INCIDENT_DEFAULTS.share * 100}% of payment method ${failing}'s requests fail on the mock API now, for ${INCIDENT_DEFAULTS.lastingMs / 60_000} minutes; watch ${downtimesUrl}\n`
                : `demo incident over: ${failing} answers again; the downtime resolves once the method has had 5 quiet minutes and no page\n`,
            ),
        })
      : undefined;
  // Signal handlers first: whoever reads the banner may press Ctrl-C at once.
  const stopped = waitForSignal(sidecar, log, 5_000, async () => {
    incident?.stop();
    await traffic?.stop();
  }).finally(() => Promise.all([mock.close(), hooks.close()]));

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
