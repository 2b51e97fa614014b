/**
 * Turns the parsed YAML into the `ResolvedConfig` every module reads: defaults applied,
 * durations in milliseconds, percentages as ratios, references checked, SLOs generated.
 * Problems go to `problems`; the caller throws when there are any, so the returned object
 * is only used when the whole file is valid.
 */
import { didYouMean } from './did-you-mean.js';
import { deepFreeze, FrozenMap } from './freeze.js';
import type { Problems } from './positions.js';
import { asObject, asString, parseAt, positiveDuration } from './resolve-common.js';
import { resolveEmail } from './resolve-email.js';
import { resolveMaintenance } from './resolve-maintenance.js';
import { resolveDowntime, resolvePayment, splitAdmin } from './resolve-payments.js';
import { resolveProbes } from './resolve-probes.js';
import { knownList, resolveRoutes } from './resolve-routes.js';
import { parsePeriod, parseTimesliceRules, SEED_TIMESLICE_RULES } from './resolve-rules.js';
import { explicitSlos, generatedSlos } from './resolve-slos.js';
import { resolveListenerTls, resolveUpstreamTls, splitListen, splitUpstream } from './resolve-tls.js';
import { resolveWebhooks } from './resolve-webhooks.js';
import type {
  AccessLogTarget,
  Category,
  HostPort,
  PaymentSpec,
  ResolvedConfig,
  ServiceClass,
} from './types.js';
import { UNCLASSIFIED } from './types.js';
import { isTimeZone, parseHostPort, parseOrigin, parsePercent } from './units.js';

/** Every default in one place (README's config reference quotes these). */
export const DEFAULTS = Object.freeze({
  listen: '0.0.0.0:8080',
  admin: '0.0.0.0:9464',
  connectMs: 2_000,
  headersMs: 30_000,
  bodyMs: 60_000,
  idleMs: 60_000,
  // nginx's client_header_timeout and Node's headersTimeout agree on 60 s.
  clientHeadersMs: 60_000,
  accessLog: 'stdout',
  dataDir: './.sloprobe-data',
  period: '30d',
  timeZone: 'UTC',
  minRequests: 10,
  minuteRetentionMs: 35 * 86_400_000,
  hourRetentionMs: 400 * 86_400_000,
  currency: 'USD',
});

/** `off`, `stdout` or a file path. */
export function parseAccessLog(value: unknown): AccessLogTarget {
  if (typeof value !== 'string' || value.trim() === '')
    throw new RangeError('expected off, stdout or a file path');
  if (value === 'off') return { kind: 'off' };
  if (value === 'stdout' || value === '-') return { kind: 'stdout' };
  if (value === 'stderr') {
    throw new RangeError("stderr carries the sidecar's own log; send the access log to stdout or a file");
  }
  return { kind: 'file', path: value };
}

function parseTimeZone(value: unknown): string {
  const name = String(value);
  if (isTimeZone(name)) return name;
  const hint =
    didYouMean(name, Intl.supportedValuesOf('timeZone')) ||
    ' (use an IANA name such as Europe/Stockholm or UTC)';
  throw new RangeError(`unknown time zone "${name}"${hint}`);
}

const ANY_HOST = new Set(['0.0.0.0', '::']);

/** True when two listeners would bind the same socket (port 0 picks a free port each time). */
export function listenersClash(a: HostPort, b: HostPort): boolean {
  return (
    a.port !== 0 && a.port === b.port && (a.host === b.host || ANY_HOST.has(a.host) || ANY_HOST.has(b.host))
  );
}

export function resolveConfig(
  data: unknown,
  source: string,
  problems: Problems,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedConfig {
  const raw = asObject(data) ?? {};
  const up = splitUpstream(raw.upstream);
  const upstream = parseAt(problems, up.urlPath, up.url, parseOrigin, '');
  const upstreamTls = resolveUpstreamTls(raw.upstream, upstream, problems);
  const listenRaw = splitListen(raw.listen);
  const listen = parseAt(
    problems,
    listenRaw.addressPath,
    listenRaw.address ?? DEFAULTS.listen,
    parseHostPort,
    {
      host: '',
      port: 0,
    },
  );
  const listenTls = resolveListenerTls(raw.listen, problems);
  const adminRaw = splitAdmin(raw.admin, problems);
  const adminPath =
    typeof raw.admin === 'string' || raw.admin === undefined ? ['admin'] : ['admin', 'listen'];
  const admin = parseAt(problems, adminPath, adminRaw.listen ?? DEFAULTS.admin, parseHostPort, {
    host: '',
    port: 0,
  });
  if (listenersClash(listen, admin))
    problems.add(['admin'], 'the admin listener needs its own port (it equals listen)');
  const t = asObject(raw.timeouts) ?? {};
  const seconds = positiveDuration('s');
  const timeouts = {
    connectMs: parseAt(problems, ['timeouts', 'connect'], t.connect, seconds, DEFAULTS.connectMs),
    headersMs: parseAt(problems, ['timeouts', 'headers'], t.headers, seconds, DEFAULTS.headersMs),
    bodyMs: parseAt(problems, ['timeouts', 'body'], t.body, seconds, DEFAULTS.bodyMs),
    idleMs: parseAt(problems, ['timeouts', 'idle'], t.idle, seconds, DEFAULTS.idleMs),
    clientHeadersMs: parseAt(
      problems,
      ['timeouts', 'client_headers'],
      t.client_headers,
      seconds,
      DEFAULTS.clientHeadersMs,
    ),
  };
  const accessLog = parseAt(problems, ['access_log'], raw.access_log ?? DEFAULTS.accessLog, parseAccessLog, {
    kind: 'stdout',
  } as AccessLogTarget);
  const timeZone = parseAt(problems, ['time_zone'], raw.time_zone, parseTimeZone, DEFAULTS.timeZone);
  const period = parseAt(
    problems,
    ['period'],
    raw.period ?? DEFAULTS.period,
    (v) => parsePeriod(v, timeZone),
    {
      kind: 'rolling',
      ms: 30 * 86_400_000,
    } as const,
  );

  const classes = new Map<string, ServiceClass>();
  for (const [name, value] of Object.entries(asObject(raw.classes) ?? {})) {
    const c = asObject(value) ?? {};
    const availability = parseAt(
      problems,
      ['classes', name, 'availability'],
      c.availability,
      (v) => parsePercent(v),
      0,
    );
    classes.set(name, { name, description: asString(c.description), availability });
  }
  const categories = new Map<string, Category>();
  const overrides = new Map<string, number>();
  const payments = new Map<string, PaymentSpec>();
  for (const [name, value] of Object.entries(asObject(raw.categories) ?? {})) {
    const c = asObject(value) ?? {};
    if (name === UNCLASSIFIED) {
      problems.add(['categories', name], `"${UNCLASSIFIED}" is reserved for requests no route matches`, {
        key: true,
      });
    }
    const className = asString(c.class) ?? '';
    if (className && !classes.has(className)) {
      problems.add(
        ['categories', name, 'class'],
        `unknown class "${className}"${didYouMean(className, classes.keys()) || knownList(classes)}`,
      );
    }
    const own = parseAt(
      problems,
      ['categories', name, 'availability'],
      c.availability,
      (v) => parsePercent(v),
      undefined,
    );
    if (own !== undefined) overrides.set(name, own);
    const payment = resolvePayment(c, ['categories', name], undefined, problems);
    if (payment) payments.set(name, payment);
    const availability = own ?? classes.get(className)?.availability ?? 0;
    categories.set(name, { name, description: asString(c.description), class: className, availability });
  }

  const routes = resolveRoutes(raw.routes, classes, categories, overrides, problems, payments);
  const timeslices = parseTimesliceRules(raw.timeslices, ['timeslices'], SEED_TIMESLICE_RULES, problems);
  const includeSynthetic = raw.include_synthetic === true;
  const ctx = { routes, classes, categories, period, timeZone, timeslices, includeSynthetic };
  const generated = generatedSlos(ctx);
  const explicit = explicitSlos(raw.slos, ctx, new Set(generated.map((s) => s.name)), problems);
  const maintenance = resolveMaintenance(raw.maintenance, routes, categories, problems);

  const alerting = asObject(raw.alerting) ?? {};
  const retention = asObject(raw.retention) ?? {};
  const days = positiveDuration('d');
  const minuteRetentionMs = parseAt(
    problems,
    ['retention', 'minutes'],
    retention.minutes,
    days,
    DEFAULTS.minuteRetentionMs,
  );
  const hourRetentionMs = parseAt(
    problems,
    ['retention', 'hours'],
    retention.hours,
    days,
    DEFAULTS.hourRetentionMs,
  );
  if (hourRetentionMs < minuteRetentionMs) {
    problems.add(['retention', 'hours'], 'hourly rollups must be kept at least as long as minute rollups');
  }
  const fees = asObject(raw.fees);
  const holdMs = parseAt(problems, ['alerting', 'hold'], alerting.hold, positiveDuration('m'), undefined);
  const webhooks = resolveWebhooks(raw.webhooks, problems, env);
  const email = resolveEmail(raw.notify, new Set(categories.keys()), problems, env);
  const probes = resolveProbes(raw.probes, routes, problems);

  return deepFreeze<ResolvedConfig>({
    source,
    upstream,
    upstreamTls,
    preserveHost: up.preserveHost,
    listen,
    listenTls,
    admin,
    timeouts,
    accessLog,
    classes: new FrozenMap(classes),
    categories: new FrozenMap(categories),
    routes,
    period,
    slos: [...generated, ...explicit],
    maintenancePolicy: maintenance.policy,
    maintenance: maintenance.windows,
    alerting: {
      minRequests: typeof alerting.min_requests === 'number' ? alerting.min_requests : DEFAULTS.minRequests,
      holdMs,
    },
    store: {
      dataDir: asString(raw.data_dir) ?? DEFAULTS.dataDir,
      // Only when set: a secret has no default to show.
      ...(typeof raw.digest_key === 'string' ? { digestKey: raw.digest_key } : {}),
      minuteRetentionMs,
      hourRetentionMs,
    },
    fees: fees
      ? {
          monthly: typeof fees.monthly === 'number' ? fees.monthly : 0,
          currency: asString(fees.currency) ?? DEFAULTS.currency,
        }
      : undefined,
    webhooks,
    downtime: resolveDowntime(raw.downtime, problems),
    adminToken: adminRaw.token,
    email,
    probes,
  });
}
