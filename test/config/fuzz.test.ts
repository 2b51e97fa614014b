/**
 * Product rule: "A bad config names file, line, column and what to do, and exits 2." The
 * specific mistakes live in the other config tests; this feeds 500 seeded random edits of
 * the shipped `config/klarna.yaml` (lines deleted, duplicated or re-indented, values
 * replaced by wrong types or stray YAML syntax, bytes inserted or removed, the file cut
 * short) to the loader and checks, for every one of them, that it either loads or fails
 * with `ConfigErrors`, never with any other exception, and that each problem names this
 * file with a line and column inside it. Then hostile files (README, Configuration,
 * "Limits"): each is refused with one problem at the place its limit is crossed, the
 * expected place worked out by hand in each test. `hostile-cli.test.ts` runs the worst of
 * them through `check` and `run` under a small heap.
 */
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { firstInvalidUtf8 } from '../../src/config/read-source.js';
import { mulberry32 } from '../../src/demo/random.js';
import { ConfigErrors } from '../../src/errors.js';
import { configDir } from '../helpers/paths.js';
import { BILLION_LAUGHS, HEAD, routeLines } from './hostile-inputs.js';

const SOURCE = readFileSync(join(configDir, 'klarna.yaml'), 'utf8');
const CASES = 500;
const TOKENS = [
  '',
  '"200"',
  '200',
  '-1',
  '0',
  '1e999',
  'true',
  'null',
  '~',
  '[]',
  '{}',
  '[1, 2',
  '{ a: 1',
  '*anchor',
  '&a x',
  '!!binary x',
  '"\\u0000"',
  '99.999%',
  '200ms',
  '5x',
  'GET',
  '/v1/{id}',
  '/v1/{id',
  '"*"',
  '<<: *x',
  ': :',
  '- - -',
  '\t',
  '#',
  'P1D',
  'x'.repeat(300),
];

function edit(text: string, rng: () => number): string {
  const lines = text.split('\n');
  const pick = (): number => Math.floor(rng() * lines.length);
  const rounds = 1 + Math.floor(rng() * 3);
  for (let r = 0; r < rounds; r++) {
    const i = pick();
    const line = lines[i] ?? '';
    switch (Math.floor(rng() * 7)) {
      case 0:
        lines.splice(i, 1);
        break;
      case 1:
        lines.splice(i, 0, line);
        break;
      case 2: // re-indent
        lines[i] = rng() < 0.5 ? ` ${line}` : line.replace(/^ {1,2}/, '');
        break;
      case 3: {
        // replace a value
        const colon = line.indexOf(': ');
        const token = TOKENS[Math.floor(rng() * TOKENS.length)] ?? '';
        if (colon !== -1) lines[i] = `${line.slice(0, colon + 2)}${token}`;
        else lines[i] = `${line}${token}`;
        break;
      }
      case 4: {
        // insert or remove one character
        const at = Math.floor(rng() * (line.length + 1));
        lines[i] =
          rng() < 0.5
            ? line.slice(0, at) + ':-{}[]"\'&*!|>%@`,#'.charAt(Math.floor(rng() * 19)) + line.slice(at)
            : line.slice(0, at) + line.slice(at + 1);
        break;
      }
      case 5: // a key that does not exist
        lines[i] = line.replace(/^(\s*-?\s*)([a-z_]+):/, (_m, pre: string, key: string) => `${pre}${key}x:`);
        break;
      default: // cut short
        lines.length = Math.max(0, i);
    }
  }
  return lines.join('\n');
}

test('500 random edits of config/klarna.yaml: each loads or fails with file:line:column, never otherwise', (t) => {
  const rng = mulberry32(42);
  let loaded = 0;
  let rejected = 0;
  for (let n = 0; n < CASES; n++) {
    const text = edit(SOURCE, rng);
    const lineCount = text.split('\n').length;
    try {
      parseConfig(text, 'klarna.yaml');
      loaded++;
    } catch (err) {
      const what = `edit ${n}: ${err instanceof Error ? err.message : String(err)}`;
      assert.ok(
        err instanceof ConfigErrors,
        `not a ConfigErrors: ${what}\n${err instanceof Error ? err.stack : ''}`,
      );
      assert.ok(err.errors.length > 0, what);
      for (const e of err.errors) {
        assert.match(e.message, /^klarna\.yaml:\d+:\d+: /, `no file:line:column in "${e.message}"`);
        const pos = e.position!;
        assert.ok(
          pos.line >= 1 && pos.line <= lineCount + 1,
          `line ${pos.line} outside the file: ${e.message}`,
        );
        assert.ok(pos.column >= 1, e.message);
        assert.ok(e.problem.length > 0, e.message);
      }
      rejected++;
    }
  }
  t.diagnostic(`${loaded} loaded, ${rejected} rejected`);
  // Both outcomes happened, so both branches above were exercised.
  assert.ok(rejected > 200, `rejected: ${rejected}`);
  assert.ok(loaded > 20, `loaded: ${loaded}`);
});

// Hostile files: each must fail with one positioned problem, found before the parser builds
// anything that grows with the file (the CLI test below runs them under a small heap).

/** `line:column` of character `index` of `text`, counted here independently of the loader. */
function lineColumn(text: string, index: number): string {
  const before = text.slice(0, index);
  return `${before.split('\n').length}:${index - before.lastIndexOf('\n')}`;
}

function refusal(text: string): ConfigErrors {
  try {
    parseConfig(text, 'hostile.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigErrors, `expected ConfigErrors, got ${String(err)}`);
    return err;
  }
  assert.fail('the hostile config loaded');
}

test('billion laughs: refused at the alias where the expansion crosses the limit', () => {
  const err = refusal(BILLION_LAUGHS);
  assert.equal(err.errors.length, 1);
  const e = err.errors[0]!;
  assert.match(e.problem, /more than 100000 YAML values once its aliases are expanded/);
  // Counted as the walk counts (each key, scalar and collection is one value; an alias adds
  // what its anchor expands to). HEAD: root map, upstream + URL, classes + map,
  // transaction-critical + map, availability + 99%, categories + map, payment-request + map,
  // class + transaction-critical = 15. lol0: key + list + 10 = 12 (total 27; its list
  // expands to 11). lolN: key + list + 10 aliases of a list of size(N-1): lol1 112 (139,
  // size 111), lol2 1,112 (1,251, size 1,111), lol3 11,112 (12,363, size 11,111). lol4: key
  // and list (12,365), then 11,111 per *a3: after 7 aliases 90,142, after 8 101,253 >
  // 100,000. So the 8th *a3 of lol4, on line 10 (lolN is on line 6 + N).
  const line = BILLION_LAUGHS.split('\n')[9]!;
  assert.ok(line.startsWith('lol4:'), line);
  let col = -1;
  for (let k = 0; k < 8; k++) col = line.indexOf('*a3', col + 1);
  assert.equal(`${e.position?.line}:${e.position?.column}`, `10:${col + 1}`);
});

test('deep nesting, flow and block, is refused at the first level past 32', () => {
  const flow = `${HEAD}x: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
  const e1 = refusal(flow).errors;
  assert.equal(e1.length, 1);
  assert.match(e1[0]!.problem, /nested more than 32 levels deep/);
  // The 33rd "[": "x: " is 3 characters, so it is at index 3 + 32 of line 6.
  assert.equal(`${e1[0]!.position?.line}:${e1[0]!.position?.column}`, lineColumn(flow, HEAD.length + 3 + 32));

  // Block mappings, one more space each line: `a:` on line 6 + k is at depth k + 2 (the
  // top-level mapping is depth 1, x's value depth 2), so the mapping that is depth 33 is the
  // value of the key on line 6 + 31 = 37, starting on line 38 at column 32 + 1.
  let block = `${HEAD}x:\n`;
  for (let i = 1; i < 2000; i++) block += `${' '.repeat(i)}a:\n`;
  const e2 = refusal(block).errors;
  assert.equal(e2.length, 1, e2.map((e) => e.message).join('\n'));
  assert.match(e2[0]!.problem, /nested more than 32 levels deep/);
  assert.equal(`${e2[0]!.position?.line}:${e2[0]!.position?.column}`, '38:33');
});

test('an alias that nests past the limit is refused at the alias', () => {
  const deep = `${HEAD}a: &deep ${'['.repeat(20)}${']'.repeat(20)}\nb: [[[[[[[[[[[[[[[*deep]]]]]]]]]]]]]]]\n`;
  // b's value is 15 lists deep (depth 2..16), the alias adds 20 more: 36 > 32.
  const errors = refusal(deep).errors;
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.problem, /\*deep nests the config more than 32 levels deep/);
  assert.equal(`${errors[0]!.position?.line}:${errors[0]!.position?.column}`, `7:${4 + 15}`);
});

test('too many values, aliases or routes: refused where the limit is crossed, before parsing', () => {
  const ones = `${HEAD}x: [${'1,'.repeat(1_000_000)}1]\n`;
  const e1 = refusal(ones).errors;
  assert.match(e1[0]!.problem, /more than 100000 YAML values/);
  // Values counted: 5 in HEAD's scalars and flow maps? Counted by hand: upstream + its value
  // (2), classes (1), transaction-critical, {, availability, 99% (4), categories (1),
  // payment-request, {, class, transaction-critical (4) = 12; then x and [ = 14. The
  // 100,001st value is the 99,987th `1`, at index 3 + 1 + 2 × 99,986 of line 6.
  assert.equal(e1[0]!.position?.line, 6);
  assert.equal(e1[0]!.position?.column, 4 + 2 * 99_986 + 1);

  const aliases = `${HEAD}a: &a x\nb: [${Array(1001).fill('*a').join(', ')}]\n`;
  const e2 = refusal(aliases).errors;
  assert.match(e2[0]!.problem, /more than 1000 aliases/);
  // The 1001st alias: "b: [" then 1000 × "*a, ".
  assert.equal(`${e2[0]!.position?.line}:${e2[0]!.position?.column}`, `7:${4 + 1000 * 4 + 1}`);

  const routes = `${HEAD}routes:\n${routeLines(0, 5001)}`;
  const e3 = refusal(routes).errors;
  assert.equal(e3.length, 1);
  assert.match(e3[0]!.message, /^hostile\.yaml:\d+:\d+: routes\[5000\]: more than 5000 routes \(5001\)/);
  // routes[5000] is the 5001st route line: line 6 (routes:) + 5001, at its "{" (column 5).
  assert.equal(`${e3[0]!.position?.line}:${e3[0]!.position?.column}`, `${6 + 5001}:5`);
});

test('a mapping with 40,000 keys is checked for duplicates in one pass', () => {
  // yaml's own duplicate check compares each key with all before it (40,000 keys took 78 s
  // when measured); the loader's is one Set. The one duplicate is reported where it is.
  // 2 values per key: 80,002 with the duplicate, within the 100,000 limit.
  const keys = Array.from({ length: 40_000 }, (_, i) => `  k${i}: 1`);
  keys.push('  k17: 1');
  const text = `${HEAD.replace(/categories:\n.*\n$/, 'categories:\n')}${keys.join('\n')}\n`;
  const dup = refusal(text).errors.filter((e) => /duplicate key/.test(e.problem));
  assert.equal(dup.length, 1);
  assert.equal(
    dup[0]!.message,
    `hostile.yaml:${text.split('\n').length - 1}:3: duplicate key "k17" in the same mapping (YAML keeps only one of them)`,
  );
});

test('an alias inside its own anchor is refused, not expanded forever', () => {
  const errors = refusal(`${HEAD}a: &self [x, *self]\n`).errors;
  assert.match(errors[0]!.problem, /\*self refers to the node it is part of/);
  assert.equal(`${errors[0]!.position?.line}:${errors[0]!.position?.column}`, '6:14');
});

test('the first byte that is not UTF-8, against node:buffer isUtf8 on 2,000 random byte strings', () => {
  const rng = mulberry32(7);
  const samples = [
    0x41, 0x0a, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xed, 0xa0, 0xc0, 0xff, 0xf4, 0x90,
  ];
  let invalid = 0;
  for (let n = 0; n < 2000; n++) {
    const bytes = Buffer.from(
      Array.from({ length: 1 + Math.floor(rng() * 12) }, () => samples[Math.floor(rng() * samples.length)]!),
    );
    const at = firstInvalidUtf8(bytes);
    const hex = bytes.toString('hex');
    if (isUtf8(bytes)) {
      assert.equal(at, bytes.length, hex);
      continue;
    }
    invalid++;
    // Everything before it is UTF-8; extended by the rest of the sequence that starts there
    // (up to 4 bytes) it never is, whatever follows.
    assert.ok(at < bytes.length, hex);
    assert.ok(isUtf8(bytes.subarray(0, at)), `${hex} @${at}`);
    for (let k = 1; k <= 4 && at + k <= bytes.length; k++) {
      const seq = bytes.subarray(at, at + k);
      const next = bytes[at + k];
      // A prefix that is complete and valid would mean the sequence did not break at `at`.
      if (isUtf8(seq)) assert.fail(`${hex} @${at}: ${seq.toString('hex')} is valid UTF-8 (next ${next})`);
    }
  }
  assert.ok(invalid > 500, `only ${invalid} invalid strings`);
});
