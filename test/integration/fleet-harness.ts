/**
 * A real Prometheus for the fleet tests: Debian's `prometheus` binary on a free loopback
 * port, a temporary TSDB, scrape and evaluation every second, the generated rules loaded,
 * scraping the admin listeners it is given. Readiness and every later fact are polled
 * through the HTTP API against a deadline; nothing waits a fixed time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { request } from 'undici';
import { stringify } from 'yaml';
import { PrometheusApi } from '../../src/fleet/prometheus-api.js';

export interface RunningPrometheus {
  readonly url: string;
  readonly api: PrometheusApi;
  readonly child: ChildProcess;
  output(): string;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Polls `read` until `done` holds or `deadlineMs` passes; returns the last reading either
 * way, so the caller's assertion shows what was there. The pause between polls only paces
 * the loop: correctness never depends on it.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  deadlineMs = 60_000,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  let value = await read();
  while (!done(value) && Date.now() < end) {
    await delay(250);
    value = await read();
  }
  return value;
}

export async function startPrometheus(
  prometheus: string,
  targets: readonly string[],
  rules: string,
): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'sloprobe-prometheus-'));
  writeFileSync(join(dir, 'rules.yaml'), rules);
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: [join(dir, 'rules.yaml')],
      scrape_configs: [{ job_name: 'payments', static_configs: [{ targets: [...targets] }] }],
    }),
  );
  const port = await freePort();
  const child = spawn(
    prometheus,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (output += c));
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const ready = await pollUntil(
    async () => {
      if (child.exitCode !== null) return false;
      try {
        const res = await request(`${url}/-/ready`);
        await res.body.dump();
        return res.statusCode === 200;
      } catch {
        return false;
      }
    },
    (ok) => ok || child.exitCode !== null,
    30_000,
  );
  const close = async (): Promise<void> => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  if (!ready) {
    await close();
    throw new Error(`prometheus did not become ready:\n${output}`);
  }
  return { url, api: new PrometheusApi(url), child, output: () => output, close };
}
