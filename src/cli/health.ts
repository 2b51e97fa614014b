/**
 * `sloprobe health`: asks a running sidecar's admin listener whether it is healthy, for the
 * Docker HEALTHCHECK and Kubernetes exec probes. It finds the admin address the way `run`
 * does (--admin, else $SLOPROBE_ADMIN, else the config's `admin`, else the default), so
 * moving the admin port with one setting moves the health check with it.
 */
import { request } from 'node:http';
import type { HostPort } from '../config/types.js';
import { formatHostPort, parseDuration, parseHostPort } from '../config/units.js';
import { ErrorCodes, SloprobeError, UsageError } from '../errors.js';
import { type CommandRun, type FlagSpec, flag, loadConfig, parseFlags } from './args.js';

export const HEALTH_USAGE = `Usage: sloprobe health [--admin HOST:PORT] [-c FILE] [--ready] [--timeout DUR]

Exits 0 when the sidecar's admin listener answers /healthz (or /readyz) with 200, else 1.
      --admin HOST:PORT  the admin listener (default: $SLOPROBE_ADMIN, else the config's
                         admin, else 0.0.0.0:9464); a wildcard host is asked on loopback
  -c, --config FILE      the YAML config, for its admin (default: $SLOPROBE_CONFIG)
      --ready            ask /readyz (accepting traffic) instead of /healthz (alive)
      --timeout DUR      give up after DUR (default 3s)
  -h, --help             show this help
Exit codes: 0 healthy, 1 unhealthy or unreachable, 2 bad input (flags, config)`;

const FLAGS: FlagSpec = {
  command: 'health',
  usage: HEALTH_USAGE,
  options: {
    admin: { type: 'string' },
    config: { type: 'string', short: 'c' },
    ready: { type: 'boolean' },
    timeout: { type: 'string' },
  },
};

const DEFAULT_ADMIN = '0.0.0.0:9464';

/** Where to ask: a listener on every interface is reachable on loopback. */
export function probeAddress(admin: HostPort): HostPort {
  if (admin.host === '0.0.0.0' || admin.host === '') return { host: '127.0.0.1', port: admin.port };
  if (admin.host === '::') return { host: '::1', port: admin.port };
  return admin;
}

function adminAddress(values: Record<string, string | boolean | undefined>): HostPort {
  const given = flag(values, 'admin', 'SLOPROBE_ADMIN');
  const configFile = flag(values, 'config', 'SLOPROBE_CONFIG');
  // The flag or variable wins over the file, as in `run`; then the file is not even read
  // (the check runs every few seconds: no YAML parse and schema compile when not needed).
  if (given === undefined && configFile !== undefined) return loadConfig(configFile).admin;
  try {
    return parseHostPort(given ?? DEFAULT_ADMIN);
  } catch (err) {
    throw new UsageError(`--admin: ${(err as Error).message}`);
  }
}

function get(at: HostPort, path: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: at.host, port: at.port, path, method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs}ms`)));
    req.on('error', reject);
    req.end();
  });
}

export const command: CommandRun = async (argv, io) => {
  const flags = parseFlags(argv, FLAGS, io);
  if (!flags) return 0;
  let timeoutMs: number;
  try {
    timeoutMs = parseDuration(flag(flags.values, 'timeout') ?? '3s', 's');
  } catch (err) {
    throw new UsageError(`--timeout: ${(err as Error).message}`);
  }
  const at = probeAddress(adminAddress(flags.values));
  const path = flags.values.ready ? '/readyz' : '/healthz';
  const url = `http://${formatHostPort(at)}${path}`;
  let status: number;
  try {
    status = await get(at, path, timeoutMs);
  } catch (err) {
    throw new SloprobeError(ErrorCodes.UNHEALTHY, `${url}: ${(err as Error).message}`, { cause: err });
  }
  if (status !== 200) throw new SloprobeError(ErrorCodes.UNHEALTHY, `${url} answered ${status}`);
  io.stdout.write(`${url}: ok\n`);
  return 0;
};
