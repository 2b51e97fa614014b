/**
 * The parse workers' byte scanner (parse-bytes.ts) against parse.ts: on every line it
 * takes, the same record as parseLine; every other line it leaves to parseLine (-1). The
 * lines are the sidecar's own shapes and the odd ones around them, plus random mutations.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../src/demo/random.js';
import { newRecord, parseLine } from '../../src/replay/parse.js';
import { fastParseBytes } from '../../src/replay/parse-bytes.js';

const SIDECAR =
  '{"level":30,"time":"2026-03-01T12:00:00.123Z","method":"POST","path":"/hpp/v1/sessions?token=x","route":"hpp-create-session","category":"payment-request","status":200,"outcome":"good","latency_ms":152.031,"duration_ms":153.4,"request_id":"r-1"}';

const LINES = [
  SIDECAR,
  SIDECAR.replace('}', ',"digest":"00ab12ff00cd1","error":"reset"}'),
  SIDECAR.replace('}', ',"synthetic":true}'),
  SIDECAR.replace('}', ',"synthetic":false}'),
  SIDECAR.replace('}', ',"synthetic":"yes"}'),
  SIDECAR.replace('"status":200', '"status":0').replace('"latency_ms":152.031', '"latency_ms":null'),
  SIDECAR.replace('"status":200', '"status":"200"'),
  SIDECAR.replace('"status":200', '"status":2000'),
  SIDECAR.replace('"outcome":"good"', '"outcome":"bad"'),
  SIDECAR.replace('"outcome":"good"', '"outcome":"excluded"'),
  SIDECAR.replace('"outcome":"good"', '"outcome":"maybe"'),
  SIDECAR.replace('"outcome":"good"', '"outcome":null'),
  SIDECAR.replace('.123Z', 'Z'),
  SIDECAR.replace('.123Z', '.1Z'),
  SIDECAR.replace('.123Z', '.123456789Z'),
  SIDECAR.replace('.123Z', '.Z'),
  SIDECAR.replace('12:00:00', '23:59:60'),
  SIDECAR.replace('.123Z', '.123+02:00'),
  SIDECAR.replace('T12', 't12'),
  SIDECAR.replace('T12', ' 12'),
  SIDECAR.replace('2026-03-01', '2024-02-29'),
  SIDECAR.replace('2026-03-01', '2026-02-29'),
  SIDECAR.replace('2026-03-01', '2026-13-01'),
  SIDECAR.replace('"2026-03-01T12:00:00.123Z"', '1772366400123'),
  SIDECAR.replace('"2026-03-01T12:00:00.123Z"', '1772366400'),
  SIDECAR.replace('"POST"', '"PROPFIND"'),
  SIDECAR.replace('"POST"', '""'),
  SIDECAR.replace('"POST"', '7'),
  SIDECAR.replace('?token=x', '#frag'),
  SIDECAR.replace('?token=x', '?a#b'),
  SIDECAR.replace('152.031', '1e3'),
  SIDECAR.replace('152.031', '-1'),
  SIDECAR.replace('152.031', '"12.5"'),
  SIDECAR.replace('152.031', '12345678901234567'),
  SIDECAR.replace('152.031', '152.'),
  SIDECAR.replace('"r-1"', '"r\\"1"'),
  SIDECAR.replace('"r-1"', '{"a":1}'),
  SIDECAR.replace('"r-1"', '[1,2]'),
  SIDECAR.replace(',"status"', ', "status"'),
  SIDECAR.replace('"status":200', '"status": 200'),
  `${SIDECAR}\r`,
  `${SIDECAR} `,
  `${SIDECAR}x`,
  SIDECAR.replace('"status":200,', ''),
  SIDECAR.replace('"time"', '"tim"'),
  SIDECAR.replace('"client', '"client'),
  SIDECAR.replace('}', ',"client_aborted":true}'),
  SIDECAR.replace('}', ',"client_aborted":1}'),
  SIDECAR.replace('}', ',"digest":null,"error":false}'),
  SIDECAR.replace('}', ',"digest":5}'),
  SIDECAR.replace('}', ',"error":""}'),
  SIDECAR.replace('"status":200,', '"status":200,"status":503,'),
  SIDECAR.slice(0, 80),
  '',
  '{}',
  'not json',
];

function both(line: string): { bytes: number; same: boolean; detail: string } {
  const b = Buffer.from(`${line}\n`, 'latin1');
  const viaBytes = newRecord();
  const r = fastParseBytes(b, 0, b.length - 1, viaBytes);
  if (r !== 1) return { bytes: r, same: true, detail: '' };
  viaBytes.source = -1;
  const viaText = newRecord();
  const ok = parseLine(line, 0, line.length, viaText);
  viaText.source = -1;
  const a = JSON.stringify({ ...viaBytes, problem: '' });
  const t = JSON.stringify({ ...viaText, problem: '' });
  return { bytes: r, same: ok && a === t, detail: `bytes ${a}\ntext  ${t}` };
}

test('on every line the byte scanner takes, the same record as parseLine', () => {
  let taken = 0;
  for (const line of LINES) {
    const r = both(line);
    assert.ok(r.same, `${line}\n${r.detail}`);
    if (r.bytes === 1) taken++;
  }
  // The sidecar's plain lines must be taken, or the fast path would never run: the first 4,
  // status 0/null, "200", 3 outcomes + 2 others, 3 fractions, 2024-02-29, 2 fragments, a
  // string latency, CRLF, client_aborted true, digest null/error false, error "", a repeated
  // status: at least 20 of them.
  assert.ok(taken >= 20, `only ${taken} lines taken`);
  assert.equal(both(SIDECAR).bytes, 1);
  assert.equal(both(`${SIDECAR}\r`).bytes, 1);
});

test('random mutations of the sidecar line: never a record parseLine would not give', () => {
  const rng = mulberry32(7);
  const alphabet = '{}[]":,. \\\r\t0123456789-+eETZtz?#/anulrsf';
  for (let n = 0; n < 20_000; n++) {
    let line = rng() < 0.5 ? SIDECAR : LINES[Math.floor(rng() * LINES.length)]!;
    const edits = 1 + Math.floor(rng() * 3);
    for (let k = 0; k < edits; k++) {
      const at = Math.floor(rng() * (line.length + 1));
      const c = alphabet[Math.floor(rng() * alphabet.length)]!;
      const x = rng();
      line =
        x < 0.4
          ? line.slice(0, at) + c + line.slice(at + 1)
          : x < 0.7
            ? line.slice(0, at) + c + line.slice(at)
            : line.slice(0, at) + line.slice(at + 1);
    }
    const r = both(line);
    assert.ok(r.same, `${line}\n${r.detail}`);
  }
});
