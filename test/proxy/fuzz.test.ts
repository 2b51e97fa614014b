/**
 * Product rule: "A malformed or ambiguous request gets 400 and never reaches the upstream.
 * No crash on any input." The specific cases live in refusals.test.ts; this sends 400
 * seeded random mutations of a valid request (bytes replaced, inserted, deleted, lines
 * duplicated or folded, CRLF turned into LF, the request cut short) on raw sockets and
 * checks, for every one of them:
 *
 * - the connection ends within seconds (nothing is left hanging);
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
import { echo, parseRaw, startPair } from './harness.js';

const BASE =
  'POST /v1/payments?currency=EUR HTTP/1.1\r\nHost: api.example\r\nContent-Type: application/json\r\n' +
  'Content-Length: 13\r\nConnection: close\r\nX-Request-Id: fuzz-ID\r\n\r\n{"amount":10}';
const CASES = 400;
const PARALLEL = 20;
const QUIET_MS = 300;
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
 * Sends the bytes and returns what came back once the proxy closes the connection or has
 * been quiet for QUIET_MS (a request cut short waits for bytes that never come; that is
 * the client's doing, and the proxy's idle timeout would end it later).
 */
function exchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes, 'latin1'));
    let out = '';
    let quiet = setTimeout(done, QUIET_MS);
    function done(): void {
      clearTimeout(quiet);
      socket.destroy();
      resolve(out);
    }
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      out += d;
      clearTimeout(quiet);
      quiet = setTimeout(done, QUIET_MS);
    });
    socket.on('close', done);
    socket.on('error', () => {
      // ECONNRESET/EPIPE: the proxy closed on us; what was read so far is the answer.
    });
  });
}

/** Splits a raw reply into its responses (the proxy only ever sends complete ones). */
function responses(text: string): string[] {
  return text.split(/(?=^HTTP\/1\.[01] \d{3} )/m).filter((r) => r !== '');
}

test('400 mutated requests: no crash, no 5xx, nothing refused before dispatch reaches the upstream', async (t) => {
  const { up, px } = await startPair(t, echo);
  const rng = mulberry32(20261122);
  // A unique request id per case: the proxy forwards it and names it in its refusals, so
  // each refusal can be matched against what the upstream received.
  const cases = Array.from({ length: CASES }, (_, i) =>
    mutate(BASE.replace('fuzz-ID', `fuzz-${i}-${Math.floor(rng() * 1e9).toString(36)}`), rng),
  );
  const replies: string[] = [];
  for (let i = 0; i < cases.length; i += PARALLEL) {
    replies.push(...(await Promise.all(cases.slice(i, i + PARALLEL).map((b) => exchange(px.port, b)))));
  }
  const reachedUpstream = new Set(up.requests.map((r) => String(r.headers['x-request-id'])));
  let refused = 0;
  let forwarded = 0;
  replies.forEach((reply, i) => {
    const what = `case ${i}: ${JSON.stringify(cases[i])}`;
    for (const part of responses(reply)) {
      const r = parseRaw(part);
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

  const clean = parseRaw(await exchange(px.port, BASE));
  assert.equal(clean.status, 200, 'the proxy still forwards a clean request');
});
