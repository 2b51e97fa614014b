/**
 * Request-target checks (RFC 9112 3.2). The sidecar is a reverse proxy for one upstream,
 * never an open proxy: it only ever connects to the configured origin, whatever the target
 * says, and it refuses targets that name another host so that nobody can mistake it for a
 * forward proxy.
 *
 * Node's parser has already refused control characters, spaces, DEL and non-ASCII bytes
 * in the target (HPE_INVALID_URL); what remains to check is the shape.
 */

/**
 * Origin-form: a leading '/', then visible ASCII except '#' (a fragment is never part of a
 * request target), with every '%' starting a valid escape. Brackets, braces and '|' stay
 * allowed: real clients send `?filter[status]=x` unescaped and Node and nginx accept it.
 * An invalid escape (`%zz`, a trailing `%`) is refused because the upstream and the route
 * table could each decode it differently.
 */
const ORIGIN_FORM = /^\/(?:[!"$&-~]|%[0-9A-Fa-f]{2})*$/;

export function isValidOriginForm(target: string): boolean {
  return ORIGIN_FORM.test(target);
}

/** `http://authority/rest` or `https://...`; the scheme is case-insensitive. */
const ABSOLUTE_FORM = /^(https?):\/\/([^/?#]*)(.*)$/is;

/** What an absolute-form target resolved to. */
export interface AbsoluteTarget {
  /** The origin-form equivalent to forward, or '' when refused. */
  readonly originForm: string;
  /** Why it was refused, or '' when accepted. */
  readonly refusal: '' | 'foreign_host' | 'malformed_target';
  /** The target's authority as written, for X-Forwarded-Host (RFC 9112 3.2.2: it replaces Host). */
  readonly authority: string;
}

const FOREIGN: AbsoluteTarget = { originForm: '', refusal: 'foreign_host', authority: '' };
const MALFORMED: AbsoluteTarget = { originForm: '', refusal: 'malformed_target', authority: '' };

/** `host:80` for http and `host:443` for https name the same authority as `host`. */
function withoutDefaultPort(authority: string, scheme: string): string {
  if (scheme === 'http' && authority.endsWith(':80')) return authority.slice(0, -3);
  if (scheme === 'https' && authority.endsWith(':443')) return authority.slice(0, -4);
  return authority;
}

/**
 * Resolves an absolute-form target (`GET http://host/path`). RFC 9112 3.2.2 requires a
 * server to accept absolute-form, so a target naming this sidecar is normalised to
 * origin-form. "This sidecar" means the upstream's authority (a client configured with the
 * upstream's URL) or the address and port the connection arrived on. The Host header does
 * not count: a forward-proxy client sends Host equal to the foreign target, and honouring
 * it would make the sidecar look like an open proxy to every scanner. Any other authority,
 * userinfo in the authority, or a malformed rest is refused. Rare path: allocation is fine.
 *
 * @param selfAuthority `address:port` the request arrived on (`[v6]:port` for IPv6)
 * @param upstreamAuthority lower-case `host[:port]` of the upstream, default port omitted
 */
export function resolveAbsoluteForm(
  target: string,
  selfAuthority: string,
  upstreamAuthority: string,
): AbsoluteTarget {
  const m = ABSOLUTE_FORM.exec(target);
  if (m === null) return MALFORMED;
  const scheme = m[1]!.toLowerCase();
  const authority = m[2]!;
  const rest = m[3]!;
  if (authority === '') return MALFORMED;
  if (authority.includes('@')) return FOREIGN;
  const wanted = withoutDefaultPort(authority.toLowerCase(), scheme);
  if (wanted !== upstreamAuthority && wanted !== withoutDefaultPort(selfAuthority.toLowerCase(), scheme)) {
    return FOREIGN;
  }
  const originForm = rest === '' ? '/' : rest[0] === '?' ? `/${rest}` : rest;
  if (!isValidOriginForm(originForm)) return MALFORMED;
  return { originForm, refusal: '', authority };
}

/** The path for routing and observations: the target without its query string. */
export function pathOf(target: string): string {
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}

/** `address:port` of the local end of a connection, as an authority. */
export function localAuthority(address: string | undefined, port: number | undefined): string {
  if (address === undefined || port === undefined) return '';
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
