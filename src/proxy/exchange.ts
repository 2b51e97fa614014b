/**
 * One proxied request: the per-request state object. It is at once the undici dispatch
 * handler and the `Observation` handed to the sink, so a request allocates this object,
 * its header arrays and the dispatch options, and no closures.
 *
 * Hot path: the handler uses undici's raw handler methods (`onConnect`, `onHeaders`,
 * `onData`, `onComplete`, `onError`): undici 7 calls them directly, whereas a handler with
 * the newer `onRequestStart` family is wrapped per request and has its response headers
 * parsed into an object we would then throw away. Event listeners are module-level
 * functions that find the exchange through `ProxyResponse.exchange`.
 *
 * Timing (docs/sla-definitions.md#latency-p99: "measured ... at the edge"): `t0` when Node emits the
 * request (headers parsed); `tReceived` when the request is fully received, that is `t0`
 * for a request without a body, else the moment its last body byte is read (undici's
 * `onRequestSent`, called from the body's 'end'); the SLI ends at the upstream response
 * headers (`onHeaders`). Total duration ends when the response is finished or abandoned.
 *
 * One retry (the keep-alive race: the upstream closes an idle connection just as the pool
 * reuses it; nginx's `proxy_next_upstream error` covers the same case): a GET, HEAD or
 * OPTIONS without a body whose upstream connection was reset or closed before any response
 * headers is dispatched once more, same headers and request id, on a connection of its own
 * (never another kept-alive one, which may be as dead as the first). Only safe methods (RFC
 * 9110 9.2.1): the sidecar cannot tell a request the upstream never read from one it
 * acted on before dying, and for payment APIs DELETE cancels or voids, so replaying it
 * could turn the first attempt's success into a 404 or 409. Not after a refused
 * connection (the upstream is down: a second attempt only adds latency) nor a timeout.
 * The SLI still starts when the request was received: the failed attempt is latency the
 * client waited through, so it ends at the headers of the attempt that answered.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import type { Observation, UpstreamErrorReason } from '../telemetry/observation.js';
import { type OwedRefusal, settleOwedRefusal } from './client-error.js';
import type { ProxyContext, ProxyResponse, Routing } from './context.js';
import {
  ownResponseHeaders,
  REFUSAL_STATUS,
  type RefusalReason,
  refusalBody,
  statusForReason,
  upstreamErrorBody,
  upstreamErrorReason,
} from './errors-response.js';
import { clientResponseHeaders } from './headers.js';
import { ENTRY_CONTINUE, type Entry, planRequest, refuseBodyOnGet, requestPlan } from './request-plan.js';

const NS_PER_MS = 1e6;

/**
 * The handler methods undici 7 actually calls on a handler without `onRequestStart`
 * (lib/core/request.js). Its typings mark them deprecated and give `onBodySent` the wrong
 * signature (it receives the chunk), hence this local description.
 */
interface RawHandler {
  onConnect(abort: (err?: Error) => void): void;
  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(trailers: unknown): void;
  onError(err: Error): void;
  onRequestSent(): void;
}

export class Exchange implements Observation, RawHandler {
  // ---- Observation
  routeIndex = 0;
  readonly method: string;
  path = '';
  status = 0;
  errorReason: UpstreamErrorReason | null = null;
  clientAborted = false;
  readonly startMs: number;
  sliNs = -1;
  durationNs = 0;
  requestId = '';
  digest: string | null = null;
  paymentVariant = 0;
  /** Sent by the probe runner (request-plan.ts decides); recorded apart, labelled synthetic. */
  synthetic = false;

  // ---- state
  private req: IncomingMessage | null;
  private res: ProxyResponse | null;
  private readonly ctx: ProxyContext;
  /**
   * The routing current when the request arrived: `routeIndex` indexes its table and the
   * observation goes to its sink, even if reloads swap the server's routing meanwhile.
   */
  private readonly routing: Routing;
  private readonly t0: number;
  private tReceived = -1;
  private hasBody = false;
  /** True until dispatched, and again once undici is done with the request. */
  private upstreamDone = true;
  private abort: ((err?: Error) => void) | null = null;
  /** undici's parser resume, kept while its response is paused on client backpressure. */
  private resume: (() => void) | null = null;
  private drainListening = false;
  /** The sidecar wrote a complete response of its own (refusal or 502/504). */
  private selfAnswered = false;
  private finished = false;
  /** The sidecar stopped the upstream request; undici's resulting onError is not news. */
  private cancelled = false;
  private queuedSocket: Socket | null = null;
  private onQueuedClose: (() => void) | null = null;
  /** Kept for the one retry (`retryUpstream`): the same options, headers and request id. */
  private opts: Dispatcher.DispatchOptions | null = null;
  private retried = false;
  /** A malformed request that followed this one on its connection, answered after it. */
  private owed: OwedRefusal | null = null;

  constructor(ctx: ProxyContext, req: IncomingMessage, res: ProxyResponse) {
    this.t0 = performance.now();
    this.startMs = Date.now();
    this.ctx = ctx;
    this.routing = ctx.routing;
    this.req = req;
    this.res = res;
    this.method = req.method ?? '';
  }

  /** Validates, then dispatches upstream or refuses. Never throws. */
  start(entry: Entry): void {
    const ctx = this.ctx;
    const req = this.req!;
    const res = this.res!;
    res.exchange = this;
    res.on('close', onResponseClose);
    ctx.inflight++;
    // A pipelined request whose response waits behind an earlier one has no socket yet;
    // if the connection dies first, Node never emits 'close' on that response.
    if (res.socket === null) this.watchQueued(req.socket);
    try {
      this.dispatch(entry, ctx, req, res);
    } catch (err) {
      this.failUpstream(upstreamErrorReason(err));
    }
  }

  private dispatch(entry: Entry, ctx: ProxyContext, req: IncomingMessage, res: ProxyResponse): void {
    const plan = planRequest(
      req,
      entry,
      ctx.upstreamAuthority,
      requestPlan,
      ctx.preserveHost,
      ctx.forwardedProto,
    );
    this.requestId = plan.requestId;
    this.path = plan.path;
    this.synthetic = plan.synthetic;
    // Refused requests are routed too: they count against the route they were aimed at.
    const routeIndex = ctx.routeOf(this.routing, this.method, plan.path);
    this.routeIndex = routeIndex;
    this.paymentVariant = ctx.variantOf(this.routing, routeIndex, req);
    refuseBodyOnGet(plan, this.method, this.routing, routeIndex);
    // Pipelined behind a response that closes the connection: this request can never be
    // answered, so it is not sent (a refused request cannot carry a second one upstream).
    // It ends with the connection, recorded as abandoned, as Node drops such requests.
    if (res.socket === null && ctx.condemned.has(req.socket)) return;
    if (plan.refusal !== null) {
      this.refuse(plan.refusal);
      return;
    }
    if (plan.closeAfter) {
      res.shouldKeepAlive = false;
      ctx.condemned.add(req.socket);
    }
    this.hasBody = plan.hasBody;
    if (!plan.hasBody) this.tReceived = this.t0;
    // 100 is sent only once the request is accepted, so a refused client never sends its body.
    if (entry === ENTRY_CONTINUE) res.writeContinue();
    this.upstreamDone = false;
    // `servername` is undici's Request option, missing from its DispatchOptions type.
    const opts: Dispatcher.DispatchOptions & { servername: string | undefined } = {
      path: plan.target,
      method: this.method,
      headers: plan.headers,
      body: plan.hasBody ? req : null,
      headersTimeout: this.routing.routeTimeoutMs(routeIndex),
      servername: ctx.servername,
    };
    this.opts = opts;
    ctx.pool.dispatch(opts, this as unknown as Dispatcher.DispatchHandler);
  }

  // ---- undici handler ------------------------------------------------------------------

  onConnect(abort: (err?: Error) => void): void {
    // Cancelled while queued in the pool (the client went away): stop before sending.
    if (this.cancelled) abort();
    else this.abort = abort;
  }

  onRequestSent(): void {
    if (this.hasBody) this.tReceived = performance.now();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    // 1xx interim responses (103 Early Hints) are not forwarded.
    if (statusCode < 200) return true;
    const res = this.res;
    if (res === null) return false;
    const now = performance.now();
    // An upstream may answer before the body is fully received (an early 413): SLI 0.
    this.sliNs = this.tReceived < 0 ? 0 : Math.round((now - this.tReceived) * NS_PER_MS);
    this.resume = resume;
    if (this.ctx.closing) res.shouldKeepAlive = false;
    try {
      res.writeHead(
        statusCode,
        statusText === '' ? undefined : statusText,
        clientResponseHeaders(rawHeaders, this.requestId),
      );
    } catch {
      // Node refused a header undici accepted: the response cannot be relayed as is.
      this.cancelUpstream();
      this.failUpstream('protocol');
      return false;
    }
    this.status = statusCode;
    return true;
  }

  onData(chunk: Buffer): boolean {
    const res = this.res;
    if (res === null) return false;
    if (res.write(chunk)) return true;
    // Client backpressure: undici pauses reading the upstream until 'drain' resumes it.
    if (!this.drainListening) {
      this.drainListening = true;
      res.on('drain', onResponseDrain);
    }
    return false;
  }

  onComplete(_trailers: unknown): void {
    // Trailers are dropped: `Trailer` is hop-by-hop and no payment API relies on them.
    this.upstreamDone = true;
    this.abort = null;
    this.resume = null;
    const res = this.res;
    if (res !== null && !res.destroyed) res.end();
  }

  onError(err: Error): void {
    this.upstreamDone = true;
    this.abort = null;
    this.resume = null;
    const res = this.res;
    if (this.cancelled || res === null || res.destroyed) return;
    const req = this.req;
    // The request body failed: the client went away mid-upload, not the upstream.
    if (req !== null && (req.errored !== null || (req.destroyed && !req.complete))) {
      this.clientAborted = true;
      res.destroy();
      return;
    }
    const reason = upstreamErrorReason(err);
    // `reset` is undici's "other side closed" and ECONNRESET/EPIPE: the keep-alive race.
    // No headers yet (sliNs) means nothing but a possible 100 Continue reached the client.
    if (reason === 'reset' && !this.retried && !this.hasBody && this.sliNs < 0 && isSafe(this.method)) {
      this.retried = true;
      this.upstreamDone = false;
      this.ctx.retries++;
      // A tick later: undici calls onError while still tearing down the dead connection.
      process.nextTick(retryUpstream, this);
      return;
    }
    this.failUpstream(reason);
  }

  /** The one retry (see the header comment); the client may have gone in between. */
  redispatch(): void {
    const opts = this.opts;
    if (this.cancelled || this.res === null || opts === null) return;
    try {
      this.ctx.retryPool.dispatch(opts, this as unknown as Dispatcher.DispatchHandler);
    } catch (err) {
      this.upstreamDone = true;
      this.failUpstream(upstreamErrorReason(err));
    }
  }

  // ---- responses of our own -------------------------------------------------------------

  /** 502/504 with a JSON body, or, once headers went out, a destroyed response. */
  private failUpstream(reason: UpstreamErrorReason): void {
    this.errorReason = reason;
    const res = this.res;
    if (res === null || res.destroyed) return;
    if (res.headersSent) {
      // The status line is gone; cutting the response is the only honest signal left.
      res.destroy();
      return;
    }
    // An unread body would be drained to keep the connection: close it instead.
    const req = this.req;
    const close = this.ctx.closing || (this.hasBody && req !== null && !req.complete);
    this.writeOwn(res, statusForReason(reason), upstreamErrorBody(reason, this.requestId), close);
  }

  /** A refusal: the upstream is never contacted. Closes the connection. */
  refuse(reason: RefusalReason): void {
    const res = this.res;
    if (res === null || res.destroyed) return;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    this.writeOwn(res, REFUSAL_STATUS[reason], refusalBody(reason, this.requestId), true);
  }

  private writeOwn(res: ProxyResponse, status: number, body: string, close: boolean): void {
    if (close && this.req !== null) this.ctx.condemned.add(this.req.socket);
    try {
      res.writeHead(status, ownResponseHeaders(status, body, this.requestId, close));
      this.status = status;
      this.selfAnswered = true;
      res.end(body);
    } catch {
      res.destroy();
    }
  }

  /**
   * Node's parser failed on this connection while this request was in flight (a broken
   * chunked body, the request timeout): answer with `reason` if nothing was sent yet and
   * stop the upstream request.
   */
  clientProtocolError(reason: RefusalReason): void {
    if (this.finished) return;
    this.refuse(reason);
    this.cancelUpstream();
  }

  /** Recorded already: the response is done or abandoned. */
  get isFinished(): boolean {
    return this.finished;
  }

  /** Whether this request was received whole (a parse error after it is another request's). */
  get requestComplete(): boolean {
    return this.req?.complete === true;
  }

  /**
   * Node's parser failed on bytes that came after this complete request: this exchange
   * runs to its end and its real response is delivered; the refusal is written after it
   * and closes the connection (`finish`). False when it is too late to promise that.
   */
  answerAfter(owed: OwedRefusal): boolean {
    if (this.finished || this.owed !== null) return false;
    this.owed = owed;
    return true;
  }

  private cancelUpstream(): void {
    if (this.upstreamDone) return;
    this.upstreamDone = true;
    this.cancelled = true;
    const abort = this.abort;
    this.abort = null;
    this.resume = null;
    // Not yet connected: onConnect sees `cancelled` and aborts then.
    if (abort !== null) abort();
  }

  // ---- end of the exchange ---------------------------------------------------------------

  /** Called once, when the response is finished or abandoned: records the Observation. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.durationNs = Math.round((performance.now() - this.t0) * NS_PER_MS);
    const res = this.res!;
    if (!res.writableFinished) {
      if (this.errorReason === null && !this.selfAnswered) {
        // Cut by the shutdown deadline: the sidecar's doing, not the client's.
        if (this.ctx.killing) this.errorReason = 'other';
        else this.clientAborted = true;
      }
      if (!res.headersSent) this.status = 0;
    }
    // The client is gone (or the response is done): stop the upstream request if it runs.
    this.cancelUpstream();
    if (this.queuedSocket !== null && this.onQueuedClose !== null) {
      this.queuedSocket.off('close', this.onQueuedClose);
      this.queuedSocket = null;
      this.onQueuedClose = null;
    }
    this.completeDigest();
    this.opts = null;
    res.exchange = null;
    this.res = null;
    this.req = null;
    const ctx = this.ctx;
    ctx.inflight--;
    ctx.observe(this.routing, this);
    if (this.owed !== null) settleOwedRefusal(ctx, this.owed);
    if (ctx.closing && ctx.inflight === 0 && ctx.onDrained !== null) ctx.onDrained();
  }

  protected completeDigest(): void {}

  // Rare path (HTTP pipelining), so a closure per watched request is acceptable here.
  private watchQueued(socket: Socket): void {
    this.ctx.lastQueued.set(socket, this);
    const onClose = (): void => {
      this.queuedSocket = null;
      this.onQueuedClose = null;
      this.finish();
    };
    this.queuedSocket = socket;
    this.onQueuedClose = onClose;
    socket.once('close', onClose);
  }

  /** Called from the response's 'drain'. */
  resumeUpstream(): void {
    const resume = this.resume;
    if (resume !== null) resume();
  }
}

/** Safe methods (RFC 9110 9.2.1): the only ones retried. Node upper-cases known methods. */
function isSafe(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}

function retryUpstream(ex: Exchange): void {
  ex.redispatch();
}

function onResponseClose(this: ProxyResponse): void {
  const ex = this.exchange;
  if (ex !== null) ex.finish();
}

function onResponseDrain(this: ProxyResponse): void {
  const ex = this.exchange;
  if (ex !== null) ex.resumeUpstream();
}
