/**
 * Product rule: no crash on any input. Both importers get seeded random edits of a valid
 * input (a value anywhere in the document replaced by a value of another type, a key
 * deleted) and must either succeed or refuse with a SloprobeError (exit 2, a message saying
 * what is wrong), never fail with any other exception (a TypeError on an unexpected shape).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { mulberry32 } from '../../src/demo/random.js';
import { SloprobeError } from '../../src/errors.js';
import { importOpenapiCommand } from '../../src/openapi/command.js';
import { opensloCommand } from '../../src/openslo/export-command.js';
import { importOpenSlo } from '../../src/openslo/import.js';
import { repoRoot } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'sloprobe-import-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const VALUES: unknown[] = [
  null,
  0,
  -1,
  1.5,
  Number.MAX_VALUE,
  '',
  'x',
  '1M',
  '0m',
  '5m',
  true,
  [],
  {},
  [1],
  { $ref: '#/nope' },
];

type Tree = Record<string, unknown> | unknown[];

/** Every container in `root`, so a random one can be edited. */
function containers(root: unknown, out: Tree[] = []): Tree[] {
  if (root !== null && typeof root === 'object') {
    out.push(root as Tree);
    for (const v of Object.values(root)) containers(v, out);
  }
  return out;
}

function mutate(root: unknown, rng: () => number): void {
  const rounds = 1 + Math.floor(rng() * 3);
  for (let r = 0; r < rounds; r++) {
    const all = containers(root);
    const target = all[Math.floor(rng() * all.length)]!;
    const keys = Object.keys(target);
    if (keys.length === 0) continue;
    const key = keys[Math.floor(rng() * keys.length)]!;
    const record = target as Record<string, unknown>;
    if (rng() < 0.2 && !Array.isArray(target)) delete record[key];
    else record[key] = structuredClone(VALUES[Math.floor(rng() * VALUES.length)]);
  }
}

function acceptable(err: unknown, what: string): void {
  assert.ok(err instanceof SloprobeError, `${what}: ${(err as Error)?.stack ?? String(err)}`);
  assert.equal(err.exitCode, 2, `${what}: ${err.message}`);
}

test('import openslo: 400 seeded edits of an export either import or are refused cleanly', async () => {
  const out: string[] = [];
  const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: () => true } };
  const config = join(repoRoot, 'test', 'fixtures', 'openslo', 'every-slo.yaml');
  assert.equal(await opensloCommand(['--config', config], io), 0);
  const source = parseAllDocuments(out.join('')).map((d) => d.toJS() as unknown);
  const rng = mulberry32(11);
  for (let i = 0; i < 400; i++) {
    const docs = structuredClone(source);
    mutate(docs, rng);
    try {
      const result = importOpenSlo(docs, `case-${i}.yaml`);
      assert.ok(Array.isArray(result.slos) && Array.isArray(result.skipped));
    } catch (err) {
      acceptable(err, `case ${i}`);
    }
  }
});

test('import openapi: 200 seeded edits of a description either import or are refused cleanly', async () => {
  const source = parse(
    readFileSync(join(repoRoot, 'test', 'fixtures', 'openapi', 'petstore-swagger2.yaml'), 'utf8'),
  );
  const rng = mulberry32(7);
  const io = { stdout: { write: () => true }, stderr: { write: () => true } };
  for (let i = 0; i < 200; i++) {
    const spec = structuredClone(source) as unknown;
    mutate(spec, rng);
    const file = join(dir, `case-${i}.json`);
    writeFileSync(file, JSON.stringify(spec));
    try {
      const code = await importOpenapiCommand(
        [file, '--category-from', 'tag', '-o', join(dir, 'out.yaml')],
        io,
      );
      assert.equal(code, 0, `case ${i}`);
    } catch (err) {
      acceptable(err, `case ${i}: ${JSON.stringify(spec).slice(0, 300)}`);
    }
  }
});
