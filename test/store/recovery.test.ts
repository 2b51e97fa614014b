import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { StoreError } from '../../src/errors.js';
import { DB_FILE } from '../../src/store/open.js';
import { SCHEMA_VERSION } from '../../src/store/schema.js';
import { Store } from '../../src/store/store.js';
import { captureLog, MARCH_1, MINUTE_MS, rollup, storeConfig, tempDir } from './fixtures.js';

const M0 = MARCH_1 / MINUTE_MS;

function asideFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith(`${DB_FILE}.corrupt-`) && !/-(wal|shm)$/.test(f));
}

test('a file of garbage bytes is moved aside, logged as an error, and a fresh store starts', (t) => {
  const dir = tempDir(t);
  const garbage = randomBytes(8192);
  writeFileSync(join(dir, DB_FILE), garbage);
  const { log, lines } = captureLog();
  const store = Store.open(storeConfig(dir), log);

  const aside = asideFiles(dir);
  assert.equal(aside.length, 1);
  assert.match(aside[0] as string, /^sloprobe\.db\.corrupt-\d{8}T\d{6}Z$/);
  assert.deepEqual(
    readFileSync(join(dir, aside[0] as string)),
    garbage,
    'the bad file is kept for inspection',
  );
  const error = lines.find((l) => l.fields.severity === 'error');
  assert.ok(error, 'logged');
  assert.match(error.msg, /moved it aside and started a fresh store/);
  assert.equal(error.fields.movedTo, join(dir, aside[0] as string));

  store.writeRollups([rollup(M0, 'a', 1)]);
  assert.equal(store.readRollups(M0, M0 + 1).length, 1, 'the fresh store works');
  store.close();

  // No crash loop: the next start finds a healthy store and moves nothing.
  const next = captureLog();
  Store.open(storeConfig(dir), next.log).close();
  assert.equal(asideFiles(dir).length, 1);
  assert.deepEqual(next.lines, []);
});

test('a store from a future schema version is moved aside (a newer sloprobe wrote it), not crashed on', (t) => {
  const dir = tempDir(t);
  const db = new Database(join(dir, DB_FILE));
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.exec('CREATE TABLE from_the_future (x)');
  db.close();
  const { log, lines } = captureLog();
  const store = Store.open(storeConfig(dir), log);
  assert.equal(asideFiles(dir).length, 1);
  const error = lines.find((l) => l.fields.severity === 'error');
  assert.match(String(error?.fields.reason), /newer/);
  store.close();
});

test('a file that claims the current version but lacks the tables is treated as damaged', (t) => {
  const dir = tempDir(t);
  const db = new Database(join(dir, DB_FILE));
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
  db.close();
  const { log, lines } = captureLog();
  Store.open(storeConfig(dir), log).close();
  assert.equal(asideFiles(dir).length, 1);
  assert.match(String(lines[0]?.fields.reason), /tables missing/);
});

test('pages damaged behind an intact header are found at the first read: moved aside, fresh store, no throw', (t) => {
  const dir = tempDir(t);
  const file = join(dir, DB_FILE);
  const store = Store.open(storeConfig(dir), captureLog().log);
  const rows = [];
  for (let i = 0; i < 3000; i++) rows.push(rollup(M0 + Math.floor(i / 10), `route-${i % 10}`, i));
  store.writeRollups(rows);
  store.close(); // checkpoints the WAL into the main file

  // Overwrite everything after the first page (the schema) with garbage.
  const size = statSync(file).size;
  const fd = openSync(file, 'r+');
  writeSync(fd, randomBytes(size - 4096), 0, size - 4096, 4096);
  closeSync(fd);

  const { log, lines } = captureLog();
  const damaged = Store.open(storeConfig(dir), log);
  assert.deepEqual(damaged.readRollups(M0, M0 + 300), [], 'nothing to restore, but no exception');
  assert.equal(asideFiles(dir).length, 1);
  assert.ok(
    lines.some((l) => l.fields.severity === 'error' && String(l.fields.code).startsWith('SQLITE_CORRUPT')),
  );
  damaged.writeRollups([rollup(M0, 'a', 1)]);
  assert.equal(damaged.readRollups(M0, M0 + 1).length, 1);
  damaged.close();
});

test('the report (read-only) says what is wrong with a damaged store and moves nothing', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, DB_FILE), randomBytes(4096));
  assert.throws(
    () => Store.openReadOnly(dir),
    (err: unknown) => err instanceof StoreError && /cannot read the store/.test(err.message),
  );
  assert.equal(asideFiles(dir).length, 0);
});

test('the report on a directory without a store says so', (t) => {
  const dir = tempDir(t);
  assert.throws(() => Store.openReadOnly(dir), /no store in/);
});

test('a data directory that cannot be created is a StoreError, not a moved-aside store', (t) => {
  const dir = tempDir(t);
  const notADir = join(dir, 'file');
  writeFileSync(notADir, 'x');
  assert.throws(
    () => Store.open(storeConfig(join(notADir, 'data')), captureLog().log),
    (err: unknown) =>
      err instanceof StoreError && err.exitCode === 1 && /cannot create the data directory/.test(err.message),
  );
});
