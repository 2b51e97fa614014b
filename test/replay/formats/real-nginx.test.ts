/**
 * A real nginx (Debian's /usr/sbin/nginx) in front of the sidecar on loopback: the same
 * requests pass through both, nginx writes its access log with `$upstream_response_time`,
 * and `replay` of that log must give the same verdicts as `report` on the sidecar's store.
 *
 * The mix, by hand: 20 POSTs; 4 answered 500 by the upstream, so occurrences availability
 * is 16 / 20 = 80% (missed against 99%); 2 of the 200s wait 700 ms upstream, 2 / 20 = 10%
 * over the 500 ms threshold (missed against 99%, "over threshold <= 1%").
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { request } from 'undici';
import { replayCommand } from '../../../src/cli/replay.js';
import { reportCommand } from '../../../src/cli/report.js';
import { createAppLog } from '../../../src/log/app-log.js';
import { formatMonth, monthOf } from '../../../src/slo/period.js';
import { loopbackConfig, startLoopbackSidecar } from '../../helpers/sidecar.js';
import { requireTool } from '../../helpers/tools.js';
import { startUpstream } from '../../proxy/harness.js';
import { runCli } from '../io.js';

const CONFIG = `upstream: http://127.0.0.1:9
period: calendar-month
time_zone: UTC
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request: { class: transaction-critical }
routes:
  - { name: create-payment, method: POST, path: /v1/payments, category: payment-request, latency: { p99: 500ms } }
`;

const LOG_FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $upstream_response_time';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

interface Verdict {
  name: string;
  requests: number;
  good: number;
  bad: number;
  met: boolean;
}

function verdicts(json: string): Verdict[] {
  const doc = JSON.parse(json.trim().split('\n')[0]!) as { slos: Verdict[] };
  return doc.slos.map(({ name, requests, good, bad, met }) => ({ name, requests, good, bad, met }));
}

test('the same requests through nginx and the sidecar: replay of nginx log = live report', async (t) => {
  const nginx = requireTool(t, '/usr/sbin/nginx', 'apt-get install nginx');
  if (!nginx) return;
  const dir = mkdtempSync(join(tmpdir(), 'sloprobe-nginx-'));
  let child: ChildProcess | undefined;
  const upstream = await startUpstream((req, res) => {
    req.resume();
    req.on('end', () => {
      const want = new URL(req.url ?? '/', 'http://x').searchParams.get('s');
      const delay = want === 'slow' ? 700 : 0;
      setTimeout(() => res.writeHead(want === '500' ? 500 : 200).end('{}'), delay);
    });
  });
  const configFile = join(dir, 'sloprobe.yaml');
  writeFileSync(configFile, CONFIG);
  const dataDir = join(dir, 'data');
  const sidecar = await startLoopbackSidecar(
    loopbackConfig(CONFIG, configFile, { upstream: upstream.url, dataDir }),
    {
      log: createAppLog({ destination: new PassThrough().resume() }),
    },
  );
  try {
    const port = await freePort();
    for (const d of ['client', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d));
    const conf = join(dir, 'nginx.conf');
    writeFileSync(
      conf,
      `daemon off;
master_process off;
pid ${join(dir, 'nginx.pid')};
error_log stderr notice;
events { worker_connections 64; }
http {
  log_format slo '${LOG_FORMAT}';
  access_log ${join(dir, 'access.log')} slo;
  client_body_temp_path ${join(dir, 'client')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://127.0.0.1:${sidecar.proxyAddress.port}; }
  }
}
`,
    );
    child = spawn(nginx, ['-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    // Ready when nginx says it started (its notice on stderr), not after a guessed wait.
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child!.stderr!.on('data', (b: Buffer) => {
        err += b.toString();
        if (/start worker process|using the "\w+" event method/.test(err)) resolve();
      });
      child!.on('exit', (code) => reject(new Error(`nginx exited ${code}: ${err}`)));
    });
    const kinds = [...Array(14).fill('ok'), ...Array(4).fill('500'), 'slow', 'slow'];
    for (const k of kinds) {
      const r = await request(`http://127.0.0.1:${port}/v1/payments?s=${k}`, { method: 'POST', body: '{}' });
      await r.body.text();
    }
  } finally {
    child?.kill('SIGTERM');
    await sidecar.close(1000);
    await upstream.close();
  }
  try {
    const month = formatMonth(monthOf(Date.now(), 'UTC'));
    const live = await runCli(
      reportCommand,
      ['-c', configFile, '--month', month, '--data-dir', dataDir, '--format', 'json'],
      { now: Date.now() },
    );
    assert.equal(live.code, 0, live.stderr);
    const replay = await runCli(
      replayCommand,
      [
        '-c',
        configFile,
        '--input-format',
        'nginx',
        '--nginx-format',
        LOG_FORMAT,
        '--format',
        'json',
        join(dir, 'access.log'),
      ],
      { now: Date.now() },
    );
    assert.equal(replay.code, 0, replay.stderr);
    const a = verdicts(live.stdout);
    const b = verdicts(replay.stdout);
    assert.deepEqual(b, a);
    const avail = a.find((v) => v.name.endsWith('availability'));
    // 16 good of 20 (see the header).
    assert.deepEqual(avail && [avail.requests, avail.good, avail.bad, avail.met], [20, 16, 4, false]);
    const lat = a.find((v) => v.name.endsWith('latency'));
    assert.deepEqual(lat && [lat.requests, lat.good, lat.bad, lat.met], [20, 18, 2, false]);
    assert.match(
      JSON.stringify(JSON.parse(replay.stdout.split('\n')[0]!).replay.latency_sources),
      /upstream_response_time/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
