/**
 * The exchange variant used when distinct-request counting is on (seed 003: "repeated
 * identical requests count once"): it computes `digest`, the sha1 of method, target and
 * body. Body bytes are hashed as undici writes them upstream (no second reader on the
 * request), so a request whose body never reached the upstream (refused, upstream down)
 * is digested over the part that did. A subclass, so that the default exchange has no
 * `onBodySent` for undici to call per chunk.
 */
import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ProxyContext, ProxyResponse } from './context.js';
import { Exchange } from './exchange.js';

export class DigestExchange extends Exchange {
  private hash: Hash | null;

  constructor(ctx: ProxyContext, req: IncomingMessage, res: ProxyResponse) {
    super(ctx, req, res);
    const hash = createHash('sha1');
    hash.update(this.method);
    hash.update(' ');
    hash.update(req.url ?? '');
    hash.update('\n');
    this.hash = hash;
  }

  /** undici passes every body chunk it writes upstream (lib/core/request.js). */
  onBodySent(chunk: Buffer): void {
    if (this.hash !== null) this.hash.update(chunk);
  }

  protected override completeDigest(): void {
    if (this.hash === null) return;
    this.digest = this.hash.digest('hex');
    this.hash = null;
  }
}
