/**
 * The Dockerfile's runtime stage, read as text (no Docker daemon is needed, nor used): the
 * process runs as a numeric non-root user that owns the data volume, the one path it writes
 * when the root filesystem is mounted read-only, SQLite's temporary files included.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/paths.js';

/** The instructions of the last stage, continuation lines joined. */
function runtimeStage(): Array<{ op: string; args: string }> {
  const text = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  const parsed = lines.map((l) => {
    const m = /^\s*(\S+)\s*(.*)$/.exec(l)!;
    return { op: m[1]!.toUpperCase(), args: m[2]!.trim() };
  });
  const from = parsed.map((p) => p.op).lastIndexOf('FROM');
  assert.ok(from > 0, 'a multi-stage build');
  return parsed.slice(from);
}

test('the image runs as a numeric non-root user owning the data volume, the only path it writes', () => {
  const stage = runtimeStage();
  const users = stage.filter((i) => i.op === 'USER');
  assert.ok(users.length >= 1, 'the runtime stage sets USER');
  const user = users.at(-1)!.args;
  const m = /^(\d+)(?::(\d+))?$/.exec(user);
  assert.ok(m, `USER ${user} is numeric, so runAsNonRoot can verify it`);
  assert.ok(Number(m[1]) > 0, 'not root');
  // The node images' `node` user is 1000:1000: the data directory is chowned to that user.
  const run = stage
    .filter((i) => i.op === 'RUN')
    .map((i) => i.args)
    .join(' ');
  assert.match(run, /chown -R node:node \/var\/lib\/sloprobe/);
  assert.equal(m[1], '1000');
  // Nothing after the USER switches back.
  const afterUser = stage.slice(stage.lastIndexOf(users.at(-1)!) + 1);
  assert.ok(!afterUser.some((i) => i.op === 'RUN'), 'no RUN as the runtime user');
  const volume = stage.find((i) => i.op === 'VOLUME');
  assert.ok(volume);
  assert.deepEqual(JSON.parse(volume.args), ['/var/lib/sloprobe']);
  const env = stage.filter((i) => i.op === 'ENV').map((i) => i.args);
  assert.ok(
    env.includes('SQLITE_TMPDIR=/var/lib/sloprobe'),
    'SQLite writes its temporary files to the volume',
  );
  const cmd = stage.find((i) => i.op === 'CMD');
  assert.ok(cmd);
  assert.deepEqual(JSON.parse(cmd.args).slice(-2), ['--data-dir', '/var/lib/sloprobe']);
});

test('the malloc settings the image sets are names glibc reads, with integer values', () => {
  // glibc ignores a misspelt variable in silence (MALLOC_TRIM_THRESHOLD without its trailing
  // underscore does nothing); these are the names mallopt(3) documents under ENVIRONMENT.
  const known = new Set([
    'MALLOC_ARENA_MAX',
    'MALLOC_ARENA_TEST',
    'MALLOC_CHECK_',
    'MALLOC_MMAP_MAX_',
    'MALLOC_MMAP_THRESHOLD_',
    'MALLOC_PERTURB_',
    'MALLOC_TOP_PAD_',
    'MALLOC_TRIM_THRESHOLD_',
  ]);
  const pairs = runtimeStage()
    .filter((i) => i.op === 'ENV')
    .flatMap((i) => i.args.split(/\s+/))
    .filter((kv) => kv.startsWith('MALLOC_'));
  assert.ok(pairs.length > 0, 'the image sets malloc settings');
  for (const kv of pairs) {
    const [name, value] = kv.split('=');
    assert.ok(known.has(name!), `${name} is a variable glibc reads`);
    assert.match(value ?? '', /^\d+$/, `${name}'s value is an integer`);
  }
});
