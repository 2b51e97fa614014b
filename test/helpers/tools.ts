import { execFileSync } from 'node:child_process';
import type { TestContext } from 'node:test';

/**
 * Finds a system tool (promtool, nginx, chromium) on PATH. When it is missing the test is
 * skipped with a printed reason, except under CI (`CI` set), where a missing tool is a
 * failure: CI installs them, so a skip there would hide a broken install step.
 */
export function requireTool(t: TestContext, name: string, installHint: string): string | undefined {
  let path = '';
  try {
    path = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    path = '';
  }
  if (path) return path;
  const reason = `${name} is not installed (${installHint})`;
  if (process.env.CI) throw new Error(`${reason}; CI must install it`);
  process.stderr.write(`skipping: ${reason}\n`);
  t.skip(reason);
  return undefined;
}
