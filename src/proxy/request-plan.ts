/**
 * What the sidecar sends upstream for one client request, or why it refuses it, decided
 * before anything is dispatched: the target in origin form, the request id, the headers to
 * forward (hop-by-hop fields dropped, RFC 9110 7.6.1; X-Forwarded-*, Via and the request id
 * added) and whether a body follows. A refused request is never sent: "a malformed or
 * ambiguous request gets 400 and never reaches the upstream".
 *
 * Hot path: the answer is written into one module-level `RequestPlan` (as `requestScan` is),
 * so planning a request allocates its header array and nothing else. Read it before the
 * next call.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Routing } from './context.js';
import type { RefusalReason } from './errors-response.js';
import { requestScan, upstreamRequestHeaders, VIA_HTTP10, VIA_HTTP11 } from './headers.js';
import { isSyntheticMarker } from './synthetic.js';
import { isValidOriginForm, localAuthority, pathOf, resolveAbsoluteForm } from './target.js';

const SLASH = 0x2f;
const WEBSOCKET = /websocket/i;

/** How Node handed the request over: 'request', 'checkContinue' or 'checkExpectation'. */
export type Entry = 0 | 1 | 2;
export const ENTRY_REQUEST: Entry = 0;
/** `Expect: 100-continue`: answer 100 once the request is accepted. */
export const ENTRY_CONTINUE: Entry = 1;
/** Any other expectation: 417 (RFC 9110 10.1.1). */
export const ENTRY_EXPECTATION: Entry = 2;

export class RequestPlan {
  /** The request target in origin form (an accepted absolute form is rewritten). */
  target = '';
  /** The target's path, without the query: what the route table matches. */
  path = '';
  /** The client's `x-request-id` when sane, else a fresh UUID. */
  requestId = '';
  /** Flat name/value pairs for undici; forwarding fields only when not refused. */
  headers: string[] = [];
  hasBody = false;
  /**
   * Answer, then close the connection and forward nothing pipelined behind: an HTTP/1.0
   * request that carried Transfer-Encoding (RFC 9112 6.1: "MUST treat the message as if
   * the framing is faulty ... and close the connection after processing the message").
   */
  closeAfter = false;
  refusal: RefusalReason | null = null;
  /** Sent by this process's probe runner (synthetic.ts); its observation is labelled synthetic. */
  synthetic = false;
}

export const requestPlan = new RequestPlan();

/**
 * `host[:port]` as RFC 3986 allows it (reg-name, IPv4 or a bracketed IPv6 literal). Checked
 * only when the client's Host is forwarded (`preserveHost`): RFC 9112 3.2 wants a 400 for an
 * invalid Host, and an upstream must not route on one the sidecar let through.
 */
const HOST_VALUE =
  /^(?:[A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})+(?::\d{0,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{0,5})?$/;

/**
 * Fills `plan` for `req`; `upstreamAuthority` is the only host an absolute form may name.
 * `preserveHost`: send the client's Host (or an accepted absolute form's authority, which
 * RFC 9112 3.2.2 says replaces Host) instead of letting undici send the upstream's.
 */
export function planRequest(
  req: IncomingMessage,
  entry: Entry,
  upstreamAuthority: string,
  plan: RequestPlan,
  preserveHost = false,
  forwardedProto: 'http' | 'https' = 'http',
): RequestPlan {
  const scan = requestScan;
  const headers = upstreamRequestHeaders(req.rawHeaders, scan);
  plan.headers = headers;
  plan.requestId = scan.requestId !== '' ? scan.requestId : randomUUID();
  plan.hasBody = scan.hasBody;
  plan.closeAfter = scan.transferEncoding && req.httpVersionMinor === 0;
  plan.synthetic =
    scan.synthetic !== '' &&
    isSyntheticMarker(scan.synthetic, req.socket.remoteAddress, req.socket.localAddress);
  let target = req.url ?? '';
  let forwardedHost = scan.host;
  let refusal: RefusalReason | null = null;
  if (target.charCodeAt(0) === SLASH) {
    if (!isValidOriginForm(target)) refusal = 'malformed_target';
  } else {
    const self = localAuthority(req.socket.localAddress, req.socket.localPort);
    const abs = resolveAbsoluteForm(target, self, upstreamAuthority);
    if (abs.refusal !== '') {
      refusal = abs.refusal;
    } else {
      target = abs.originForm;
      forwardedHost = abs.authority;
    }
  }
  plan.target = target;
  plan.path = pathOf(target);
  if (refusal === null) {
    // TRACE echoes the request back, Cookie and Authorization included (cross-site
    // tracing); a payment API has no use for it. Node upper-cases the methods it knows.
    if (req.method === 'TRACE') refusal = 'method_not_allowed';
    // Only HTTP/1.0 and 1.1 are spoken here; Node also parses "HTTP/0.9" and "HTTP/2.0"
    // request lines with headers, which no conforming client sends.
    else if (req.httpVersionMajor !== 1 || req.httpVersionMinor > 1) refusal = 'unsupported_version';
    // Look-alike framing fields: refused with the connection closed, as Node refuses
    // real framing conflicts (headers.ts says why).
    else if (scan.framingLookAlike || scan.ambiguousTransferEncoding) refusal = 'ambiguous_framing';
    // RFC 9112 6.1: "A server that receives a request message with a transfer coding it
    // does not understand SHOULD respond with 501". Forwarding it would mean sending the
    // coding upstream intact, which undici (it frames bodies itself) does not allow.
    else if (scan.otherTransferCoding) refusal = 'transfer_coding_not_supported';
    else if (scan.hostCount > 1) refusal = 'multiple_host';
    // RFC 9112 3.2: an HTTP/1.1 request without Host gets 400.
    else if (scan.hostCount === 0 && req.httpVersionMinor === 1) refusal = 'missing_host';
    else if (preserveHost && forwardedHost !== '' && !HOST_VALUE.test(forwardedHost)) refusal = 'bad_request';
    else if (entry === ENTRY_EXPECTATION) refusal = 'expectation_failed';
    // Other upgrades (h2c) are ignored, as RFC 9110 7.8 allows: the field is hop-by-hop.
    else if (scan.upgrade !== '' && WEBSOCKET.test(scan.upgrade)) refusal = 'upgrade_not_supported';
  }
  plan.refusal = refusal;
  if (refusal !== null) return plan;

  const addr = req.socket.remoteAddress;
  const xff =
    addr === undefined
      ? scan.forwardedFor
      : scan.forwardedFor === ''
        ? addr
        : `${scan.forwardedFor}, ${addr}`;
  if (xff !== '') headers.push('x-forwarded-for', xff);
  // Without preserveHost, undici writes the upstream's own Host (its default).
  if (preserveHost && forwardedHost !== '') headers.push('host', forwardedHost);
  headers.push('x-forwarded-proto', forwardedProto);
  if (forwardedHost !== '') headers.push('x-forwarded-host', forwardedHost);
  const via = req.httpVersionMinor === 0 ? VIA_HTTP10 : VIA_HTTP11;
  headers.push('via', scan.via === '' ? via : `${scan.via}, ${via}`, 'x-request-id', plan.requestId);
  return plan;
}

/**
 * After routing: a GET or HEAD with a body is refused (400) unless its route sets
 * `allow_body_on_get`. RFC 9110 9.3.1 gives such a body "no generally defined semantics"
 * and warns that some implementations reject it; an origin that ignores the body would
 * read it as the next request on a reused connection, the desync a body-less GET invites.
 * Hot path: a request without a body costs one property read.
 */
export function refuseBodyOnGet(
  plan: RequestPlan,
  method: string,
  routing: Routing,
  routeIndex: number,
): void {
  if (!plan.hasBody || plan.refusal !== null || (method !== 'GET' && method !== 'HEAD')) return;
  if (routing.allowsBodyOnGet?.(routeIndex) !== true) plan.refusal = 'body_not_allowed';
}
