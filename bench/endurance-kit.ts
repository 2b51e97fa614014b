/**
 * What the three endurance scripts (connections, soak, crash) share: starting the compiled
 * sidecar as its own process and waiting for it, reading its admin endpoints, its file
 * descriptors and its store, the file-descriptor limit, and a list of PASS/FAIL verdicts.
 * The processes go through bench/procs.ts's Supervisor like every other bench child.
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { imageMallocEnv, imageNodeFlags } from './image.js';
import { freePort, type Managed, readMemory, type Supervisor, waitForPort } from './procs.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The compiled CLI next to this build (dist/bench -> dist/src/cli/main.js). */
export function sidecarMain(): string {
  return resolve(here, '..', 'src', 'cli', 'main.js');
}

/** The repository root (dist/bench -> ..). */
export function repoRoot(): string {
  return resolve(here, '..', '..');
}

export function benchScript(rel: string): string {
  return join(here, rel);
}

export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

export interface Reply {
  readonly status: number;
  readonly body: string;
}

/** One request on a fresh connection (admin reads must not share the load's sockets). */
export function request(
  port: number,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<Reply> {
  return new Promise((resolveReply, reject) => {
    const r = http.request(
      { host: '127.0.0.1', port, method, path, agent: false, timeout: timeoutMs, headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolveReply({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    r.once('timeout', () => r.destroy(new Error(`${method} ${path}: timed out`)));
    r.once('error', reject);
    if (body !== undefined) r.setHeader('content-type', 'application/json');
    r.end(body);
  });
}

export async function getJson<T>(port: number, path: string): Promise<T> {
  const r = await request(port, 'GET', path);
  if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
  return JSON.parse(r.body) as T;
}

/** Sum of every series of one metric family in a Prometheus text exposition. */
export function metricSum(text: string, name: string): number | undefined {
  let sum = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) {
      sum += value;
      seen = true;
    }
  }
  return seen ? sum : undefined;
}

/** Open file descriptors of a process (sockets, the store, pipes); undefined when gone. */
export function fdCount(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

export function rssMiB(pid: number | undefined): number | undefined {
  const m = readMemory(pid);
  return m ? m.rss / 2 ** 20 : undefined;
}

/** This process's soft and hard `nofile` limits (children inherit the soft one). */
export function fdLimits(): { soft: number; hard: number } {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = (line ?? '').replace('Max open files', '').trim().split(/\s+/);
    const num = (s: string | undefined) => (s === 'unlimited' ? Number.POSITIVE_INFINITY : Number(s));
    return { soft: num(soft), hard: num(hard) };
  } catch {
    return { soft: Number.NaN, hard: Number.NaN };
  }
}

export interface SidecarRun {
  readonly managed: Managed;
  readonly port: number;
  readonly admin: number;
  readonly pid: number | undefined;
}

export interface SidecarSpec {
  readonly config: string;
  readonly upstreamPort: number;
  readonly dataDir: string;
  readonly cpus?: string | undefined;
  /** `prlimit --nofile=N:N` around the sidecar when the inherited limit is lower. */
  readonly nofile?: number | undefined;
  /** Keep the listener ports of an earlier run (a restart on the same addresses). */
  readonly ports?: { port: number; admin: number };
}

/** `sloprobe run` as its own process; resolves once the proxy listens and /readyz is 200. */
export async function startSidecar(sup: Supervisor, spec: SidecarSpec): Promise<SidecarRun> {
  const port = spec.ports?.port ?? (await freePort());
  const admin = spec.ports?.admin ?? (await freePort());
  // As the image starts it: its NODE_OPTIONS (the young generation's size) and its malloc
  // settings change memory and CPU.
  const args = [
    ...imageNodeFlags(join(repoRoot(), 'Dockerfile')),
    sidecarMain(),
    'run',
    '--config',
    spec.config,
    '--upstream',
    `http://127.0.0.1:${spec.upstreamPort}`,
    '--listen',
    `127.0.0.1:${port}`,
    '--admin',
    `127.0.0.1:${admin}`,
    '--data-dir',
    spec.dataDir,
    '--access-log',
    'off',
  ];
  let command = process.execPath;
  let argv = args;
  if (spec.nofile !== undefined && fdLimits().soft < spec.nofile) {
    command = 'prlimit';
    argv = [`--nofile=${spec.nofile}:${spec.nofile}`, '--', process.execPath, ...args];
  }
  const env = imageMallocEnv(join(repoRoot(), 'Dockerfile'));
  const managed = sup.spawn('sloprobe', command, argv, { cpus: spec.cpus, env });
  await waitForPort(managed, port, 30_000);
  await waitReady(managed, admin);
  return { managed, port, admin, pid: managed.child.pid };
}

async function waitReady(m: Managed, admin: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const r = await request(admin, 'GET', '/readyz', undefined, {}, 2000);
      if (r.status === 200) return;
      last = `HTTP ${r.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(50);
  }
  throw new Error(`sloprobe: /readyz not 200 within 30 s (${last}): ${m.stderrTail().slice(-500)}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Counters summed over every minute row of the store (hourly rows start 2 h after an hour ends). */
export interface StoreTotals {
  readonly total: number;
  readonly good: number;
  readonly bad: number;
  readonly excluded: number;
  readonly minuteRows: number;
}

/** Reads the store read-only, as `sloprobe report` does while the sidecar runs. */
export function readStoreTotals(dataDir: string): StoreTotals {
  const db = new Database(join(dataDir, 'sloprobe.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare(
        `SELECT coalesce(sum(total),0) AS total, coalesce(sum(good),0) AS good, coalesce(sum(bad),0) AS bad,
                coalesce(sum(excluded),0) AS excluded, count(*) AS minuteRows FROM minute_rollups`,
      )
      .get() as StoreTotals;
    const hours = db.prepare('SELECT count(*) AS n FROM hour_rollups').get() as { n: number };
    if (hours.n > 0) throw new Error('the store has hourly rows: this run is too long for minute sums alone');
    return row;
  } finally {
    db.close();
  }
}

/** Any read-only query on the store (the outbox, downtimes). */
export function queryStore<T>(dataDir: string, sql: string): T[] {
  const db = new Database(join(dataDir, 'sloprobe.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 }) };
}

/** The criteria of one script, printed as PASS/FAIL lines; the exit code says whether all passed. */
export class Verdicts {
  private readonly rows: { ok: boolean; what: string; detail: string }[] = [];

  check(ok: boolean, what: string, detail: string): boolean {
    this.rows.push({ ok, what, detail });
    return ok;
  }

  print(): number {
    log('');
    for (const r of this.rows) log(`${r.ok ? 'PASS' : 'FAIL'}  ${r.what}: ${r.detail}`);
    const failed = this.rows.filter((r) => !r.ok).length;
    log(failed === 0 ? 'all criteria passed' : `${failed} of ${this.rows.length} criteria failed`);
    return failed === 0 ? 0 : 1;
  }
}

/**
 * Runs `body` with a Supervisor and a temp dir that are cleaned up on return, on an error
 * and on Ctrl-C; returns the exit code.
 */
export async function withHarness(
  prefix: string,
  sup: Supervisor,
  body: (tmp: string) => Promise<number>,
): Promise<number> {
  const tmp = tempDir(prefix);
  process.on('exit', () => sup.killAllSync());
  const interrupted = () => {
    void sup.stopAll().finally(() => {
      tmp.remove();
      process.exit(130);
    });
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    return await body(tmp.dir);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 2;
  } finally {
    await sup.stopAll();
    tmp.remove();
  }
}

export function fmt(n: number | undefined, digits = 0): string {
  if (n === undefined || !Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export const ADMIN_TOKEN = 'bench-admin-token-0123456789';
export const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789';

/**
 * The route map of the soak and crash runs: three routes (one with a payment method, so the
 * downtime tracker and its API are live) plus whatever matches none (`unmatched`).
 */
export function enduranceConfig(opts: { webhookUrl?: string } = {}): string {
  const hooks = opts.webhookUrl
    ? `webhooks:
  - url: ${opts.webhookUrl}
    secret: ${WEBHOOK_SECRET}
    events: [payment.downtime.started, payment.downtime.updated, payment.downtime.resolved, slo.alert.raised, slo.alert.cleared]
`
    : '';
  return `# generated by bench/endurance-kit.ts
upstream: http://127.0.0.1:9
admin: { listen: 127.0.0.1:9464, token: ${ADMIN_TOKEN} }
classes:
  transaction-critical: { availability: 99% }
  transaction-non-critical: { availability: 99% }
categories:
  payments: { class: transaction-critical }
  payment-reads: { class: transaction-non-critical }
routes:
  - { name: payment-create, method: POST, path: /v1/payments, category: payments, payment_method: card, latency: { p99: 500ms } }
  - { name: payment-read, method: GET, path: "/v1/payments/{id}", category: payment-reads }
  - { name: order-read, method: GET, path: "/v1/orders/{id}", category: payment-reads }
${hooks}`;
}

/** What the open-loop client sends through that route map, in turn. */
export const ENDURANCE_MIX = [
  { method: 'POST', path: '/v1/payments', body: '{"amount":1000,"currency":"MYR","method":"card"}' },
  { method: 'GET', path: '/v1/payments/pay_1001', body: undefined },
  { method: 'GET', path: '/v1/orders/order_2002', body: undefined },
  { method: 'GET', path: '/v1/payments/pay_1003', body: undefined },
  { method: 'GET', path: '/bench/no-such-route', body: undefined },
] as const;

/**
 * Established TCP connections whose local port is `port` (the server side of a loopback
 * listener), from /proc/net/tcp: what a sidecar holds, without counting its upstream pool.
 * Only those the process has accepted: a connection still in the listen queue is
 * established for the kernel but has no socket inode yet (0), and is served by no one.
 */
export function establishedTo(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let n = 0;
  let text: string;
  try {
    text = readFileSync('/proc/net/tcp', 'latin1');
  } catch {
    return Number.NaN;
  }
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[3] === '01' && f[1]?.endsWith(hex) && f[9] !== '0') n++;
  }
  return n;
}
