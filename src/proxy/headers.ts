/**
 * Header translation in both directions (RFC 9110 7.6.1): hop-by-hop fields and every
 * field named in `Connection` are dropped, forwarding fields are added. Headers travel as
 * flat `[name, value, name, value]` arrays from Node's `rawHeaders` and undici's raw
 * buffers, because both ends accept that form without building a header object.
 *
 * Hot path: names are classified by length first, then compared case-insensitively in
 * place, so no header name is lower-cased (no string allocated) unless `Connection` names
 * extra fields, which real clients almost never do.
 */

// What a header name means to the proxy. Plain numeric constants: a switch over them
// compiles to integer compares, with no enum object to load from.
const PASS = 0;
/** Always hop-by-hop: Keep-Alive, Proxy-Connection, TE, Trailer, Proxy-Authenticate, Proxy-Authorization. */
const HOP = 1;
const CONNECTION = 2;
const TRANSFER_ENCODING = 3;
const UPGRADE = 4;
const CONTENT_LENGTH = 5;
const HOST = 6;
const EXPECT = 7;
const REQUEST_ID = 8;
const FORWARDED_FOR = 9;
/** X-Forwarded-Host and X-Forwarded-Proto: the sidecar describes its own hop. */
const FORWARDED_REPLACED = 10;
const VIA = 11;
/** The probe marker (synthetic.ts): never forwarded, read by the request plan. */
const SYNTHETIC = 12;
type H = number;

const NAMES: ReadonlyArray<readonly [string, H]> = [
  ['connection', CONNECTION],
  ['keep-alive', HOP],
  ['proxy-connection', HOP],
  ['proxy-authenticate', HOP],
  ['proxy-authorization', HOP],
  ['te', HOP],
  ['trailer', HOP],
  ['transfer-encoding', TRANSFER_ENCODING],
  ['upgrade', UPGRADE],
  ['content-length', CONTENT_LENGTH],
  ['host', HOST],
  ['expect', EXPECT],
  ['x-request-id', REQUEST_ID],
  ['x-forwarded-for', FORWARDED_FOR],
  ['x-forwarded-host', FORWARDED_REPLACED],
  ['x-forwarded-proto', FORWARDED_REPLACED],
  ['via', VIA],
  ['x-sloprobe-synthetic', SYNTHETIC],
];

/** Candidates indexed by name length: a name whose length matches none is PASS at once. */
const BY_LENGTH: Array<Array<readonly [string, H]>> = [];
for (const entry of NAMES) {
  const len = entry[0].length;
  let list = BY_LENGTH[len];
  if (list === undefined) {
    list = [];
    BY_LENGTH[len] = list;
  }
  list.push(entry);
}

// `c | 0x20` lower-cases ASCII letters and leaves '-' alone; the literals hold only
// [a-z-], and no other token character maps onto those, so the comparison is exact.
function equalsLower(s: string, lit: string): boolean {
  if (s.length !== lit.length) return false;
  let i = 0;
  while (i < lit.length && (s.charCodeAt(i) | 0x20) === lit.charCodeAt(i)) i++;
  return i === lit.length;
}

function classify(name: string): H {
  const list = BY_LENGTH[name.length];
  if (list === undefined) return PASS;
  for (let k = 0; k < list.length; k++) {
    const entry = list[k]!;
    if (equalsLower(name, entry[0])) return entry[1];
  }
  return PASS;
}

function classifyBytes(name: Buffer): H {
  const list = BY_LENGTH[name.length];
  if (list === undefined) return PASS;
  for (let k = 0; k < list.length; k++) {
    const entry = list[k]!;
    const lit = entry[0];
    let i = 0;
    while (i < lit.length && ((name[i] as number) | 0x20) === lit.charCodeAt(i)) i++;
    if (i === lit.length) return entry[1];
  }
  return PASS;
}

/** A name that `_`, `-` or case turn into a framing field for some peers (`framingLookAlike`). */
const LOOK_ALIKE_MIN_LENGTH = 13; // 'contentlength'
const LOOK_ALIKE_CL = 'contentlength';
const LOOK_ALIKE_TE = 'transferencoding';
const DASH = 0x2d;
const UNDERSCORE = 0x5f;

/**
 * True when `name`, lower-cased with every `-` and `_` removed, is `contentlength` or
 * `transferencoding`. Called only for names `classify` did not know, so the real
 * `Content-Length` and `Transfer-Encoding` never get here: what does is a look-alike
 * (`Content_Length`, `Transfer---Encoding`, `ContentLength`) that Node treats as an
 * ordinary field while a CDN, WAF or load balancer in front may read it as framing: the
 * request-smuggling gap. Hot path: a name shorter than 13 characters costs one compare,
 * any other name not starting with c, t, `-` or `_` one more; no string is built.
 */
function isFramingLookAlike(name: string): boolean {
  let lit = '';
  let j = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === DASH || c === UNDERSCORE) continue;
    // `| 0x20` lower-cases letters and maps no other token character onto a-z.
    const lower = c | 0x20;
    if (j === 0) {
      if (lower === 0x63) lit = LOOK_ALIKE_CL;
      else if (lower === 0x74) lit = LOOK_ALIKE_TE;
      else return false;
    }
    if (j === lit.length || lower !== lit.charCodeAt(j)) return false;
    j++;
  }
  return j !== 0 && j === lit.length;
}

/** One list member: a token between optional SP/HTAB (not `trim()`, which also eats NBSP). */
const CODING = /^[ \t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*$/;

const CODINGS_END_IN_CHUNKED = 0;
const CODINGS_END_OTHERWISE = 1;
/** Not a plain list of tokens: something a peer might split or read differently. */
const CODINGS_MALFORMED = 2;

/**
 * What a Transfer-Encoding value other than plain `chunked` holds: `gzip, chunked` (tokens
 * separated by commas and optional whitespace) ends in chunked, `chunked, gzip` does not,
 * `"chunked"` or `\xA0chunked` is malformed. Rare path: plain `chunked` never gets here.
 */
function codingsOf(value: string): number {
  let last = '';
  for (const member of value.split(',')) {
    const m = CODING.exec(member);
    if (m === null) return CODINGS_MALFORMED;
    last = m[1]!;
  }
  return equalsLower(last, 'chunked') ? CODINGS_END_IN_CHUNKED : CODINGS_END_OTHERWISE;
}

/** Via values this hop appends (RFC 9110 7.6.3: received protocol version, then our name). */
export const VIA_HTTP11 = '1.1 sloprobe';
export const VIA_HTTP10 = '1.0 sloprobe';

const MAX_REQUEST_ID_LENGTH = 200;

/** A client's `x-request-id` is reused only when it is 1..200 visible ASCII characters. */
export function isSaneRequestId(value: string): boolean {
  const n = value.length;
  if (n === 0 || n > MAX_REQUEST_ID_LENGTH) return false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/**
 * What the request-header scan learnt. The scan is synchronous, so one module-level
 * instance is reused for every request instead of allocating a result per request.
 */
export class RequestScan {
  hostCount = 0;
  host = '';
  requestId = '';
  hasBody = false;
  forwardedFor = '';
  via = '';
  connection = '';
  upgrade = '';
  /** A field name that only looks like Content-Length or Transfer-Encoding (refused). */
  framingLookAlike = false;
  /** Transfer-Encoding names a coding besides the final `chunked` (refused with 501). */
  otherTransferCoding = false;
  /** A Transfer-Encoding field was present (an HTTP/1.0 request with one closes: request-plan.ts). */
  transferEncoding = false;
  /**
   * The last Transfer-Encoding field does not end in `chunked`, or one field is not a
   * plain list of tokens (`"chunked"`, `chunk ed`, `,chunked`, a high byte): the body
   * length cannot be determined reliably, so 400 and close (RFC 9112 6.3), never the 501
   * of a coding under a final chunked. Read `ambiguousTransferEncoding`.
   */
  chunkedNotLast = false;
  transferCodingMalformed = false;

  get ambiguousTransferEncoding(): boolean {
    return this.chunkedNotLast || this.transferCodingMalformed;
  }
  /** The value of `x-sloprobe-synthetic`, '' when absent (checked by the request plan). */
  synthetic = '';

  reset(): void {
    this.hostCount = 0;
    this.host = '';
    this.requestId = '';
    this.hasBody = false;
    this.forwardedFor = '';
    this.via = '';
    this.connection = '';
    this.upgrade = '';
    this.framingLookAlike = false;
    this.otherTransferCoding = false;
    this.transferEncoding = false;
    this.chunkedNotLast = false;
    this.transferCodingMalformed = false;
    this.synthetic = '';
  }
}

export const requestScan = new RequestScan();

/**
 * The end-to-end request fields to send upstream, from Node's `rawHeaders`. Dropped: the
 * hop-by-hop set, fields named in `Connection`, `Host` (undici sends the upstream's own),
 * `Expect` (answered here, see exchange.ts), and the forwarding fields this hop rewrites
 * (`x-request-id`, `X-Forwarded-*`, `Via`), which the caller appends. Fills `scan`.
 */
export function upstreamRequestHeaders(raw: readonly string[], scan: RequestScan): string[] {
  scan.reset();
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    switch (classify(name)) {
      case PASS:
        if (name.length >= LOOK_ALIKE_MIN_LENGTH && isFramingLookAlike(name)) scan.framingLookAlike = true;
        out.push(name, value);
        break;
      case CONTENT_LENGTH:
        // Node's parser has checked the digits; "0" (or "00") means no body.
        if (+value !== 0) scan.hasBody = true;
        out.push(name, value);
        break;
      case TRANSFER_ENCODING:
        // Node only accepts a final `chunked` and removes that coding; undici re-chunks
        // the stream it is given. Any other coding (`gzip, chunked`) would still be on the
        // bytes once the header is dropped: the caller refuses it (RFC 9112 6.1).
        scan.hasBody = true;
        scan.transferEncoding = true;
        // What counts is the last field's last coding; a malformed field anywhere sticks.
        if (equalsLower(value, 'chunked')) scan.chunkedNotLast = false;
        else {
          scan.otherTransferCoding = true;
          const codings = codingsOf(value);
          scan.chunkedNotLast = codings !== CODINGS_END_IN_CHUNKED;
          if (codings === CODINGS_MALFORMED) scan.transferCodingMalformed = true;
        }
        break;
      case CONNECTION:
        scan.connection = scan.connection === '' ? value : `${scan.connection},${value}`;
        break;
      case UPGRADE:
        scan.upgrade = value;
        break;
      case HOST:
        scan.hostCount++;
        scan.host = value;
        break;
      case REQUEST_ID:
        if (scan.requestId === '' && isSaneRequestId(value)) scan.requestId = value;
        break;
      case FORWARDED_FOR:
        scan.forwardedFor = scan.forwardedFor === '' ? value : `${scan.forwardedFor}, ${value}`;
        break;
      case VIA:
        scan.via = scan.via === '' ? value : `${scan.via}, ${value}`;
        break;
      case SYNTHETIC:
        scan.synthetic = value;
        break;
      default:
        // HOP, EXPECT, FORWARDED_REPLACED
        break;
    }
  }
  if (scan.connection !== '' && !isPlainConnection(scan.connection))
    dropConnectionNamed(out, scan.connection);
  return out;
}

/**
 * The upstream response fields to send to the client, from undici's raw buffers: the
 * hop-by-hop set and `Connection`-named fields dropped, this hop appended to `Via`, and
 * the exchange's request id set (replacing any the upstream sent, so the client, the
 * upstream and the access log agree). Values are decoded as latin1, which Node writes
 * back byte for byte.
 */
export function clientResponseHeaders(raw: readonly Buffer[], requestId: string): string[] {
  const out: string[] = [];
  let connection = '';
  let via = '';
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const nameBuf = raw[i]!;
    const kind = classifyBytes(nameBuf);
    if (kind === CONNECTION) {
      const v = raw[i + 1]!.toString('latin1');
      connection = connection === '' ? v : `${connection},${v}`;
    } else if (kind === VIA) {
      const v = raw[i + 1]!.toString('latin1');
      via = via === '' ? v : `${via}, ${v}`;
    } else if (kind !== HOP && kind !== TRANSFER_ENCODING && kind !== UPGRADE && kind !== REQUEST_ID) {
      out.push(nameBuf.toString('latin1'), raw[i + 1]!.toString('latin1'));
    }
  }
  if (connection !== '' && !isPlainConnection(connection)) dropConnectionNamed(out, connection);
  out.push('via', via === '' ? VIA_HTTP11 : `${via}, ${VIA_HTTP11}`, 'x-request-id', requestId);
  return out;
}

/**
 * `keep-alive` or `close` alone, the value nearly every peer sends, names no field: skip
 * the parse (it showed in the proxy's CPU profile when done per response).
 */
function isPlainConnection(value: string): boolean {
  return equalsLower(value, 'keep-alive') || equalsLower(value, 'close');
}

/**
 * Removes, in place, every field a `Connection` header names (RFC 9110 7.6.1). `close`
 * and `keep-alive` are options rather than field names; `keep-alive` and `upgrade` as
 * fields are gone already. Rare path: allocation is fine here.
 */
function dropConnectionNamed(out: string[], connection: string): void {
  let named: string[] | null = null;
  for (const token of connection.split(',')) {
    const t = token.trim().toLowerCase();
    if (t === '' || t === 'close' || t === 'keep-alive' || t === 'upgrade') continue;
    if (named === null) named = [];
    named.push(t);
  }
  if (named === null) return;
  let w = 0;
  for (let r = 0; r + 1 < out.length; r += 2) {
    const name = out[r]!;
    if (named.includes(name.toLowerCase())) continue;
    out[w] = name;
    out[w + 1] = out[r + 1]!;
    w += 2;
  }
  out.length = w;
}
