/**
 * What the Docker image sets for the sidecar's process, read from the Dockerfile so that the
 * benches start the sidecar as it is shipped: its NODE_OPTIONS and its glibc malloc settings.
 */

import { existsSync, readFileSync } from 'node:fs';

/** The NODE_OPTIONS the Docker image sets (`ENV NODE_OPTIONS="..."`), split into flags. */
export function imageNodeFlags(dockerfile: string): string[] {
  if (!existsSync(dockerfile)) return [];
  const m = /^ENV NODE_OPTIONS="?([^"\n]*)"?\s*$/m.exec(readFileSync(dockerfile, 'utf8'));
  return m?.[1] ? m[1].split(/\s+/).filter((f) => f !== '') : [];
}

/**
 * The glibc malloc settings the Docker image sets (`ENV MALLOC_*=...`). A MALLOC_* variable in
 * the bench's own environment wins, to compare against another value.
 */
export function imageMallocEnv(
  dockerfile: string,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  if (!existsSync(dockerfile)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(dockerfile, 'utf8').split('\n')) {
    if (!line.startsWith('ENV ')) continue;
    for (const m of line.matchAll(/\b(MALLOC_[A-Z_]+)=(\S+)/g)) {
      const [, name, value] = m;
      if (name && value) out[name] = env[name] ?? value;
    }
  }
  return out;
}

/** ` with K=V ...` for a startup header; empty when no variable is added. */
export function describeEnv(env: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return pairs.length > 0 ? ` with ${pairs.join(' ')}` : '';
}
