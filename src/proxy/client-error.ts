/**
 * Requests that never become a ServerResponse: CONNECT (Node hands over the raw socket)
 * and requests Node's parser rejects ('clientError': ambiguous framing such as
 * Content-Length with Transfer-Encoding, invalid characters, oversized headers, the request
 * timeout). None of them reaches the upstream. Each still gets a JSON answer naming a
 * request id and is observed once, like every other request. Rare paths.
 *
 * A parse error that follows complete requests on the same connection (a client that
 * pipelines `XYZ / HTTP/1.1` behind a POST the upstream is still running) belongs to the
 * bytes after them: those requests keep their real responses, and the refusal is written
 * after the last of them, then the connection closes. Answering 400 in their place would
 * tell the client "not processed" about a payment the upstream made.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Observation, UpstreamErrorReason } from '../telemetry/observation.js';
import { type ProxyContext, ProxyResponse } from './context.js';
import { REFUSAL_STATUS, type RefusalReason, rawRefusal } from './errors-response.js';
import { isSaneRequestId } from './headers.js';
import { isValidOriginForm, pathOf } from './target.js';

/** The Observation of a request answered without a ServerResponse. */
export class RawObservation implements Observation {
  readonly errorReason: UpstreamErrorReason | null = null;
  readonly startMs = Date.now();
  readonly sliNs = -1;
  /** Answered from the parser's callback: there is no meaningful span to time. */
  readonly durationNs = 0;
  readonly digest: string | null = null;

  constructor(
    readonly routeIndex: number,
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly requestId: string,
    /** Never answered: the connection closed before its turn (excluded, like an abandoned request). */
    readonly clientAborted = false,
  ) {}
}

function requestIdOf(raw: readonly string[]): string {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 12 && name.toLowerCase() === 'x-request-id' && isSaneRequestId(raw[i + 1]!))
      return raw[i + 1]!;
  }
  return randomUUID();
}

function noop(): void {}

/** Routed and recorded by the routing current now: one table for both. */
function recordRaw(
  ctx: ProxyContext,
  method: string,
  path: string,
  status: number,
  requestId: string,
  unanswered = false,
): void {
  const routing = ctx.routing;
  const route = ctx.routeOf(routing, method, path);
  ctx.observe(routing, new RawObservation(route, method, path, status, requestId, unanswered));
}

/** A refusal owed to a malformed request, to be written once the responses before it are. */
export class OwedRefusal {
  readonly requestId = randomUUID();
  constructor(
    readonly socket: Duplex,
    readonly reason: RefusalReason,
    readonly method: string,
    readonly path: string,
  ) {}
}

/**
 * Called by the last exchange before the malformed request when it ends: writes the
 * refusal and closes the connection, or, if the connection is already gone or closing
 * (the response before was cut, or closed it), records the request as never answered.
 */
export function settleOwedRefusal(ctx: ProxyContext, owed: OwedRefusal): void {
  const { socket, reason, method, path, requestId } = owed;
  if (socket.writable && !socket.destroyed) {
    socket.end(rawRefusal(reason, requestId), () => socket.destroy());
    recordRaw(ctx, method, path, REFUSAL_STATUS[reason], requestId);
  } else {
    socket.destroy();
    recordRaw(ctx, method, path, 0, requestId, true);
  }
}

/** CONNECT: 405, never a tunnel (RFC 9110 9.3.6 makes tunnelling a proxy's job, not ours). */
export function refuseConnect(ctx: ProxyContext, req: IncomingMessage, socket: Duplex): void {
  socket.on('error', noop);
  const requestId = requestIdOf(req.rawHeaders);
  // An authority-form target (`host:443`) has no path; record it as sent.
  const path = req.url ?? '';
  socket.end(rawRefusal('connect_not_allowed', requestId));
  recordRaw(ctx, 'CONNECT', path, 405, requestId);
}

const FRAMING_CODES = new Set([
  'HPE_INVALID_TRANSFER_ENCODING',
  'HPE_UNEXPECTED_CONTENT_LENGTH',
  'HPE_INVALID_CONTENT_LENGTH',
]);

function refusalFor(code: string): RefusalReason {
  if (code === 'HPE_HEADER_OVERFLOW') return 'header_too_large';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'request_timeout';
  if (code === 'HPE_INVALID_URL') return 'malformed_target';
  if (FRAMING_CODES.has(code)) return 'ambiguous_framing';
  return 'bad_request';
}

const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}) (\S{1,8192}) HTTP\/1\.[01]\r?\n/;

/** Best effort: the method and path of the rejected request, from the bytes Node kept. */
function requestLineOf(raw: unknown): [string, string] {
  if (!Buffer.isBuffer(raw)) return ['', ''];
  const m = REQUEST_LINE.exec(raw.toString('latin1', 0, Math.min(raw.length, 8300)));
  if (m === null) return ['', ''];
  const target = m[2]!;
  return [m[1]!, isValidOriginForm(target) ? pathOf(target) : ''];
}

/**
 * Replaces Node's default 'clientError' handling (which writes a bare 400 and would leave
 * the request unobserved). Like Node: nothing is written to a socket that is gone or that
 * already carries part of a response, and the connection is closed.
 */
export function onClientError(
  ctx: ProxyContext,
  err: Error & { code?: string; rawPacket?: unknown },
  socket: Duplex,
): void {
  const code = err.code ?? '';
  const inFlight = (socket as { _httpMessage?: unknown })._httpMessage;
  // ECONNRESET, or EOF in the middle of a request (HPE_INVALID_EOF_STATE): the client left.
  // An exchange in flight records that as a client abort through its response's 'close'.
  if (code === 'ECONNRESET' || code === 'HPE_INVALID_EOF_STATE' || !socket.writable) {
    socket.destroy();
    return;
  }
  const reason = refusalFor(code);
  if (inFlight instanceof ProxyResponse && inFlight.exchange !== null) {
    // The parser was on the latest request of the connection: one pipelined behind the
    // response in flight, if any is still running, else the one in flight.
    const queued = ctx.lastQueued.get(socket as Socket);
    const latest = queued !== undefined && !queued.isFinished ? queued : inFlight.exchange;
    if (!latest.requestComplete) {
      // Broken body framing or a request timeout mid-upload: that exchange answers and
      // stops its upstream request; its response closes the connection.
      latest.clientProtocolError(reason);
      return;
    }
    // The error is in bytes after every request received (see the header). Already
    // closing after its current responses (a refusal, or an answer owed since an earlier
    // error): nothing more is answered on it.
    if (ctx.condemned.has(socket as Socket)) return;
    const [method, path] = requestLineOf(err.rawPacket);
    // The parser cannot go on: stop reading, answer after the latest response.
    socket.pause();
    if (latest.answerAfter(new OwedRefusal(socket, reason, method, path))) {
      ctx.condemned.add(socket as Socket);
      return;
    }
    socket.destroy();
    return;
  }
  if (inFlight !== undefined && inFlight !== null) {
    socket.destroy();
    return;
  }
  const [method, path] = requestLineOf(err.rawPacket);
  const requestId = randomUUID();
  socket.end(rawRefusal(reason, requestId), () => socket.destroy());
  recordRaw(ctx, method, path, REFUSAL_STATUS[reason], requestId);
}
