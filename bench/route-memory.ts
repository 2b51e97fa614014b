/**
 * Resident memory of one sidecar against the size of its route map: a generated config of N
 * routes (default 1,000) in 50 categories over the three classes, every fourth route with a
 * p99 objective, started as the image starts it (the Docker image's NODE_OPTIONS and malloc
 * settings), in front of a node:http upstream. Prints RSS idle, after one request to every route (each route's
 * and SLO's series allocate on first use), and after ten more rounds over all of them.
 *
 *   npx tsc -p . && node dist/bench/route-memory.js [--routes 1000,31] [--node-flags "..."] [--port-base N]
 *
 * --port-base N: the upstream listens on N and each sidecar on N+1.. (default: free ports the
 * system picks), for a machine shared with other runs.
 *
 * No assertion: a figure for README's sizing paragraph, measured in one run beside the
 * same measurement for a small map.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeEnv, imageMallocEnv, imageNodeFlags } from './image.js';
import { findRoot } from './plan.js';
import { freePort } from './procs.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = findRoot(here);
const { values } = parseArgs({
  options: {
    routes: { type: 'string', default: '1000,31' },
    'node-flags': { type: 'string' },
    'port-base': { type: 'string' },
  },
});
const flags =
  values['node-flags'] === undefined
    ? imageNodeFlags(join(root, 'Dockerfile'))
    : values['node-flags'].split(/\s+/).filter((f) => f !== '');
const mallocEnv = imageMallocEnv(join(root, 'Dockerfile'));
const main = join(root, 'dist', 'src', 'cli', 'main.js');
const portBase = values['port-base'] === undefined ? undefined : Number(values['port-base']);
let nextPort = portBase ?? 0;
const port = (): Promise<number> => (portBase === undefined ? freePort() : Promise.resolve(++nextPort));

const CLASSES = ['transaction-critical', 'transaction-non-critical', 'additional'];

function config(routes: number, upstream: number): string {
  const categories = Math.min(50, routes);
  const lines = [`upstream: http://127.0.0.1:${upstream}`, 'period: 30d', 'classes:'];
  for (const c of CLASSES) lines.push(`  ${c}: { availability: 99% }`);
  lines.push('categories:');
  for (let c = 0; c < categories; c++) lines.push(`  cat-${c}: { class: ${CLASSES[c % 3]} }`);
  lines.push('routes:');
  for (let r = 0; r < routes; r++) {
    lines.push(
      `  - name: route-${r}`,
      '    method: GET',
      `    path: /api/v1/thing-${r}/{id}`,
      `    category: cat-${r % categories}`,
    );
    if (r % 4 === 0) lines.push('    latency: { p99: 500ms }');
  }
  return `${lines.join('\n')}\n`;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

async function ready(admin: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if ((await get(admin, '/readyz').catch(() => 0)) === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('sidecar not ready within 40 s');
}

async function measure(routes: number, upstreamPort: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sloprobe-route-memory-'));
  const file = join(dir, 'routes.yaml');
  writeFileSync(file, config(routes, upstreamPort));
  const [proxyPort, admin] = [await port(), await port()];
  const args = [
    ...flags,
    main,
    'run',
    '--config',
    file,
    '--listen',
    `127.0.0.1:${proxyPort}`,
    '--admin',
    `127.0.0.1:${admin}`,
  ];
  const child = spawn(process.execPath, [...args, '--data-dir', ':memory:', '--access-log', 'off'], {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { ...process.env, ...mallocEnv },
  });
  try {
    await ready(admin);
    await new Promise((r) => setTimeout(r, 2000));
    const idle = rssMiB(child.pid ?? 0);
    const all = async (): Promise<void> => {
      for (let r = 0; r < routes; r += 8) {
        await Promise.all(
          Array.from({ length: Math.min(8, routes - r) }, (_, k) =>
            get(proxyPort, `/api/v1/thing-${r + k}/x${k}`),
          ),
        );
      }
    };
    await all();
    const once = rssMiB(child.pid ?? 0);
    for (let i = 0; i < 10; i++) await all();
    const warm = rssMiB(child.pid ?? 0);
    return `| ${routes} | ${idle.toFixed(1)} | ${once.toFixed(1)} | ${warm.toFixed(1)} |`;
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

const upstream = http.createServer((_req, res) => res.end('{"ok":true}\n'));
await new Promise<void>((r) => upstream.listen(portBase ?? 0, '127.0.0.1', r));
const upstreamPort = (upstream.address() as { port: number }).port;
process.stdout.write(
  `# sidecar RSS by route count (node ${process.version}${flags.length > 0 ? `, ${flags.join(' ')}` : ''}${describeEnv(mallocEnv)})\n\n`,
);
process.stdout.write(
  '| routes | idle MiB | after one request per route MiB | after 10 more rounds MiB |\n| ---: | ---: | ---: | ---: |\n',
);
for (const n of (values.routes ?? '')
  .split(',')
  .map(Number)
  .filter((n) => n > 0)) {
  process.stdout.write(`${await measure(n, upstreamPort)}\n`);
}
upstream.close();
agent.destroy();
