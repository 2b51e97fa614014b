/**
 * The fixed upstream and the peers measured in front of it. Each peer is its own process;
 * a peer that cannot start (binary missing, flag not supported yet, crash) is reported as
 * not available with the reason, and the rest of the run goes on.
 */

import { existsSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { prepareNginx } from './nginx.js';
import { prepareCaddy, prepareHaproxy } from './other-proxies.js';
import { childPids, freePort, type Managed, readMemory, type Supervisor, waitForPort } from './procs.js';
import type { BenchRequest } from './request-mix.js';

export const PEER_IDS = [
  'direct',
  'sloprobe',
  'sloprobe-nolog',
  'sloprobe-norec',
  'lean-floor',
  'undici-floor',
  'http-proxy',
  'nginx',
  'haproxy',
  'caddy',
] as const;
export type PeerId = (typeof PEER_IDS)[number];

export const PEER_LABELS: Record<PeerId, string> = {
  direct: 'direct (no proxy)',
  sloprobe: 'sloprobe (default: access log on)',
  'sloprobe-nolog': 'sloprobe --access-log off',
  'sloprobe-norec': 'sloprobe --recording off (no log)',
  'lean-floor': 'lean floor (node:http + undici)',
  'undici-floor': 'closure floor (node:http + undici)',
  'http-proxy': 'http-proxy (keep-alive agent)',
  nginx: 'nginx (1 worker, keepalive)',
  haproxy: 'HAProxy (1 thread)',
  caddy: 'Caddy (GOMAXPROCS=1)',
};

export interface BenchContext {
  readonly sup: Supervisor;
  readonly tmpDir: string;
  /** Compiled sloprobe CLI, or undefined when it has not been built. */
  readonly sidecarMain: string | undefined;
  /** Why there is no sidecar, naming the paths looked at. */
  readonly sidecarMissing: string;
  /** Node flags the sidecar peers run with (the image's NODE_OPTIONS by default). */
  readonly sidecarNodeFlags: readonly string[];
  /** Environment added for the sidecar peers (the image's glibc malloc settings). */
  readonly sidecarEnv: Readonly<Record<string, string>>;
  readonly httpProxyScript: string;
  /** The floor peer: node:http + undici Pool and nothing else, per-request closures. */
  readonly floorScript: string;
  /** The lean floor: the same with a class handler and no per-request closures. */
  readonly leanFloorScript: string;
  readonly upstreamScript: string;
  readonly configFile: string;
  readonly nginxPath: string | undefined;
  readonly haproxyPath: string | undefined;
  readonly caddyPath: string | undefined;
  /** taskset cores for the proxy under test and for the upstream. */
  readonly proxyCpus: string | undefined;
  readonly upstreamCpus: string | undefined;
}

export interface Running {
  readonly port: number;
  readonly managed: Managed | undefined;
  /** The process whose memory is reported (nginx: the worker, not the master). */
  memoryPid(): number | undefined;
  /** Every process whose CPU time belongs to this box (nginx: master and worker). */
  cpuPids(): number[];
  readonly describe: string;
}

export async function startUpstream(ctx: BenchContext, useNginx: boolean): Promise<Running> {
  const port = await freePort();
  if (useNginx && ctx.nginxPath) {
    const args = prepareNginx(join(ctx.tmpDir, 'nginx-upstream'), port, { kind: 'upstream' });
    const m = ctx.sup.spawn('upstream (nginx)', ctx.nginxPath, args, { cpus: ctx.upstreamCpus });
    await waitForPort(m, port);
    return running(m, port, 'nginx `return 200`, 1 worker');
  }
  const m = ctx.sup.spawn('upstream (node)', process.execPath, [ctx.upstreamScript, String(port)], {
    cpus: ctx.upstreamCpus,
  });
  await waitForPort(m, port);
  return running(m, port, 'node:http in its own process');
}

/** A box that is one Node or nginx process (plus its children for CPU). */
function running(m: Managed, port: number, describe: string): Running {
  return { port, managed: m, memoryPid: () => m.child.pid, cpuPids: () => tree(m), describe };
}

function sidecarArgs(id: PeerId, ctx: BenchContext, upstream: number, port: number, admin: number): string[] {
  const args = [
    '--config',
    ctx.configFile,
    '--upstream',
    `http://127.0.0.1:${upstream}`,
    '--listen',
    `127.0.0.1:${port}`,
    '--admin',
    `127.0.0.1:${admin}`,
    '--data-dir',
    ':memory:',
  ];
  // The default access log goes to stdout, which the supervisor points at /dev/null: the
  // formatting and the write(2) are paid, as they are into a container's log pipe.
  if (id !== 'sloprobe') args.push('--access-log', 'off');
  if (id === 'sloprobe-norec') args.push('--recording', 'off');
  return args;
}

export async function startPeer(id: PeerId, ctx: BenchContext, upstream: Running): Promise<Running> {
  if (id === 'direct') {
    return {
      port: upstream.port,
      managed: undefined,
      memoryPid: () => undefined,
      cpuPids: () => [],
      describe: 'no proxy',
    };
  }
  const port = await freePort();
  if (id === 'http-proxy' || id === 'undici-floor' || id === 'lean-floor') {
    const script =
      id === 'http-proxy' ? ctx.httpProxyScript : id === 'lean-floor' ? ctx.leanFloorScript : ctx.floorScript;
    const m = ctx.sup.spawn(
      id,
      process.execPath,
      [script, `http://127.0.0.1:${upstream.port}`, String(port)],
      {
        cpus: ctx.proxyCpus,
      },
    );
    await waitForPort(m, port);
    return running(m, port, id);
  }
  if (id === 'nginx') {
    if (!ctx.nginxPath) throw new Error('nginx: not installed, skipped');
    const args = prepareNginx(join(ctx.tmpDir, 'nginx-peer'), port, {
      kind: 'proxy',
      upstreamPort: upstream.port,
    });
    const m = ctx.sup.spawn(id, ctx.nginxPath, args, { cpus: ctx.proxyCpus });
    await waitForPort(m, port);
    return { port, managed: m, memoryPid: () => nginxWorker(m), cpuPids: () => tree(m), describe: 'nginx' };
  }
  if (id === 'haproxy') {
    if (!ctx.haproxyPath) throw new Error('haproxy: not installed, skipped');
    const args = prepareHaproxy(join(ctx.tmpDir, 'haproxy'), port, upstream.port);
    const m = ctx.sup.spawn(id, ctx.haproxyPath, args, { cpus: ctx.proxyCpus });
    await waitForPort(m, port);
    return running(m, port, 'haproxy');
  }
  if (id === 'caddy') {
    if (!ctx.caddyPath) throw new Error('caddy: not installed, skipped');
    const dir = join(ctx.tmpDir, 'caddy');
    const args = prepareCaddy(dir, port, upstream.port);
    // Caddy writes its state under XDG dirs: keep them in the bench's temp dir.
    const env = { GOMAXPROCS: '1', XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir, HOME: dir };
    const m = ctx.sup.spawn(id, ctx.caddyPath, args, { cpus: ctx.proxyCpus, env });
    await waitForPort(m, port);
    return running(m, port, 'caddy');
  }
  if (!ctx.sidecarMain) throw new Error(`not available: ${ctx.sidecarMissing}`);
  const admin = await freePort();
  const m = ctx.sup.spawn(
    id,
    process.execPath,
    [...ctx.sidecarNodeFlags, ctx.sidecarMain, 'run', ...sidecarArgs(id, ctx, upstream.port, port, admin)],
    {
      cpus: ctx.proxyCpus,
      env: ctx.sidecarEnv,
    },
  );
  await waitForPort(m, port);
  await waitReady(m, admin);
  return running(m, port, 'sloprobe');
}

/** nginx's master only supervises; the worker is the process that does the proxying. */
function nginxWorker(master: Managed): number | undefined {
  return childPids(master.child.pid)[0] ?? master.child.pid;
}

function tree(m: Managed): number[] {
  const pid = m.child.pid;
  return pid === undefined ? [] : [pid, ...childPids(pid)];
}

interface Reply {
  readonly status: number;
  readonly body: string;
}

export function send(port: number, req: BenchRequest, path = req.path): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const r = http.request(
      { host: '127.0.0.1', port, method: req.method, path, agent: false, timeout: 5000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    r.once('timeout', () => r.destroy(new Error('timed out')));
    r.once('error', reject);
    if (req.body !== undefined) r.setHeader('content-type', 'application/json');
    r.end(req.body);
  });
}

/** `/readyz` turns 200 once config and upstream pool are set up. */
async function waitReady(m: Managed, admin: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const r = await send(admin, { method: 'GET', path: '/readyz', body: undefined });
      if (r.status === 200) return;
      last = `HTTP ${r.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${m.name}: /readyz not 200 within 10 s (${last})`);
}

/**
 * One request of each kind through the peer before it is measured: a peer that answers
 * errors fast would otherwise win the benchmark.
 */
export async function sanityCheck(
  port: number,
  requests: readonly BenchRequest[],
  expectBody: string,
): Promise<void> {
  for (const req of requests) {
    const r = await send(port, req);
    // The unmatched path is still proxied; every path must reach the upstream.
    if (r.status !== 200 || !r.body.includes(expectBody)) {
      throw new Error(`${req.method} ${req.path} -> HTTP ${r.status} ${r.body.slice(0, 120)}`);
    }
  }
}

export function memoryOf(peer: Running): ReturnType<typeof readMemory> {
  return readMemory(peer.memoryPid());
}

export function sidecarCandidates(explicit: string, buildDir: string, repoRoot: string): string[] {
  return explicit
    ? [explicit]
    : [join(buildDir, 'src', 'cli', 'main.js'), join(repoRoot, 'dist', 'src', 'cli', 'main.js')];
}

export function findSidecar(candidates: readonly string[]): string | undefined {
  return candidates.find((p) => existsSync(p));
}
