/**
 * What the numbers were measured on, printed with every run so RESULTS.md can quote it,
 * and per-core CPU accounting so a run can show which side was saturated.
 */

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly nginx: string | undefined;
  readonly haproxy: string | undefined;
  readonly caddy: string | undefined;
  readonly wrk: string | undefined;
  readonly taskset: boolean;
}

/** The path of an executable on PATH, or undefined. */
export function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path !== '' ? path : undefined;
}

function firstLine(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) return undefined;
  // nginx -v writes to stderr; wrk -v prints its banner and exits 1.
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  return text.split('\n')[0]?.trim() || undefined;
}

function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const m = /^model name\s*:\s*(.+)$/m.exec(info);
    if (m?.[1]) return m[1].trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

export function describeMachine(): Machine {
  const nginxPath = which('nginx');
  const wrkPath = which('wrk');
  const haproxyPath = which('haproxy');
  const caddyPath = which('caddy');
  const wrkBanner = wrkPath ? firstLine(wrkPath, ['-v']) : undefined;
  return {
    cpuModel: cpuModel(),
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    nginx: nginxPath ? firstLine(nginxPath, ['-v'])?.replace(/^nginx version:\s*/, '') : undefined,
    haproxy: haproxyPath
      ? firstLine(haproxyPath, ['-v'])
          ?.replace(/^HAProxy version\s*/, '')
          .split(' ')[0]
      : undefined,
    caddy: caddyPath ? firstLine(caddyPath, ['version'])?.split(' ')[0] : undefined,
    wrk: wrkBanner?.replace(/\s+Copyright.*$/, ''),
    taskset: which('taskset') !== undefined,
  };
}

export function machineLines(m: Machine): string[] {
  return [
    `CPU:     ${m.cpuModel}, ${m.cores} cores`,
    `Memory:  ${m.memoryGiB} GiB`,
    `OS:      ${m.kernel}`,
    `Node:    ${m.node}`,
    `nginx:   ${m.nginx ?? 'not installed'}`,
    `HAProxy: ${m.haproxy ?? 'not installed'}`,
    `Caddy:   ${m.caddy ?? 'not installed'}`,
    `wrk:     ${m.wrk ?? 'not installed'}`,
  ];
}

/** Clock ticks per second, the unit of /proc/<pid>/stat CPU times. */
export function clockTicks(): number {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
}

/** Cumulative busy and total jiffies per core, from /proc/stat. */
export type CpuTimes = ReadonlyArray<{ readonly busy: number; readonly total: number }>;

export function readCpuTimes(): CpuTimes {
  try {
    const lines = readFileSync('/proc/stat', 'utf8').split('\n');
    const out: { busy: number; total: number }[] = [];
    for (const line of lines) {
      if (!/^cpu\d+ /.test(line)) continue;
      const f = line.trim().split(/\s+/).slice(1).map(Number);
      const total = f.reduce((a, b) => a + b, 0);
      // idle + iowait are the not-busy fields (4th and 5th).
      const idle = (f[3] ?? 0) + (f[4] ?? 0);
      out.push({ busy: total - idle, total });
    }
    return out;
  } catch {
    return [];
  }
}

/**
 * user + nice + system ticks over all cores: the time that shows up in some process's
 * utime/stime. irq, softirq and steal are left out because no process is charged for
 * them (loopback traffic costs softirq time that belongs to no one in particular).
 */
export function readTaskTicks(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    return (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0);
  } catch {
    return Number.NaN;
  }
}

/** Busy percentage of each core between two samples. */
export function cpuBusy(before: CpuTimes, after: CpuTimes): number[] {
  return after.map((a, i) => {
    const b = before[i];
    if (!b) return Number.NaN;
    const total = a.total - b.total;
    return total > 0 ? ((a.busy - b.busy) / total) * 100 : Number.NaN;
  });
}
