import type { Secret } from './secret.js';

/**
 * The resolved, frozen configuration: what every other module reads. Produced once by
 * `loadConfig` (src/config/load.ts); defaults already applied (route -> category -> class),
 * durations in milliseconds, percentages as ratios in [0, 1].
 */

import type { LatencyObjective, ResolvedRoute } from '../routing/route.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface Timeouts {
  readonly connectMs: number;
  readonly headersMs: number;
  readonly bodyMs: number;
  readonly idleMs: number;
  /**
   * How long a client may take to send its request headers (slowloris); the loader always
   * sets it, programmatic callers may leave it to the proxy's default.
   */
  readonly clientHeadersMs?: number;
}

export interface ServiceClass {
  readonly name: string;
  readonly description: string | undefined;
  /** Availability objective as a ratio, e.g. 0.99. */
  readonly availability: number;
}

export interface Category {
  readonly name: string;
  readonly description: string | undefined;
  readonly class: string;
  /** The category's availability objective: its own override or its class's. */
  readonly availability: number;
}

// What a route is belongs to routing (the table that matches requests to routes); the
// config only builds them. Re-exported so readers of the config keep one import, while
// routing never imports config (no config <-> routing cycle).
export type {
  Instrument,
  LatencyObjective,
  PaymentSpec,
  ResolvedRoute,
  ValueSelector,
} from '../routing/route.js';
export { UNCLASSIFIED, UNMATCHED_ROUTE } from '../routing/route.js';

import type { Instrument } from '../routing/route.js';

/** The value a per-request read falls back to: not in the allowed list, or absent. */
export const OTHER_VALUE = 'other';

/** `downtime:`: when the tracker opens and closes an unscheduled downtime. */
export interface DowntimeConfig {
  /** Consecutive Downtime minutes that open an unscheduled downtime (default 3). */
  readonly startAfterMinutes: number;
  /** Resolved after this long without a Downtime minute and without a page (default 5m). */
  readonly quietMs: number;
  /** Error ratio at or above which a downtime is `high` (default 50%). */
  readonly highErrorRatio: number;
  /** How long resolved and cancelled downtimes stay listed (default 30d). */
  readonly retentionMs: number;
}

// ---- SLO engine (budgets) ------------------------------------------------------------

export type BudgetingMethod = 'occurrences' | 'timeslices';
export type SliKind = 'availability' | 'latency';

/** `period: 30d` (rolling) or `period: calendar-month` with a time zone. */
export type CompliancePeriod =
  | { readonly kind: 'rolling'; readonly ms: number }
  | { readonly kind: 'calendar-month'; readonly timeZone: string };

/** PayWithMyBank's Downtime rules (docs/sla-definitions.md#downtime-minute), each configurable. */
export interface TimesliceRules {
  /** Slice length; the SLA's is one minute. Must be a whole number of minutes. */
  readonly sliceMs: number;
  /** Statuses that count as errors; the SLA's is HTTP 500 only. */
  readonly errorStatuses: readonly number[];
  /** A slice is Downtime when errors / distinct requests is greater than this (0.05). */
  readonly threshold: number;
  /** A Downtime Period is this many or more consecutive Downtime slices (10). */
  readonly minConsecutive: number;
  /** Repeated identical requests (method, target, body digest) count once. */
  readonly distinct: boolean;
}

export type SloScope =
  | { readonly kind: 'route'; readonly name: string }
  | { readonly kind: 'category'; readonly name: string }
  | { readonly kind: 'class'; readonly name: string }
  | { readonly kind: 'all' };

export interface SloDefinition {
  readonly name: string;
  readonly sli: SliKind;
  readonly method: BudgetingMethod;
  /** Ratio of good events (occurrences) or good time (timeslices), e.g. 0.99. */
  readonly objective: number;
  readonly scope: SloScope;
  /** Names of the routes the scope covers (resolved at load). */
  readonly routes: readonly string[];
  /** For latency SLIs: a request slower than this is bad. */
  readonly latency: LatencyObjective | undefined;
  readonly timeslices: TimesliceRules | undefined;
  readonly period: CompliancePeriod;
  /** True when generated from the route map rather than written under `slos:`. */
  readonly generated: boolean;
  /**
   * Whether probe traffic (`probes:`, labelled synthetic) counts in this SLO. Default false:
   * an SLA figure is about the merchant's own requests (docs/sla-definitions.md#availability-occurrences).
   */
  readonly includeSynthetic: boolean;
}

/** One scheduled probe (`probes:`): a request sent through the sidecar's own route table. */
export interface ProbeDefinition {
  /** The route the probe exercises; `path` routes to it for `method` (checked at load). */
  readonly route: string;
  readonly method: string;
  /** Origin-form target, query allowed: `/hpp/v1/sessions/probe?x=1`. */
  readonly path: string;
  /** Minimum time between two probe starts, >= 1 s. */
  readonly intervalMs: number;
  /** Extra request headers as flat name/value pairs (names lower-cased). */
  readonly headers: readonly string[];
  /** Request body, sent as is (UTF-8); undefined for none. */
  readonly body: string | undefined;
  /** The status a working route answers the probe with. */
  readonly expectStatus: number;
}

export type MaintenancePolicyName = 'klarna' | 'paywithmybank' | 'none';

export interface MaintenanceWindow {
  readonly id: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly announcedAtMs: number;
  readonly all: boolean;
  readonly routes: readonly string[];
  readonly categories: readonly string[];
  /** Payment methods the window announces a scheduled downtime for (`methods: [card]`). */
  readonly methods?: readonly string[];
  /** Static instrument of those scheduled downtimes. */
  readonly instrument?: Instrument;
}

export interface AlertingConfig {
  /** A window with fewer requests than this never raises a flag. */
  readonly minRequests: number;
  /**
   * How long a raised flag's condition must stay false before it clears; undefined: the short
   * window of the rule that raised it (5m for page-quick, 30m page-slow, 2h, 6h for tickets).
   */
  readonly holdMs: number | undefined;
}

/** The events a webhook may subscribe to (docs/sla-definitions.md#downtime-webhooks). */
export const WEBHOOK_EVENTS = [
  'payment.downtime.started',
  'payment.downtime.updated',
  'payment.downtime.resolved',
  'slo.alert.raised',
  'slo.alert.cleared',
] as const;

export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookEndpoint {
  /** The exact URL events are POSTed to; nothing else is ever contacted. */
  readonly url: string;
  /** Origin and path without the query (which may carry a token): the `endpoint` metric label and log field. */
  readonly label: string;
  /** Signs both signatures; prints as a placeholder everywhere. */
  readonly secret: Secret;
  readonly events: readonly WebhookEvent[];
  /** The envelope's `account_id` (null when not configured). */
  readonly accountId: string | null;
}

/** How the SMTP connection is secured: `secure` (TLS from the first byte, port 465) or STARTTLS. */
export type SmtpStartTls = 'required' | 'opportunistic' | 'off';

export interface EmailSubscriber {
  readonly address: string;
  /** Only downtimes of methods served by routes of these SLO categories; undefined: all. */
  readonly categories: readonly string[] | undefined;
  /** Only downtimes of these payment methods; undefined: all. An SLO alert names no method. */
  readonly methods: readonly string[] | undefined;
  /** The events mailed; default the three `payment.downtime.*` (incidents and maintenance). */
  readonly events: readonly WebhookEvent[];
}

/** `notify.email` (docs/sla-definitions.md#downtime-webhooks: the same events, by mail). */
export interface EmailConfig {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (SMTPS); false: plain, upgraded by STARTTLS as `starttls` says. */
  readonly secure: boolean;
  readonly starttls: SmtpStartTls;
  readonly user: string | undefined;
  /** From `password_env`; prints as a placeholder everywhere. */
  readonly password: Secret | undefined;
  /** The environment variable's name, for `check` to say where the password comes from. */
  readonly passwordEnv: string | undefined;
  /** The From address (`sloprobe@example.com` or `"Status" <status@example.com>`). */
  readonly from: string;
  /** The domain of `from`: the right-hand side of every Message-ID. */
  readonly fromDomain: string;
  readonly subscribers: readonly EmailSubscriber[];
}

export interface StoreConfig {
  /** Directory of the SQLite store, or `:memory:`. */
  readonly dataDir: string;
  /** `digest_key`: the secret of the access log's digest, when the config sets one. */
  readonly digestKey?: string | undefined;
  readonly minuteRetentionMs: number;
  readonly hourRetentionMs: number;
}

export interface Fees {
  /** Refundable fees prepaid for the month, for the service credit (docs/sla-definitions.md#service-credit). */
  readonly monthly: number;
  readonly currency: string;
}

/** The TLS versions a config may name as the oldest accepted. */
export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/** A PEM file read at load: its path (for messages) and its text. */
export interface PemFile {
  readonly path: string;
  readonly pem: string;
}

/** A private key read at load; the PEM prints as a placeholder everywhere. */
export interface PemSecretFile {
  readonly path: string;
  readonly pem: Secret;
}

/** `upstream.tls`: verification is always on; these only say what to trust and present. */
export interface UpstreamTls {
  /** When set, the only CAs trusted (the public roots are not). */
  readonly ca: PemFile | undefined;
  /** Client certificate and key (mutual TLS); both or neither. */
  readonly cert: PemFile | undefined;
  readonly key: PemSecretFile | undefined;
  /** SNI and the name the certificate is checked against; default the upstream's host. */
  readonly servername: string | undefined;
  readonly minVersion: TlsVersion;
}

/** `listen.tls`: the proxy listener serves HTTPS; re-read on reload. */
export interface ListenerTls {
  readonly cert: PemFile;
  readonly key: PemSecretFile;
  readonly minVersion: TlsVersion;
}

export type AccessLogTarget =
  | { readonly kind: 'off' }
  | { readonly kind: 'stdout' }
  | { readonly kind: 'file'; readonly path: string };

export interface ResolvedConfig {
  /** The file the config came from (or `<embedded>`), for messages. */
  readonly source: string;
  /** Upstream origin, e.g. `http://127.0.0.1:9000` (no path). */
  readonly upstream: string;
  /** `upstream.tls` (https upstreams only); undefined: public roots, SNI from the host, TLSv1.2. */
  readonly upstreamTls?: UpstreamTls | undefined;
  /** `upstream.preserve_host`: forward the client's Host instead of the upstream's. Default false. */
  readonly preserveHost?: boolean;
  readonly listen: HostPort;
  /** `listen.tls`: the proxy listener serves HTTPS; undefined: plain HTTP. */
  readonly listenTls?: ListenerTls | undefined;
  readonly admin: HostPort;
  readonly timeouts: Timeouts;
  readonly accessLog: AccessLogTarget;
  readonly classes: ReadonlyMap<string, ServiceClass>;
  readonly categories: ReadonlyMap<string, Category>;
  /** Configured routes in file order; `index` equals the position. */
  readonly routes: readonly ResolvedRoute[];
  // Budgets (SLO engine)
  readonly period: CompliancePeriod;
  readonly slos: readonly SloDefinition[];
  readonly maintenancePolicy: MaintenancePolicyName;
  readonly maintenance: readonly MaintenanceWindow[];
  readonly alerting: AlertingConfig;
  readonly store: StoreConfig;
  readonly fees: Fees | undefined;
  readonly webhooks: readonly WebhookEndpoint[];
  /** Unscheduled downtime detection; defaults applied. Optional only for hand-built configs. */
  readonly downtime?: DowntimeConfig;
  /** Bearer token for the Downtime API's writes (`admin.token`); env SLOPROBE_ADMIN_TOKEN wins. */
  readonly adminToken?: string;
  /** `notify.email`; undefined when not configured. */
  readonly email?: EmailConfig | undefined;
  readonly probes: readonly ProbeDefinition[];
}
