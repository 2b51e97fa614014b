/**
 * The JSON Schema of the YAML config: the shape of every key (types, required keys, no
 * unknown keys). Value syntaxes (durations, percentages, URLs, timestamps) and references
 * between sections (a route's category, an SLO's target) are checked by the resolver
 * (resolve*.ts), which can give a more precise hint than a schema pattern.
 *
 * This file is the config reference: every key has a comment saying what it means and its
 * default. `x-hint` is our own annotation keyword: what a valid value is, as a noun phrase
 * ("an http or https origin such as ..."), shown as "expected <hint>, not <value>".
 */
import type { SchemaObject } from 'ajv';

/** Names of classes, categories, routes, SLOs and windows; they become metric label values. */
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$';
const NAME_HINT = 'a name of letters, digits and . _ - : (e.g. hpp-create-session)';

const name: SchemaObject = { type: 'string', pattern: NAME_PATTERN, 'x-hint': NAME_HINT };
const nameMap = (value: SchemaObject): SchemaObject => ({
  type: 'object',
  propertyNames: { pattern: NAME_PATTERN, 'x-hint': NAME_HINT },
  additionalProperties: value,
});
/** `250ms`, `2s`, `5m`, `1h`, `30d` (compound `1h30m` too). Numbers reach the resolver so it can say "try 200ms". */
const duration: SchemaObject = { type: ['string', 'number'] };
/** `99.5%` or `0.995`. */
const percent: SchemaObject = { type: ['string', 'number'] };
const description: SchemaObject = { type: 'string' };
/** `{ p99: 200ms }`: exactly one percentile key (p50, p90, p95, p99, p99.9, ...) and its threshold. */
const latency: SchemaObject = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  propertyNames: { pattern: '^p\\d{1,2}(\\.\\d+)?$', 'x-hint': 'a percentile: p50, p90, p95, p99 or p99.9' },
  additionalProperties: duration,
  'x-hint': 'exactly one percentile and its threshold, e.g. { p99: 200ms }',
};

/** PayWithMyBank's Downtime rules (docs/sla-definitions.md#downtime-minute); the defaults are the SLA's. */
const timeslices: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    // Slice length, a whole number of minutes. Default 1m ("ten (10) or more consecutive minutes").
    slice: duration,
    // Statuses that count as errors. Default [500] ("a response with HTTP Status 500").
    error_statuses: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'integer', minimum: 100, maximum: 599, 'x-hint': 'an HTTP status code, 100-599' },
    },
    // A slice is Downtime when errors / distinct requests is greater than this. Default 5%.
    threshold: percent,
    // A Downtime Period is this many or more consecutive Downtime slices. Default 10.
    min_consecutive: { type: 'integer', minimum: 1 },
    // Repeated identical requests (same method, target and body digest) count once. Default true.
    distinct: { type: 'boolean' },
  },
};

/** Payment method identifiers (`card`, `fpx`, `netbanking`, `upi`, `wallet`, `emandate`, ...). */
export const METHOD_PATTERN = '^[a-z][a-z0-9_]{0,31}$';
const METHOD_HINT = 'a payment method of lower-case letters, digits and _ (e.g. card, fpx, upi)';
const methodId: SchemaObject = { type: 'string', pattern: METHOD_PATTERN, 'x-hint': METHOD_HINT };
/** Instrument values: bank and issuer codes, networks, card types, VPA handles. */
export const INSTRUMENT_VALUE_PATTERN = '^[A-Za-z0-9@][A-Za-z0-9@._-]{0,63}$';
const instrumentValue: SchemaObject = {
  type: 'string',
  pattern: INSTRUMENT_VALUE_PATTERN,
  'x-hint': 'a code of letters, digits and @ . _ - (e.g. HSBC, VISA, credit)',
};
/**
 * A value read per request (never from the body): `{ header: x-payment-method, values: [card, fpx] }`
 * or `{ query: method, values: [...] }`. Values outside the list count as `other`.
 */
const selector = (value: SchemaObject): SchemaObject => ({
  type: 'object',
  additionalProperties: false,
  required: ['values'],
  minProperties: 2,
  maxProperties: 2,
  properties: {
    header: { type: 'string', pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$", 'x-hint': 'a header name' },
    query: { type: 'string', minLength: 1, maxLength: 64 },
    values: { type: 'array', minItems: 1, maxItems: 64, uniqueItems: true, items: value },
  },
  'x-hint': 'a selector such as { header: x-payment-method, values: [card, fpx] }',
});
/** A static method, or one read per request. */
const paymentMethod: SchemaObject = {
  ...selector(methodId),
  type: ['string', 'object'],
  pattern: METHOD_PATTERN,
  'x-hint': `${METHOD_HINT}, or { header: NAME, values: [...] }`,
};
const instrumentField: SchemaObject = {
  ...selector(instrumentValue),
  type: ['string', 'object'],
  pattern: INSTRUMENT_VALUE_PATTERN,
  'x-hint': 'a code such as HSBC or VISA, or { header: NAME, values: [...] }',
};
/** Curlec's instrument fields (docs/sla-definitions.md#downtime-entity). At most one read per request. */
export const INSTRUMENT_FIELDS = ['issuer', 'network', 'bank', 'card_type', 'vpa_handle', 'wallet'] as const;
const instrument: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: Object.fromEntries(INSTRUMENT_FIELDS.map((f) => [f, instrumentField])),
};

const route: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'method', 'path', 'category'],
  properties: {
    // Unique; the `route` label of every metric. `unmatched` is reserved for traffic no route matches.
    name,
    // One method (`POST`), a list (`[PUT, PATCH]`) or "*" (quoted: a bare * is YAML alias syntax).
    // Beside routes naming methods on the same path, a "*" route takes the other methods.
    method: {
      type: ['string', 'array'],
      minItems: 1,
      items: { type: 'string' },
      'x-hint': 'one method, a list of methods, or "*"',
    },
    // Exact (`/hpp/v1/sessions`), template (`/orders/{order_id}`, each parameter a whole
    // segment) or prefix (`/ordermanagement/*`, the `*` last). Static segments beat
    // parameters, and any template beats a prefix.
    path: { type: 'string', minLength: 1 },
    // The SLO category (a key of `categories`).
    category: name,
    // Optional override of the category's service class.
    class: name,
    // Optional latency objective, `{ p99: 200ms }`: at most 1% of requests slower than 200ms.
    latency,
    // Optional availability objective; default: the category's, else its class's.
    availability: percent,
    // Optional per-route override of `timeouts.headers`.
    timeout: duration,
    // Forward a GET or HEAD that carries a body (refused with 400 otherwise): for APIs
    // that take a search document on GET.
    allow_body_on_get: { type: 'boolean' },
    // The payment method the route serves (overrides the category's): `card`, or read per
    // request: `{ header: x-payment-method, values: [card, fpx] }` (anything else is `other`).
    payment_method: paymentMethod,
    // Static instrument `{ issuer, network, bank, card_type, vpa_handle, wallet }`; at most one
    // field (and not together with a per-request method) may be a selector as above.
    instrument,
    // Free text (the operation's summary); shown nowhere else.
    description,
  },
};

const slo: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'sli', 'over'],
  properties: {
    // Unique among all SLOs, including the generated `<category>-availability` and `<route>-latency`.
    name,
    // availability: good = 2xx/3xx/4xx. latency: good = faster than the threshold.
    sli: { enum: ['availability', 'latency'] },
    // occurrences (default): good events / all events. timeslices: good slices / all slices
    // (availability only; docs/sla-definitions.md#timeslice-error-rate).
    method: { enum: ['occurrences', 'timeslices'] },
    // Default: the target's availability objective; for latency SLIs the percentile (p99 -> 99%).
    objective: percent,
    // `all`, or exactly one of `{ route: NAME }`, `{ category: NAME }`, `{ class: NAME }`.
    over: {
      type: ['string', 'object'],
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
      properties: { route: name, category: name, class: name },
      'x-hint': 'all, or exactly one of { route: NAME }, { category: NAME }, { class: NAME }',
    },
    // Latency SLIs: the threshold; default the route's own latency objective.
    latency,
    // Timeslices: overrides of the top-level `timeslices` rules.
    timeslices,
    // Overrides the top-level `period` for this SLO.
    period: duration,
    // Whether probe requests (`probes:`, labelled synthetic="true") count in this SLO.
    // Default: the top-level `include_synthetic`, itself false (out of the SLA figures).
    include_synthetic: { type: 'boolean' },
    description,
  },
};

/**
 * A scheduled request through the sidecar's own route table, so that a route without
 * traffic still shows whether it works (docs/sla-definitions.md#no-traffic).
 */
const probe: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['route', 'method', 'path', 'interval', 'expect_status'],
  properties: {
    // The route probed (a `routes[].name`); `path` must route to it for `method`.
    route: name,
    // One HTTP method, upper case: GET, POST, ...
    method: { type: 'string', pattern: '^[A-Z]{1,16}$', 'x-hint': 'an upper-case HTTP method such as GET' },
    // Origin-form target sent to the upstream, query allowed: /hpp/v1/sessions/probe
    path: { type: 'string', minLength: 1 },
    // Minimum time between two starts of this probe, at least 1s (e.g. 30s, 1m).
    interval: duration,
    // Extra request headers (e.g. an API key for a probe account).
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    // Request body, sent as is.
    body: { type: 'string' },
    // The status a working route answers with; anything else makes the probe bad.
    expect_status: { type: 'integer', minimum: 100, maximum: 599, 'x-hint': 'an HTTP status code, 100-599' },
  },
};

const window: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'start', 'end', 'announced_at'],
  properties: {
    id: name,
    // RFC 3339 with an offset: 2025-03-01T02:00:00Z. `start` < `end`.
    start: { type: 'string' },
    end: { type: 'string' },
    // When the window was communicated; the policy checks the notice period against it.
    announced_at: { type: 'string' },
    // What the window covers: route names, category names, or `all: true` (one at least).
    routes: { type: 'array', minItems: 1, uniqueItems: true, items: name },
    categories: { type: 'array', minItems: 1, uniqueItems: true, items: name },
    all: { type: 'boolean' },
    // Payment methods the window announces as a scheduled downtime (Downtime API, webhooks).
    methods: { type: 'array', minItems: 1, uniqueItems: true, items: methodId },
    // Static instrument of those downtimes, e.g. { bank: MB2U }.
    instrument: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: Object.fromEntries(INSTRUMENT_FIELDS.map((f) => [f, instrumentValue])),
    },
    description,
  },
};

/** One webhook endpoint (docs/sla-definitions.md#downtime-webhooks). */
const webhook: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['url', 'events'],
  properties: {
    url: { type: 'string', 'x-hint': 'an http or https URL such as "https://example.com/hooks/sloprobe"' },
    // `whsec_<base64>` (Standard Webhooks) or any other string (used as raw bytes).
    secret: { type: 'string' },
    secret_env: {
      type: 'string',
      'x-hint': 'the name of an environment variable, e.g. SLOPROBE_WEBHOOK_SECRET',
    },
    events: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string' },
      'x-hint': 'a list of events such as [payment.downtime.started, slo.alert.raised]',
    },
    account_id: { type: 'string', minLength: 1 },
  },
};

/** One email subscriber of `notify.email`. */
const subscriber: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['address'],
  properties: {
    address: { type: 'string', minLength: 3, 'x-hint': 'an email address such as "oncall@example.com"' },
    // Only downtimes of methods served by routes of these categories / of these methods.
    categories: { type: 'array', minItems: 1, uniqueItems: true, items: name },
    methods: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', minLength: 1 },
      'x-hint': 'a list of payment methods such as [card, upi]',
    },
    // Default: the three payment.downtime.* events; slo.alert.raised|cleared on request.
    events: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string' },
      'x-hint': 'a list of events such as [payment.downtime.started, slo.alert.raised]',
    },
  },
};

/** `notify.email`: SMTP settings and subscribers (docs/sla-definitions.md#downtime-webhooks). */
const email: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['host', 'from', 'subscribers'],
  properties: {
    host: { type: 'string', minLength: 1, 'x-hint': 'the SMTP server, e.g. "smtp.example.com"' },
    // Default 465 when secure, else 587.
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    // true: TLS from the first byte (SMTPS, port 465). false (default): STARTTLS as `starttls` says.
    secure: { type: 'boolean' },
    // required (default): refuse a server without STARTTLS; opportunistic: upgrade when offered;
    // off: never upgrade (a relay on loopback).
    starttls: { enum: ['required', 'opportunistic', 'off'] },
    user: { type: 'string', minLength: 1 },
    // The name of the environment variable holding the SMTP password (never the password itself).
    password_env: {
      type: 'string',
      'x-hint': 'the name of an environment variable, e.g. SLOPROBE_SMTP_PASSWORD',
    },
    from: { type: 'string', minLength: 3, 'x-hint': 'the From address, e.g. "sloprobe@example.com"' },
    subscribers: { type: 'array', minItems: 1, items: subscriber },
  },
};

/** `TLSv1.2` or `TLSv1.3`: nothing older is offered (both ends refuse it by default). */
const tlsVersion: SchemaObject = { enum: ['TLSv1.2', 'TLSv1.3'] };
/** A PEM file's path; relative paths are relative to the working directory (as `data_dir`). */
const pemFile: SchemaObject = { type: 'string', minLength: 1, 'x-hint': 'the path of a PEM file' };

/**
 * `upstream.tls`: how the sidecar connects to an https upstream. Certificate verification is
 * always on: a private CA is trusted by naming it in `ca`, never by switching checks off.
 */
const upstreamTls: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    // CA bundle (PEM, one or more certificates). When set, only these CAs are trusted (the
    // public roots are not). Default: Node's bundled public roots.
    ca: pemFile,
    // Client certificate (PEM, leaf first, then intermediates) and its unencrypted private key,
    // for providers that require mutual TLS. Both or neither.
    cert: pemFile,
    key: pemFile,
    // Name sent as SNI and checked against the upstream's certificate. Default: the upstream
    // URL's host (no SNI for an IP address, whose certificate must then list that IP).
    servername: { type: 'string', minLength: 1, 'x-hint': 'a DNS name such as api.provider.example' },
    // Oldest TLS version accepted. Default TLSv1.2.
    min_version: tlsVersion,
  },
};

/** `listen.tls`: the proxy listener serves HTTPS. Certificate and key are re-read on SIGHUP. */
const listenerTls: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['cert', 'key'],
  properties: {
    // Server certificate (PEM, leaf first, then intermediates) and its unencrypted private key.
    cert: pemFile,
    key: pemFile,
    // Oldest TLS version accepted from clients. Default TLSv1.2.
    min_version: tlsVersion,
  },
};

export const configSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['upstream'],
  properties: {
    // The one origin requests are forwarded to: http or https, no path (`http://127.0.0.1:9000`).
    // The long form `{ url: ORIGIN, preserve_host?, tls? }` adds: preserve_host (default
    // false: the upstream gets Host set to its own authority, as nginx's proxy_pass does;
    // true: the client's Host), and `tls` (https only; see `upstreamTls` above).
    upstream: {
      type: ['string', 'object'],
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: { type: 'string', 'x-hint': 'an http or https origin such as "https://api.provider.example"' },
        preserve_host: { type: 'boolean' },
        tls: upstreamTls,
      },
      'x-hint': 'an http or https origin such as "http://127.0.0.1:9000", or { url: ORIGIN, tls: {...} }',
    },
    // Proxy listener, `host:port` (`[::1]:8080` for IPv6, `:8080` or `8080` for all interfaces). Default 0.0.0.0:8080.
    // The long form `{ address: HOST:PORT, tls: { cert, key, min_version? } }` serves HTTPS.
    listen: {
      type: ['string', 'integer', 'object'],
      additionalProperties: false,
      required: ['tls'],
      properties: {
        address: { type: ['string', 'integer'], 'x-hint': 'host:port such as "0.0.0.0:8443", or a port' },
        tls: listenerTls,
      },
      'x-hint': 'host:port such as "0.0.0.0:8080", a port, or { address: HOST:PORT, tls: { cert, key } }',
    },
    // Admin listener (metrics, health, JSON API). Default 0.0.0.0:9464. The long form
    // `{ listen: HOST:PORT, token: SECRET }` also enables the Downtime API's writes (POST,
    // PATCH) for `Authorization: Bearer SECRET`; env SLOPROBE_ADMIN_TOKEN takes precedence.
    admin: {
      type: ['string', 'integer', 'object'],
      additionalProperties: false,
      properties: {
        listen: { type: ['string', 'integer'], 'x-hint': 'host:port such as "0.0.0.0:9464", or a port' },
        token: { type: 'string', 'x-hint': 'a secret of 16 characters or more' },
      },
      'x-hint': 'host:port such as "0.0.0.0:9464", a port, or { listen: HOST:PORT, token: SECRET }',
    },
    // Unscheduled downtimes of payment methods (docs/sla-definitions.md#downtime-detection).
    // start_after: consecutive Downtime minutes that start one (default 3); quiet: resolved
    // after this long with no Downtime minute and no page (default 5m); high_error_ratio:
    // `high` severity at or above it (default 50%); retention: how long past downtimes stay
    // listed (default 30d).
    downtime: {
      type: 'object',
      additionalProperties: false,
      properties: {
        start_after: { type: 'integer', minimum: 1, maximum: 1440, 'x-hint': 'a number of minutes, 1-1440' },
        quiet: duration,
        high_error_ratio: percent,
        retention: duration,
      },
    },
    // Upstream timeouts. connect: TCP/TLS connect (2s); headers: until response headers (30s,
    // per-route `timeout` overrides it); body: between body chunks (60s); idle: keep-alive
    // sockets (60s). client_headers: the one client-side limit, how long a client may take
    // to send its request headers (60s; slowloris).
    timeouts: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connect: duration,
        headers: duration,
        body: duration,
        idle: duration,
        client_headers: duration,
      },
    },
    // off | stdout | a file path (JSON lines, one per request). Default stdout. Not stderr:
    // that carries the sidecar's own log. Relative paths are relative to the working directory.
    access_log: { type: 'string', minLength: 1, 'x-hint': 'off, stdout or a file path' },
    // Directory of the embedded store, or `:memory:`. Default ./.sloprobe-data (relative to
    // the working directory).
    data_dir: { type: 'string', minLength: 1 },
    // Secret that keys the access log's `digest` (HMAC-SHA-256), at least 16 characters.
    // Default: SLOPROBE_DIGEST_KEY, else <data_dir>/digest.key (created with mode 0600).
    digest_key: {
      type: 'string',
      minLength: 16,
      'x-hint': 'at least 16 characters, e.g. from openssl rand -hex 32',
    },
    // SLA service classes (docs/sla-definitions.md#service-classes): `NAME: { availability: 99%, description? }`.
    classes: nameMap({
      type: 'object',
      additionalProperties: false,
      required: ['availability'],
      properties: { availability: percent, description },
    }),
    // SLO categories (docs/sla-definitions.md#slo-categories):
    // `NAME: { class: CLASS, availability?: override, description? }`.
    categories: nameMap({
      type: 'object',
      additionalProperties: false,
      required: ['class'],
      properties: {
        class: name,
        availability: percent,
        payment_method: paymentMethod,
        instrument,
        description,
      },
    }),
    // The route map, matched by specificity (not by order); see `route` above.
    routes: { type: 'array', items: route },
    // Compliance period: a rolling duration (`30d`, default) or `calendar-month`.
    period: { type: ['string', 'number'] },
    // IANA time zone of calendar months and reports. Default UTC.
    time_zone: { type: 'string', minLength: 1 },
    // A burn-rate window with fewer requests than `min_requests` (default 10) never raises a flag.
    alerting: {
      type: 'object',
      additionalProperties: false,
      // hold: a raised flag clears only after its condition was false this long (default: the
      // short window of the rule that raised it; docs/sla-definitions.md#flag-evidence).
      properties: { min_requests: { type: 'integer', minimum: 0 }, hold: duration },
    },
    // How long the store keeps minute rollups (default 35d) and hourly rollups (default 400d).
    retention: {
      type: 'object',
      additionalProperties: false,
      properties: { minutes: duration, hours: duration },
    },
    // Refundable fees prepaid per month, for the service credit
    // (docs/sla-definitions.md#service-credit). currency default USD.
    fees: {
      type: 'object',
      additionalProperties: false,
      required: ['monthly'],
      properties: {
        monthly: { type: 'number', minimum: 0 },
        currency: { type: 'string', pattern: '^[A-Z]{3}$', 'x-hint': 'an ISO 4217 code such as USD or EUR' },
      },
    },
    // Defaults for every timeslices SLO (see `timeslices` above).
    timeslices,
    // Extra SLOs next to the generated ones; see `slo` above.
    slos: { type: 'array', items: slo },
    // Default of every SLO's `include_synthetic` (generated SLOs included). Default false.
    include_synthetic: { type: 'boolean' },
    // Probes for quiet routes; see `probe` above.
    probes: { type: 'array', items: probe },
    // Signed webhooks from the outbox: url (http/https), secret or secret_env (the name of an
    // environment variable holding it), the events to send, account_id for the envelope.
    webhooks: { type: 'array', items: webhook },
    // The same downtime events by email: notify.email (SMTP settings, subscribers).
    notify: {
      type: 'object',
      additionalProperties: false,
      properties: { email },
    },
    // Scheduled maintenance. policy: klarna (<= 5 occasions and 15 hours a year, announced 7
    // days ahead), paywithmybank (announced 8 hours ahead, <= 4 hours or inside 00:00-04:00
    // Pacific), none (default: every window is excluded). Windows that break it still count.
    maintenance: {
      type: 'object',
      additionalProperties: false,
      properties: {
        policy: { enum: ['klarna', 'paywithmybank', 'none'] },
        windows: { type: 'array', items: window },
      },
    },
  },
};
