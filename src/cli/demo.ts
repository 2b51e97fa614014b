/**
 * `sloprobe demo` (what `npm start` runs): a mock Klarna-like payment API on loopback, the
 * sidecar in front of it and a gentle traffic generator, so a new user sees every metric
 * move within seconds. Everything listens on 127.0.0.1 only.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { applyOverrides, loadConfigFile } from '../config/load.js';
import { INCIDENT_DEFAULTS, startIncidents } from '../demo/incident.js';
import { startMockUpstream } from '../demo/mock-upstream.js';
import { startTraffic } from '../demo/traffic.js';
import { UsageError } from '../errors.js';
import { createAppLog } from '../log/app-log.js';
import { startSidecar } from '../sidecar.js';
import { addr, waitForSignal } from './run.js';

/** The embedded default: the Klarna route map shipped in config/. */
export const DEMO_CONFIG = fileURLToPath(new URL('../../../config/klarna.yaml', import.meta.url));

const USAGE = `Usage: sloprobe demo [options]

  --config FILE        route map (default: the shipped config/klarna.yaml)
  --listen HOST:PORT   proxy listener (default 127.0.0.1:8080)
  --admin HOST:PORT    admin listener (default 127.0.0.1:9464)
  --rps N              demo traffic, requests per second (default 20; 0 for none)
  --access-log TARGET  off | stdout | FILE (default off, so the terminal stays readable)
  --data-dir DIR       store for the SLO engine (default :memory:)
  --no-incident        no scripted incident (by default 30% of one payment method's
                       requests fail for 4 minutes, 2 minutes after start, then every 30)`;

export async function demoCommand(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        config: { type: 'string' },
        listen: { type: 'string' },
        admin: { type: 'string' },
        rps: { type: 'string' },
        'access-log': { type: 'string' },
        'data-dir': { type: 'string' },
        'no-incident': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const rps = Number(values.rps ?? 20);
  if (!Number.isFinite(rps) || rps < 0 || rps > 1000)
    throw new UsageError('--rps takes a number from 0 to 1000');

  const base = loadConfigFile(typeof values.config === 'string' ? values.config : DEMO_CONFIG);
  const log = createAppLog();
  const mock = await startMockUpstream({ routes: base.routes, host: '127.0.0.1', port: 0 });
  const config = applyOverrides(base, {
    upstream: mock.url,
    listen: typeof values.listen === 'string' ? values.listen : '127.0.0.1:8080',
    admin: typeof values.admin === 'string' ? values.admin : '127.0.0.1:9464',
    accessLog: typeof values['access-log'] === 'string' ? values['access-log'] : 'off',
    dataDir: typeof values['data-dir'] === 'string' ? values['data-dir'] : ':memory:',
  });
  let sidecar: Awaited<ReturnType<typeof startSidecar>>;
  try {
    sidecar = await startSidecar(config, { log });
  } catch (err) {
    await mock.close();
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
    failing !== undefined && traffic !== undefined && values['no-incident'] !== true
      ? startIncidents({
          mock,
          method: failing,
          onChange: (down) =>
            process.stdout.write(
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
  }).finally(() => mock.close());

  process.stdout.write(
    [
      '',
      'sloprobe demo is running (Ctrl-C to stop)',
      `  mock payment API  ${mock.url}  (Klarna-like routes, ~1% 5xx, ~2% slower than objective)`,
      `  sidecar (proxy)   ${proxyUrl}  -> ${mock.url}`,
      `  metrics           ${adminUrl}/metrics`,
      `  route table       ${adminUrl}/v1/routes`,
      `  SLOs and budgets  ${adminUrl}/v1/slos`,
      `  downtimes         ${downtimesUrl}  (Curlec's Payment Downtime API)`,
      ...(incident
        ? [
            `  incident          ${INCIDENT_DEFAULTS.share * 100}% of ${failing} fails ${INCIDENT_DEFAULTS.firstAfterMs / 60_000} min after start for ${INCIDENT_DEFAULTS.lastingMs / 60_000} min, then every ${INCIDENT_DEFAULTS.everyMs / 60_000} min (--no-incident: none)`,
          ]
        : []),
      `  health            ${adminUrl}/healthz  ${adminUrl}/readyz`,
      `  traffic           ${rps} requests/s through the sidecar`,
      `  try: curl -s ${adminUrl}/metrics | grep sloprobe_requests_total`,
      '',
    ].join('\n'),
  );
  return stopped;
}
