/**
 * Every process the bench starts goes through one Supervisor, so that all of them die at
 * the end of the run, on an error and on Ctrl-C. Each child is started in its own process
 * group (`detached`) and killed as a group: nginx's workers and anything a peer forks go
 * with it, and a terminal's Ctrl-C cannot race our own orderly shutdown.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

const TAIL_BYTES = 4096;

export interface Managed {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** The last few KB of stderr, for error messages. */
  stderrTail(): string;
  /** Whole stdout when `captureStdout` was asked for. */
  stdout(): string;
}

export interface SpawnOptions {
  /** Cores for `taskset -c`, e.g. "1"; empty or undefined means not pinned. */
  readonly cpus?: string | undefined;
  readonly captureStdout?: boolean;
  readonly cwd?: string;
  /** Added to this process's environment (Caddy's GOMAXPROCS, for instance). */
  readonly env?: Readonly<Record<string, string>>;
}

export class Supervisor {
  private readonly live = new Set<Managed>();

  spawn(name: string, command: string, args: readonly string[], opts: SpawnOptions = {}): Managed {
    // taskset execs the command, so the pid we get is the pid of the peer itself (its
    // /proc/<pid>/status is the one whose RSS we read).
    const argv = opts.cpus ? ['-c', opts.cpus, command, ...args] : [...args];
    const bin = opts.cpus ? 'taskset' : command;
    const child = spawn(bin, argv, {
      detached: true,
      cwd: opts.cwd,
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
      // stdout is never left unread: a peer writing to a full pipe would stall mid-benchmark.
      stdio: ['ignore', opts.captureStdout ? 'pipe' : 'ignore', 'pipe'],
    });
    let tail = '';
    let out = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-TAIL_BYTES);
    });
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
    });
    const exited = new Promise<number | string>((resolve) => {
      child.once('error', (err) => {
        tail += `\n${err.message}`;
        resolve(-1);
      });
      child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
    });
    const managed: Managed = { name, child, exited, stderrTail: () => tail.trim(), stdout: () => out };
    this.live.add(managed);
    void exited.then(() => this.live.delete(managed));
    return managed;
  }

  /** SIGTERM to the whole group, SIGKILL after `graceMs` if it is still there. */
  async stop(m: Managed, graceMs = 3000): Promise<void> {
    if (!this.live.has(m)) return;
    signalGroup(m, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        signalGroup(m, 'SIGKILL');
        resolve();
      }, graceMs);
    });
    await Promise.race([m.exited.then(() => undefined), killed]);
    clearTimeout(timer);
    // The group leader may be gone while a grandchild lingers; the group kill reaches it.
    signalGroup(m, 'SIGKILL');
    await groupGone(m, 2000);
    this.live.delete(m);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.live].map((m) => this.stop(m)));
  }

  /** Last resort from a synchronous `exit` handler: nothing may outlive the bench. */
  killAllSync(): void {
    for (const m of this.live) signalGroup(m, 'SIGKILL');
    this.live.clear();
  }
}

function signalGroup(m: Managed, signal: NodeJS.Signals): void {
  const pid = m.child.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Waits until no process of the group is left, so its files can be removed safely. */
async function groupGone(m: Managed, timeoutMs: number): Promise<void> {
  const pid = m.child.pid;
  if (pid === undefined) return;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(-pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A free loopback port: asked of the kernel (an ephemeral one), or, with
 * `SLOPROBE_BENCH_PORTS=20000-20999`, the first free one of that range (on a machine shared
 * with other runs, each keeps to its own range, and none takes a port the kernel may hand
 * out as a client's source port). Another process could take it before the peer binds; on a
 * bench box that is rare and shows up as a peer that fails to start.
 */
export async function freePort(): Promise<number> {
  const range = /^(\d+)-(\d+)$/.exec(process.env.SLOPROBE_BENCH_PORTS ?? '');
  if (range === null) return bindable(0);
  for (let p = Number(range[1]); p <= Number(range[2]); p++) {
    if (handedOut.has(p)) continue;
    const got = await bindable(p).catch(() => 0);
    if (got !== 0) {
      handedOut.add(got);
      return got;
    }
  }
  throw new Error(`no free port in SLOPROBE_BENCH_PORTS=${process.env.SLOPROBE_BENCH_PORTS}`);
}

/** Ports of the range given out by this process: free when asked, possibly not yet bound. */
const handedOut = new Set<number>();

function bindable(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(got));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/**
 * Waits until `port` accepts connections, or the process exits, or `timeoutMs` passes.
 * Polling is the only signal a foreign binary (nginx, the sidecar) gives us.
 */
export async function waitForPort(m: Managed, port: number, timeoutMs = 15_000): Promise<void> {
  let exitedWith: number | string | undefined;
  void m.exited.then((code) => {
    exitedWith = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) {
      throw new Error(`${m.name} exited (${exitedWith}) before listening: ${lastLine(m.stderrTail())}`);
    }
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${m.name} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(-3).join(' | ') || 'no output';
}

export interface Memory {
  /** Resident set size now, in bytes. */
  readonly rss: number;
  /** Peak resident set size since start (VmHWM), in bytes. */
  readonly peak: number;
}

/** Reads VmRSS and VmHWM of a process; undefined when it is gone or /proc is absent. */
export function readMemory(pid: number | undefined): Memory | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number => {
      const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
      return m?.[1] ? Number(m[1]) * 1024 : 0;
    };
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** utime + stime of a process and all its threads, in clock ticks; undefined when gone. */
export function readCpuTicks(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name, which may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * CPU ticks of this process plus those of its children it has reaped (cutime, cstime):
 * that is how the CPU of an exited load generator is accounted for.
 */
export function readSelfTicks(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  } catch {
    return Number.NaN;
  }
}

/** Direct children of a process (for nginx: the worker under the master). */
export function childPids(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter((s) => s !== '')
      .map(Number);
  } catch {
    return [];
  }
}
