/**
 * The exchange variant used when distinct-request counting is on
 * (docs/sla-definitions.md#repeated-requests: repeated identical requests count once): it
 * computes `digest`, a keyed hash of method, target and body. Body bytes are hashed as
 * undici writes them upstream (no second reader on the request), so a request whose body
 * never reached the upstream (refused, upstream down) is digested over the part that did.
 * A subclass, so that the default exchange has no `onBodySent` for undici to call per chunk.
 *
 * HMAC-SHA-256 with the installation's key (store/digest-key.ts), not a plain hash: a card
 * number or a token has few enough possible values that anyone holding the log could
 * confirm a guess against SHA-1 of the request; without the key no value in the log can be
 * computed from the request. The cost per request is the one Hmac object the plain Hash
 * was (the key is a KeyObject made once, so nothing is copied or imported per request)
 * plus two SHA-256 blocks of the HMAC pads.
 *
 * The digest keeps DIGEST_HEX_CHARS hex digits (96 bits). Distinct counting reads 52 of
 * them (telemetry/digest-set.ts); the rest is there so that digests compared outside one
 * minute (a month of logs, ~1e9 requests) stay collision-free: the chance of any two equal
 * 96-bit values among n is about n^2 / 2^97, 6e-12 for n = 1e9, where 64 bits would give 3%.
 */
import { createHmac, createSecretKey, type Hmac, type KeyObject, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ProxyContext, ProxyResponse } from './context.js';
import { Exchange } from './exchange.js';

/** Hex digits of `digest` kept: 96 bits (see above). */
export const DIGEST_HEX_CHARS = 24;

/**
 * The key object of ProxyOptions.digest: a Buffer is the installation's key; `true` (tests,
 * embedding without a data dir) a random key for this process; off otherwise.
 */
export function digestKeyObject(digest: boolean | Buffer | undefined): KeyObject | null {
  if (digest === undefined || digest === false) return null;
  return createSecretKey(digest === true ? randomBytes(32) : digest);
}

export class DigestExchange extends Exchange {
  private hash: Hmac | null;

  constructor(ctx: ProxyContext, req: IncomingMessage, res: ProxyResponse) {
    super(ctx, req, res);
    const hash = createHmac('sha256', ctx.digestKey as KeyObject);
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
    // toString over the first bytes: one string, no full-length hex string to slice.
    this.digest = this.hash.digest().toString('hex', 0, DIGEST_HEX_CHARS / 2);
    this.hash = null;
  }
}
