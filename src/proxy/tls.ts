/**
 * TLS on both sides of the proxy: how the upstream pool connects to an https upstream
 * (trusted CAs, client certificate, SNI, oldest version) and the secure context of an HTTPS
 * proxy listener. Built once per pool or per reload, never per request.
 */
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import type { buildConnector as BuildConnector } from 'undici';
import type { ListenerTls, UpstreamTls } from '../config/types.js';

const require = createRequire(import.meta.url);

/**
 * undici's connector factory by path, for the reason pool.ts gives (the package entry loads
 * far more than the pool); the Pool module already loaded it, so this costs nothing.
 * test/tls/upstream-tls.test.ts checks it is the function the package exports.
 */
export const CONNECT_MODULE = 'undici/lib/core/connect.js';
const buildConnector = require(CONNECT_MODULE) as typeof BuildConnector;

const DEFAULT_MIN_VERSION = 'TLSv1.2';

/** The name an https upstream is reached as: SNI and certificate check (undefined for none). */
export function upstreamServername(url: URL, tls: UpstreamTls | undefined): string | undefined {
  if (tls?.servername !== undefined) return tls.servername;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return isIP(host) === 0 ? host : undefined;
}

/**
 * The pool's `connect` for an https upstream. Why a function rather than undici's options
 * object: undici takes a request's SNI from its Host header when the request names one, and
 * with `preserve_host` that header is the client's, so the client would choose the SNI (and
 * the name the certificate is checked against), and every new Host would make undici drop
 * the connection ("servername changed"). This connector always uses the configured name and
 * the exchange passes the same constant servername on every dispatch (`dispatchServername`).
 *
 * `rejectUnauthorized: true` is explicit so that NODE_TLS_REJECT_UNAUTHORIZED=0 in the
 * environment cannot switch verification off: there is no setting that does.
 */
export function upstreamConnector(
  url: URL,
  tls: UpstreamTls | undefined,
  timeoutMs: number,
): BuildConnector.connector {
  const servername = upstreamServername(url, tls);
  const connect = buildConnector({
    timeout: timeoutMs,
    rejectUnauthorized: true,
    minVersion: tls?.minVersion ?? DEFAULT_MIN_VERSION,
    ...(servername === undefined ? {} : { servername }),
    ...(tls?.ca === undefined ? {} : { ca: tls.ca.pem }),
    ...(tls?.cert === undefined || tls.key === undefined
      ? {}
      : { cert: tls.cert.pem, key: tls.key.pem.reveal() }),
  });
  // One object per connection, not per request. An empty servername makes undici fall back
  // to the options' (the configured one) and then to the URL's host, never to a Host header.
  return (opts, callback) => connect({ ...opts, servername: '' }, callback);
}

/**
 * The `servername` every dispatch to an https upstream carries: any constant will do (the
 * connector ignores it); it only keeps undici from deriving one per request from Host.
 */
export function dispatchServername(url: URL, tls: UpstreamTls | undefined): string | undefined {
  if (url.protocol !== 'https:') return undefined;
  return upstreamServername(url, tls) ?? url.hostname;
}

/** The listener's certificate, key and oldest version, for createServer and setSecureContext. */
export function listenerSecureOptions(tls: ListenerTls): SecureContextOptions {
  return { cert: tls.cert.pem, key: tls.key.pem.reveal(), minVersion: tls.minVersion };
}
