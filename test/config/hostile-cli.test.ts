/**
 * Hostile config files through the real executable, `check` and `run`, each in a child
 * process with a 64 MB old-space heap: "always a positioned error and exit 2, bounded time
 * and memory". A hang or an out-of-memory crash fails (the deadline is generous: it catches
 * a hang, it does not time anything); the exit code and the first stderr line are asserted.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cliPath, repoRoot } from '../helpers/paths.js';
import { HEAD as BASE, BILLION_LAUGHS, routeLines } from './hostile-inputs.js';

const HEAP_MB = 64;
const DEADLINE_MS = 180_000;
const dir = mkdtempSync(join(tmpdir(), 'sloprobe-hostile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = `${BASE}routes:\n`;

function sloprobe(args: string[]): Promise<{ code: number | null; signal: string | null; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, cliPath, ...args], {
      cwd: repoRoot,
      env: { ...process.env, SLOPROBE_CONFIG: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, err });
    });
  });
}

/** A million routes, about 70 MB, written in 1 MB pieces (never held whole). */
function millionRoutes(): string {
  const file = join(dir, 'million-routes.yaml');
  const fd = openSync(file, 'w');
  writeSync(fd, HEAD);
  for (let i = 0; i < 1_000_000; i += 10_000) writeSync(fd, routeLines(i, i + 10_000));
  closeSync(fd);
  return file;
}

function write(name: string, content: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

interface Case {
  readonly name: string;
  readonly file: () => string;
  /** The first stderr line after `FILE:`. */
  readonly expect: RegExp;
}

const CASES: readonly Case[] = [
  {
    name: 'a million routes (70 MB)',
    file: millionRoutes,
    expect: /^\d+:\d+: the config is larger than 4 MiB/,
  },
  {
    name: 'a Latin-1 byte',
    // "é" in Latin-1 is the single byte 0xE9: line 2, after the 7 characters of "  # caf".
    file: () =>
      write(
        'latin1.yaml',
        Buffer.concat([
          Buffer.from('upstream: http://127.0.0.1:9000\n  # caf'),
          Buffer.from([0xe9]),
          Buffer.from('\n'),
        ]),
      ),
    expect: /^2:8: byte 0xE9 is not UTF-8/,
  },
  {
    name: 'UTF-16',
    file: () => write('utf16.yaml', Buffer.from(`\ufeff${HEAD}`, 'utf16le')),
    expect: /^1:1: the file is UTF-16/,
  },
  {
    name: 'billion laughs',
    file: () => write('laughs.yaml', BILLION_LAUGHS),
    expect: /^10:\d+: .*aliases are expanded/,
  },
  {
    name: 'nesting 100,000 deep',
    file: () => write('deep.yaml', `${HEAD}x: ${'{a: '.repeat(100_000)}1${'}'.repeat(100_000)}\n`),
    expect: /^7:\d+: nested more than 32 levels deep/,
  },
];

describe(`hostile configs under --max-old-space-size=${HEAP_MB}`, () => {
  for (const c of CASES) {
    test(`${c.name}: check and run exit 2 with file:line:column`, async () => {
      const file = c.file();
      for (const args of [
        ['check', '--config', file],
        [
          'run',
          '--config',
          file,
          '--listen',
          '127.0.0.1:0',
          '--admin',
          '127.0.0.1:0',
          '--data-dir',
          ':memory:',
        ],
      ]) {
        const r = await sloprobe(args);
        assert.equal(r.signal, null, `${args[0]} was killed (${r.signal}): a hang\n${r.err}`);
        assert.equal(r.code, 2, `${args[0]}: ${r.err}`);
        const first = r.err.split('\n')[0]!;
        assert.ok(first.startsWith(`${file}:`), first);
        assert.match(first.slice(file.length + 1), c.expect);
        assert.doesNotMatch(r.err, /\n\s+at |heap out of memory/);
      }
    });
  }

  test('/dev/zero never ends: read up to the limit, refused at line 1', {
    skip: !existsSync('/dev/zero') && !process.env.CI && 'no /dev/zero on this system',
  }, async () => {
    const r = await sloprobe(['check', '--config', '/dev/zero']);
    assert.equal(r.code, 2, r.err);
    // 4 MiB of NUL bytes and no newline: the limit is crossed at column 4 × 1024 × 1024 + 1.
    assert.match(r.err, /^\/dev\/zero:1:4194305: the config is larger than 4 MiB/);
  });
});
