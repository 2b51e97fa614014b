import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'sloprobe')
      return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

/** The repository root, whether tests run from dist/ or another build directory. */
export const repoRoot = findRoot();
export const configDir = join(repoRoot, 'config');
/** The compiled CLI entry point. */
export const cliPath = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
