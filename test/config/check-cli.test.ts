/**
 * `sloprobe check` through the real executable (dist/src/cli/main.js, built by `npm test`):
 * "Every shipped config passes `sloprobe check` in a test"; a broken config exits 2 with
 * file:line:col on stderr.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cliPath, configDir, repoRoot } from '../helpers/paths.js';

function sloprobe(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: repoRoot,
      env: { ...process.env, SLOPROBE_CONFIG: '' },
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('sloprobe check (the executable)', () => {
  for (const file of readdirSync(configDir).filter((f) => f.endsWith('.yaml'))) {
    test(`config/${file} passes`, async () => {
      const { code, out, err } = await sloprobe(['check', '--config', `config/${file}`]);
      assert.equal(code, 0, err);
      assert.match(out, new RegExp(`^config/${file.replace('.', '\\.')}: valid \\(`));
    });
  }

  test('a broken config exits 2 with file:line:col and no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sloprobe-cli-'));
    try {
      const file = join(dir, 'broken.yaml');
      writeFileSync(file, 'upstream: http://127.0.0.1:9000\nlisten: 0.0.0.0:8080\nlisen: 0.0.0.0:8081\n');
      const { code, out, err } = await sloprobe(['check', '--config', file]);
      assert.equal(code, 2);
      assert.equal(out, '');
      assert.match(err, new RegExp(`^${file}:3:1: lisen: unknown key \\(did you mean "listen"\\?\\)$`, 'm'));
      assert.doesNotMatch(err, /\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
