/**
 * The proxy itself: the upstream it forwards to, the listener clients reach, TLS on either
 * side, the upstream timeouts, and the admin listener (metrics, health, JSON API).
 */
import type { SchemaObject } from 'ajv';
import { duration } from './common.js';

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

/**
 * `upstream`: the one origin requests are forwarded to: http or https, no path
 * (`http://127.0.0.1:9000`). The long form `{ url: ORIGIN, preserve_host?, tls? }` adds:
 * preserve_host (default false: the upstream gets Host set to its own authority, as nginx's
 * proxy_pass does; true: the client's Host), and `tls` (https only; see `upstreamTls` above).
 */
export const upstream: SchemaObject = {
  type: ['string', 'object'],
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: { type: 'string', 'x-hint': 'an http or https origin such as "https://api.provider.example"' },
    preserve_host: { type: 'boolean' },
    tls: upstreamTls,
  },
  'x-hint': 'an http or https origin such as "http://127.0.0.1:9000", or { url: ORIGIN, tls: {...} }',
};

/**
 * `listen`: the proxy listener, `host:port` (`[::1]:8080` for IPv6, `:8080` or `8080` for all
 * interfaces). Default 0.0.0.0:8080. The long form
 * `{ address: HOST:PORT, tls: { cert, key, min_version? } }` serves HTTPS.
 */
export const listen: SchemaObject = {
  type: ['string', 'integer', 'object'],
  additionalProperties: false,
  required: ['tls'],
  properties: {
    address: { type: ['string', 'integer'], 'x-hint': 'host:port such as "0.0.0.0:8443", or a port' },
    tls: listenerTls,
  },
  'x-hint': 'host:port such as "0.0.0.0:8080", a port, or { address: HOST:PORT, tls: { cert, key } }',
};

/**
 * `admin`: the admin listener (metrics, health, JSON API). Default 0.0.0.0:9464. The long
 * form `{ listen: HOST:PORT, token: SECRET }` also enables the Downtime API's writes (POST,
 * PATCH) for `Authorization: Bearer SECRET`; env SLOPROBE_ADMIN_TOKEN takes precedence.
 */
export const admin: SchemaObject = {
  type: ['string', 'integer', 'object'],
  additionalProperties: false,
  properties: {
    listen: { type: ['string', 'integer'], 'x-hint': 'host:port such as "0.0.0.0:9464", or a port' },
    token: { type: 'string', 'x-hint': 'a secret of 16 characters or more' },
  },
  'x-hint': 'host:port such as "0.0.0.0:9464", a port, or { listen: HOST:PORT, token: SECRET }',
};

/**
 * `timeouts`: upstream timeouts. connect: TCP/TLS connect (2s); headers: until response
 * headers (30s, per-route `timeout` overrides it); body: between body chunks (60s); idle:
 * keep-alive sockets (60s). client_headers: the one client-side limit, how long a client may
 * take to send its request headers (60s; slowloris).
 */
export const timeouts: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    connect: duration,
    headers: duration,
    body: duration,
    idle: duration,
    client_headers: duration,
  },
};
