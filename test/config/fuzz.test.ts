/**
 * Product rule: "A bad config names file, line, column and what to do, and exits 2." The
 * specific mistakes live in the other config tests; this feeds 500 seeded random edits of
 * the shipped `config/klarna.yaml` (lines deleted, duplicated or re-indented, values
 * replaced by wrong types or stray YAML syntax, bytes inserted or removed, the file cut
 * short) to the loader and checks, for every one of them, that it either loads or fails
 * with `ConfigErrors`, never with any other exception, and that each problem names this
 * file with a line and column inside it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { mulberry32 } from '../../src/demo/random.js';
import { ConfigErrors } from '../../src/errors.js';
import { configDir } from '../helpers/paths.js';

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
