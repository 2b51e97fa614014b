/**
 * The fault table: one row per way an upstream or a client can misbehave, what the client
 * must see, and what /metrics must record for it (exactly, by code and outcome). To add a
 * fault, add a row; faults.test.ts runs each one against a sidecar of its own and also
 * checks, for every row, that sockets return to their baseline and nothing is counted twice.
 *
 * Outcomes follow docs/sla-definitions.md#availability-occurrences: "responses having status
 * code being 2xx, 3xx and 4xx" are good; a 5xx, a sidecar 502/504 or a response cut by the
 * upstream is bad; a request the client abandoned before any response is excluded. The
 * sidecar answers 502 for an upstream that failed and 504 for one too slow (RFC 9110
 * 15.6.3, 15.6.5); once the status line is gone, cutting the stream is the only signal left.
 */
import assert from 'node:assert/strict';
import type { UpstreamErrorReason } from '../../src/telemetry/observation.js';
import {
  abortBeforeHeaders,
  abortMidDownload,
  abortMidUpload,
  type CaseRun,
  keepAliveLoad,
  neverReads,
  silentConnection,
  slowloris,
} from './clients.js';
import { type Behaviour, type FaultUpstream, response } from './fault-upstream.js';
import { fetchOnce, type Seen, type SidecarSettings } from './harness.js';

/** What every client of a row must have seen. */
export type ClientExpectation =
  /** This status, and (for the sidecar's own answers) this `reason` in the JSON body. */
  | { readonly status: number; readonly reason?: UpstreamErrorReason | 'request_timeout' }
  /** The status line arrived, then the body was cut: the client can tell it is incomplete. */
  | { readonly cut: number }
  /** The client left (or was given nothing); nothing to check on its side. */
  | 'gone'
  /** The row checks its clients itself. */
  | ((seen: readonly Seen[], up: FaultUpstream) => void);

export interface Expectation {
  readonly client: ClientExpectation;
  /**
   * `sloprobe_requests_total` summed by `"<code> <outcome>"`, every route: exactly these
   * series are non-zero. A function when the counts depend on the run.
   */
  readonly recorded: Readonly<Record<string, number>> | ((up: FaultUpstream) => Record<string, number>);
  /** The route the observations land on (default `fault`). */
  readonly route?: string;
  /** `sloprobe_upstream_errors_total` by reason: exactly these are non-zero. */
  readonly upstreamErrors?:
    | Readonly<Record<string, number>>
    | ((up: FaultUpstream) => Record<string, number>);
  /** `sloprobe_upstream_retries_total`. Default 0. */
  readonly retries?: number | ((up: FaultUpstream) => number);
  /** Request heads the upstream received (retries included). */
  readonly upstreamRequests?: number;
}

export interface FaultCase {
  readonly name: string;
  readonly sidecar?: SidecarSettings;
  /** What the upstream does with each request; 'refused': nothing listens on its port. */
  readonly upstream: Behaviour | 'refused';
  /** What the client does (default: one GET); returns what each client saw. */
  readonly client?: (run: CaseRun) => Promise<Seen[]>;
  readonly expect: Expectation;
  /** Test timeout, for the slow rows. */
  readonly timeoutMs?: number;
}

const HEAD_1000 = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n';

/** Answers `raw` verbatim, then keeps the connection as the bytes left it. */
function answers(raw: string): Behaviour {
  return (req) => {
    req.socket.write(raw, () => req.done());
  };
}

/** Answers with `raw` and closes: for answers a client cannot frame, so the connection is dead. */
function answersAndCloses(raw: string): Behaviour {
  return (req) => {
    req.socket.end(raw, () => req.done());
  };
}

/** Answers 200 after `ms`, unless the sidecar gave up on the request first. */
function answersAfter(ms: number): Behaviour {
  return (req) => {
    const timer = setTimeout(() => req.socket.write(response(200, '{"late":true}'), () => req.done()), ms);
    req.socket.once('close', () => clearTimeout(timer));
  };
}

const CHUNK = Buffer.alloc(64 * 1024, 0x62);

/** Streams `mib` MiB of body as fast as the connection takes it. */
function streams(mib: number): Behaviour {
  return (req, up) => {
    const total = mib * 1024 * 1024;
    req.socket.write(
      `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${total}\r\n\r\n`,
    );
    up.writeCounted(req.socket, CHUNK, total);
  };
}

/**
 * Serves two requests per connection, then destroys the connection when a third arrives
 * on it, unanswered: an upstream whose idle timer fires just as a kept-alive connection
 * is reused. Counts what it killed, by method: the evidence the row's counts come from.
 */
function closesKeptAlive(): { behaviour: Behaviour; killed: { GET: number; POST: number } } {
  const killed = { GET: 0, POST: 0 };
  const behaviour: Behaviour = (req) => {
    if (req.nth > 2) {
      if (req.method === 'GET' || req.method === 'POST') killed[req.method]++;
      req.socket.destroy();
      return;
    }
    req.socket.write(response(200, '{}'), () => req.done());
  };
  return { behaviour, killed };
}

/** 400 requests over 32 kept-alive client connections, every 4th a POST: 100 POSTs, 300 GETs. */
function keptAliveUnderLoad(): FaultCase {
  const { behaviour, killed } = closesKeptAlive();
  return {
    name: 'upstream closes kept-alive connections under load: only the unretriable POSTs fail',
    timeoutMs: 120_000,
    upstream: behaviour,
    client: keepAliveLoad(400, 32, 4),
    expect: {
      client: (seen) => {
        console.log(`# kept-alive load: the upstream killed ${killed.GET} GETs and ${killed.POST} POSTs`);
        assert.equal(seen.length, 400);
        const failed = seen.filter((s) => s.status !== 200);
        assert.equal(
          failed.filter((s) => s.body === 'GET').length,
          0,
          'a GET that lost its connection is retried on a fresh one and succeeds',
        );
        assert.equal(
          failed.length,
          killed.POST,
          'exactly the POSTs whose connection the upstream killed fail',
        );
        for (const f of failed) assert.equal(f.status, 502);
        assert.ok(killed.GET + killed.POST > 0, 'the upstream did close connections under the load');
      },
      recorded: () => ({
        '200 good': 400 - killed.POST,
        ...(killed.POST > 0 ? { '502 bad': killed.POST } : {}),
      }),
      upstreamErrors: (): Record<string, number> => (killed.POST > 0 ? { reset: killed.POST } : {}),
      retries: () => killed.GET,
    },
  };
}

const ONE_BAD = { '502 bad': 1 };

export const CASES: readonly FaultCase[] = [
  // ---- upstream faults ------------------------------------------------------------------
  {
    name: 'upstream refuses connections: 502 refused, never retried',
    upstream: 'refused',
    expect: { client: { status: 502, reason: 'refused' }, recorded: ONE_BAD, upstreamErrors: { refused: 1 } },
  },
  {
    name: 'upstream resets before the headers (POST): 502 reset, not retried',
    upstream: (req) => req.socket.resetAndDestroy(),
    client: (run) => Promise.all([fetchPost(run)]),
    expect: {
      client: { status: 502, reason: 'reset' },
      recorded: ONE_BAD,
      upstreamErrors: { reset: 1 },
      upstreamRequests: 1,
    },
  },
  {
    name: 'upstream resets before the headers (GET): retried once, then 502 reset',
    upstream: (req) => req.socket.resetAndDestroy(),
    expect: {
      client: { status: 502, reason: 'reset' },
      recorded: ONE_BAD,
      upstreamErrors: { reset: 1 },
      retries: 1,
      upstreamRequests: 2,
    },
  },
  {
    name: 'upstream closes before the headers (FIN, GET): retried once, then 502 reset',
    upstream: (req) => req.socket.end(),
    expect: {
      client: { status: 502, reason: 'reset' },
      recorded: ONE_BAD,
      upstreamErrors: { reset: 1 },
      retries: 1,
      upstreamRequests: 2,
    },
  },
  {
    name: 'upstream answers 5xx: relayed as is, recorded bad, not an upstream error',
    upstream: answers(response(500, '{"error":"internal"}')),
    expect: { client: { status: 500 }, recorded: { '500 bad': 1 } },
  },
  {
    name: 'upstream answers 4xx: relayed as is, recorded good ("2xx, 3xx and 4xx")',
    upstream: answers(response(404, '{"error":"not_found"}')),
    expect: { client: { status: 404 }, recorded: { '404 good': 1 } },
  },
  {
    name: 'upstream answers 413 before the upload is complete: the client gets the 413 whole',
    upstream: answers(response(413, '{"error":"too_large"}')),
    client: async (run) => [
      await fetchOnce(run.port, { method: 'POST', body: Buffer.alloc(4 * 1024 * 1024) }),
    ],
    expect: { client: { status: 413 }, recorded: { '413 good': 1 }, upstreamRequests: 1 },
  },
  {
    name: 'upstream sends 103 Early Hints before its answer: not relayed, the 200 is',
    upstream: answers(
      `HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n${response(200, '{}')}`,
    ),
    expect: { client: { status: 200 }, recorded: { '200 good': 1 } },
  },
  {
    name: 'upstream sends a 100 Continue nobody asked for: 502 protocol, not retried',
    upstream: answers('HTTP/1.1 100 Continue\r\n\r\n'),
    expect: {
      client: { status: 502, reason: 'protocol' },
      recorded: ONE_BAD,
      upstreamErrors: { protocol: 1 },
      upstreamRequests: 1,
    },
  },
  {
    name: 'upstream sends bytes after the end of its response: the response is relayed whole',
    upstream: answers(`${response(200, '{}')}HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n`),
    expect: { client: { status: 200 }, recorded: { '200 good': 1 } },
  },
  {
    name: 'upstream closes mid-body (FIN before Content-Length is reached): the stream is cut',
    upstream: (req) => req.socket.end(`${HEAD_1000}partial`),
    expect: { client: { cut: 200 }, recorded: { '200 bad': 1 }, upstreamErrors: { reset: 1 } },
  },
  {
    name: 'upstream resets mid-body: the stream is cut, 200 recorded bad',
    upstream: (req) => req.socket.write(`${HEAD_1000}${'x'.repeat(100)}`, () => req.socket.resetAndDestroy()),
    expect: { client: { cut: 200 }, recorded: { '200 bad': 1 }, upstreamErrors: { reset: 1 } },
  },
  {
    name: 'upstream truncates a chunked body (closes before the last chunk): the stream is cut',
    upstream: (req) =>
      req.socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n'),
    expect: { client: { cut: 200 }, recorded: { '200 bad': 1 }, upstreamErrors: { reset: 1 } },
  },
  {
    name: 'upstream sends a broken chunk size mid-body: the stream is cut',
    upstream: answers('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n'),
    expect: { client: { cut: 200 }, recorded: { '200 bad': 1 }, upstreamErrors: { protocol: 1 } },
  },
  {
    name: 'upstream stalls after the headers: cut by the body timeout',
    sidecar: { timeouts: { body: '300ms' } },
    upstream: (req) => req.socket.write(`${HEAD_1000}first part`),
    expect: { client: { cut: 200 }, recorded: { '200 bad': 1 }, upstreamErrors: { timeout_body: 1 } },
  },
  {
    name: "upstream answers beyond the route's timeout: 504 timeout_headers",
    sidecar: { timeouts: { headers: '30s' }, routeTimeout: '300ms' },
    upstream: answersAfter(5_000),
    expect: {
      client: { status: 504, reason: 'timeout_headers' },
      recorded: { '504 bad': 1 },
      upstreamErrors: { timeout_headers: 1 },
    },
  },
  {
    name: "upstream answers slowly but within the route's timeout (beyond the global one): 200",
    sidecar: { timeouts: { headers: '100ms' }, routeTimeout: '30s' },
    upstream: answersAfter(400),
    expect: { client: { status: 200 }, recorded: { '200 good': 1 } },
  },
  {
    name: 'upstream sends oversize response headers (32 KiB): 502 protocol',
    upstream: answersAndCloses(
      `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(32 * 1024)}\r\nContent-Length: 2\r\n\r\n{}`,
    ),
    expect: {
      client: { status: 502, reason: 'protocol' },
      recorded: ONE_BAD,
      upstreamErrors: { protocol: 1 },
    },
  },
  ...malformedHeaders(),
  ...invalidStatusLines(),
  keptAliveUnderLoad(),

  // ---- client faults ----------------------------------------------------------------------
  {
    name: 'client aborts before the response headers: the upstream request is cancelled, excluded',
    upstream: () => {}, // never answers: the client leaves first
    client: abortBeforeHeaders,
    expect: { client: 'gone', recorded: { '0 excluded': 1 }, upstreamRequests: 1 },
  },
  {
    name: 'client aborts mid-upload: the upstream request is cancelled, recorded excluded',
    upstream: () => {}, // reads the body, never answers: the client leaves first
    client: abortMidUpload,
    expect: { client: 'gone', recorded: { '0 excluded': 1 }, upstreamRequests: 1 },
  },
  {
    name: 'client aborts mid-download: the upstream request is cancelled',
    upstream: streams(64),
    client: abortMidDownload,
    // Answered 2xx before the client left: "responses having status code being 2xx" (good).
    expect: { client: 'gone', recorded: { '200 good': 1 }, upstreamRequests: 1 },
  },
  {
    name: 'client sends its headers a byte at a time (slowloris): 408 at timeouts.client_headers',
    sidecar: { timeouts: { client_headers: '1s' } },
    upstream: () => {
      throw new Error('a request with incomplete headers reached the upstream');
    },
    client: slowloris(100),
    timeoutMs: 60_000,
    // No request line was complete enough to route: the unmatched route, no method.
    expect: {
      client: { status: 408, reason: 'request_timeout' },
      recorded: { '408 good': 1 },
      route: 'unmatched',
      upstreamRequests: 0,
    },
  },
  {
    name: 'client connects and never sends a byte: closed at timeouts.client_headers',
    sidecar: { timeouts: { client_headers: '1s' } },
    upstream: () => {
      throw new Error('no request was sent');
    },
    client: silentConnection,
    timeoutMs: 60_000,
    expect: { client: 'gone', recorded: {}, upstreamRequests: 0 },
  },
  {
    name: 'client never reads its response: the sidecar holds a bounded buffer',
    upstream: streams(200),
    client: neverReads(200),
    timeoutMs: 120_000,
    // The client left mid-body after a 200: good, like any other download it abandoned.
    expect: { client: 'gone', recorded: { '200 good': 1 }, upstreamRequests: 1 },
  },
];

function fetchPost(run: CaseRun): Promise<Seen> {
  return fetchOnce(run.port, { method: 'POST', body: '{"amount":100}' });
}

/** Response heads undici must refuse to parse: the sidecar cannot relay them, 502 protocol. */
function malformedHeaders(): FaultCase[] {
  const heads: Array<[string, string]> = [
    ['a space inside a field name', 'Bad Header: x'],
    ['whitespace before the colon', 'Content-Type : text/plain'],
    ['a line without a colon', 'NoColonHere'],
    ['a NUL in a field value', 'X-Value: a\0b'],
    ['a bare CR in a field value', 'X-Value: a\rb'],
    ['two different Content-Length values', 'Content-Length: 3\r\nContent-Length: 4'],
    ['Content-Length that is not a number', 'Content-Length: 2x'],
  ];
  return heads.map(([what, field]) => ({
    name: `upstream sends a malformed response header (${what}): 502 protocol`,
    upstream: answersAndCloses(`HTTP/1.1 200 OK\r\n${field}\r\nContent-Length: 2\r\n\r\n{}`),
    expect: {
      client: { status: 502, reason: 'protocol' },
      recorded: ONE_BAD,
      upstreamErrors: { protocol: 1 },
    },
  }));
}

/** Status lines that are not HTTP/1.1 status lines: 502 protocol. */
function invalidStatusLines(): FaultCase[] {
  const lines: Array<[string, string]> = [
    ['letters for the code', 'HTTP/1.1 2OO OK'],
    ['a four-digit code', 'HTTP/1.1 2000 OK'],
    ['a two-digit code', 'HTTP/1.1 20 OK'],
    ['another protocol', 'HTTX/1.1 200 OK'],
    ['no version', '200 OK'],
    ['an HTML page instead of a response', '<html><body>hello</body></html>'],
  ];
  return lines.map(([what, line]) => ({
    name: `upstream answers with an invalid status line (${what}): 502 protocol`,
    upstream: answersAndCloses(`${line}\r\nContent-Length: 2\r\n\r\n{}`),
    expect: {
      client: { status: 502, reason: 'protocol' },
      recorded: ONE_BAD,
      upstreamErrors: { protocol: 1 },
    },
  }));
}
