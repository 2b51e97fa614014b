/**
 * Product rule: "A malformed or ambiguous request gets 400 and never reaches the upstream.
 * No crash on any input." The specific cases live in refusals.test.ts; this sends 400
 * seeded random mutations of a valid request (bytes replaced, inserted, deleted, lines
 * duplicated or folded, CRLF turned into LF, the request cut short) on raw sockets and
 * checks, for every one of them:
 *
 * - the connection ends (nothing is left hanging), and every response in it is complete;
 * - every response is the upstream's 200 or a refusal the sidecar wrote, in JSON, with a
 *   request id; never a 5xx, since the upstream is up;
 * - a request refused before dispatch (anything but a body that breaks mid-flight) never
 *   reached the upstream;
 * and, after all of them, that the same proxy still forwards a clean request.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { mulberry32 } from '../../src/demo/random.js';
import { echo, type FramedResponse, framedResponses, startPair, TIMEOUTS } from './harness.js';

const BASE =
  'POST /v1/payments?currency=EUR HTTP/1.1\r\nHost: api.example\r\nContent-Type: application/json\r\n' +
  'Content-Length: 13\r\nConnection: close\r\nX-Request-Id: fuzz-ID\r\n\r\n{"amount":10}';
const CASES = 400;
const PARALLEL = 20;
/** Client limits for this test only, so that a request cut short ends in about a second. */
const CLIENT = { headersTimeoutMs: 1_000, requestTimeoutMs: 1_000, checkIntervalMs: 200 };
/** Reasons the sidecar decides before anything is sent upstream. */
const BEFORE_DISPATCH = new Set([
  'foreign_host',
  'malformed_target',
  'missing_host',
  'multiple_host',
  'connect_not_allowed',
  'upgrade_not_supported',
  'expectation_failed',
  'ambiguous_framing',
  'header_too_large',
]);
const INTERESTING = [
  '\r',
  '\n',
  '\r\n',
  '\0',
  ' ',
  '\t',
  ':',
  '/',
  '%',
  '?',
  '#',
  '\x7f',
  '\xff',
  'chunked',
  ',',
  '0',
];

function mutate(input: string, rng: () => number): string {
  let s = input;
  const rounds = 1 + Math.floor(rng() * 3);
  for (let r = 0; r < rounds; r++) {
    const at = Math.floor(rng() * (s.length + 1));
    switch (Math.floor(rng() * 8)) {
      case 0: // replace a byte
        s = s.slice(0, at) + String.fromCharCode(Math.floor(rng() * 256)) + s.slice(at + 1);
        break;
      case 1: // insert something parsers care about
        s = s.slice(0, at) + INTERESTING[Math.floor(rng() * INTERESTING.length)] + s.slice(at);
        break;
      case 2: // delete a range
        s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rng() * 8));
        break;
      case 3: {
        // duplicate a header line (two Hosts, two Content-Lengths, ...)
        const lines = s.split('\r\n');
        const i = 1 + Math.floor(rng() * Math.max(1, lines.length - 3));
        lines.splice(i, 0, lines[i] ?? '');
        s = lines.join('\r\n');
        break;
      }
      case 4: {
        // obs-fold: a header line continued on the next one
        const i = s.indexOf('\r\n', at);
        if (i !== -1) s = `${s.slice(0, i)}\r\n  folded${s.slice(i)}`;
        break;
      }
      case 5: // bare LF line ends
        s = s.replace(/\r\n/, '\n');
        break;
      case 6: // cut short
        s = s.slice(0, at);
        break;
      default: // an extra framing header
        s = s.replace(
          '\r\n\r\n',
          rng() < 0.5 ? '\r\nTransfer-Encoding: chunked\r\n\r\n' : '\r\nContent-Length: 2\r\n\r\n',
        );
    }
  }
  return s;
}

/**
 * Sends the bytes and returns the responses, framed (harness `framedResponses`), once the
 * proxy has closed the connection or a complete response said `Connection: close`. Every
 * case ends that way: a request cut short ends with the proxy's request timeout (a 408,
 * lowered for this test), a kept-alive connection with its idle timeout. The test never
 * guesses from a pause that nothing more will come.
 */
function exchange(port: number, bytes: string): Promise<{ responses: FramedResponse[]; rest: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes, 'latin1'));
    let out = '';
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(framedResponses(out));
    };
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      out += d;
      const { responses, rest } = framedResponses(out);
      if (rest === '' && responses.some((r) => r.headers.get('connection') === 'close')) finish();
    });
    socket.on('close', finish);
    socket.on('error', () => {
      // ECONNRESET/EPIPE: the proxy closed on us; what was read so far is the answer.
    });
  });
}

/** Runs `work` over `items` with at most `limit` at a time; results in input order. */
async function pooled<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return out;
}

test('400 mutated requests: no crash, no 5xx, nothing refused before dispatch reaches the upstream', async (t) => {
  const { up, px } = await startPair(t, echo, { timeouts: { ...TIMEOUTS, idleMs: 1_000 }, client: CLIENT });
  const rng = mulberry32(20261122);
  // A unique request id per case: the proxy forwards it and names it in its refusals, so
  // each refusal can be matched against what the upstream received.
  const cases = Array.from({ length: CASES }, (_, i) =>
    mutate(BASE.replace('fuzz-ID', `fuzz-${i}-${Math.floor(rng() * 1e9).toString(36)}`), rng),
  );
  const replies = await pooled(cases, PARALLEL, (b) => exchange(px.port, b));
  const reachedUpstream = new Set(up.requests.map((r) => String(r.headers['x-request-id'])));
  let refused = 0;
  let forwarded = 0;
  replies.forEach((reply, i) => {
    const what = `case ${i}: ${JSON.stringify(cases[i])}`;
    // The proxy only ever sends complete responses (a cut one would be a relay bug here:
    // the upstream is up and answers every request it gets in full).
    assert.equal(reply.rest, '', `${what}: the bytes end inside a response`);
    for (const r of reply.responses) {
      if (r.status === 200) {
        forwarded++;
        continue;
      }
      assert.ok(r.status >= 400 && r.status < 500, `${what}: status ${r.status}`);
      const id = r.headers.get('x-request-id');
      assert.ok(id, `${what}: a refusal names the request id`);
      const body = JSON.parse(r.body) as { error: string; reason: string; request_id: string };
      assert.equal(body.request_id, id, `${what}: the body names the same request id`);
      refused++;
      if (BEFORE_DISPATCH.has(body.reason)) {
        assert.ok(!reachedUpstream.has(id), `${what}: refused (${body.reason}) but it reached the upstream`);
      }
    }
  });
  t.diagnostic(`${refused} refusals, ${forwarded} forwarded, ${reachedUpstream.size} reached the upstream`);
  // Both kinds happened, so the checks above were exercised.
  assert.ok(refused > 50, `refusals: ${refused}`);
  assert.ok(forwarded > 20, `forwarded: ${forwarded}`);

  const clean = await exchange(px.port, BASE);
  assert.deepEqual(
    clean.responses.map((r) => r.status),
    [200],
    'the proxy still forwards a clean request',
  );
});
