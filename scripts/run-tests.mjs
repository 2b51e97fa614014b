// Runs every compiled test under dist/test with node's test runner; extra arguments go to
// `node --test` (`--experimental-test-coverage`). A script, not `node --test dist/test/`:
// Node 20 accepts a directory there, Node 22 and later accept only files and globs, and
// Node 20 has no globs. Listing the files ourselves works on both lines CI runs.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join('dist', 'test');
const files = readdirSync(root, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.js'))
  .sort()
  .map((f) => join(root, f));
if (files.length === 0) {
  console.error(`no compiled tests under ${root}: run tsc first`);
  process.exit(1);
}
const args = ['--test', '--test-concurrency=2', ...process.argv.slice(2), ...files];
const run = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(run.status ?? 1);
