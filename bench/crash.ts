/**
 * `kill -9` under load, then a restart on the same data dir, a few times in one run. The
 * sidecar has a real store, a webhook endpoint on a loopback receiver and an open downtime
 * whose severity the script keeps changing (each change is one `payment.downtime.updated`
 * event in the outbox) while an open-loop client sends requests. After each restart:
 *
 * - rollups: the store holds every answered request except at most those answered in the
 *   last flush interval before the kill (the SLO runtime writes every 1 s), and never more
 *   than were sent (no double count of the minute the new process starts in);
 * - `/v1/slos`: every SLO's period totals equal the snapshot taken just before the kill,
 *   plus at most what was answered between that snapshot's tick and the kill;
 * - the downtime: the same id, still started, with the severity of the last acknowledged
 *   change (or of the change in flight at the kill), no second downtime;
 * and at the end, once the outbox is drained: every event in the outbox was received, no
 * event received that is not in it, each acknowledged change is exactly one event id, and
 * repeats of one id (allowed: at-least-once) are counted.
 *
 *   npx tsc -p . && node dist/bench/crash.js [--kills 4] [--rate 300] [--seconds 10]
 */

import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  ADMIN_TOKEN,
  benchScript,
  ENDURANCE_MIX,
  enduranceConfig,
  fmt,
  getJson,
  log,
  metricSum,
  queryStore,
  readStoreTotals,
  request,
  type SidecarRun,
  sleep,
  startSidecar,
  Verdicts,
  withHarness,
} from './endurance-kit.js';
import { describeMachine, machineLines } from './machine.js';
import { OpenLoop } from './open-loop.js';
import { freePort, Supervisor, waitForPort } from './procs.js';

const { values: opt } = parseArgs({
  options: {
    kills: { type: 'string', default: '4' },
    rate: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '10' },
  },
});
const KILLS = Number(opt.kills);
const RATE = Number(opt.rate);
const SECONDS = Number(opt.seconds);
/** SloRuntime's tick (src/slo/runtime.ts): rollups reach the store at most this late. */
const FLUSH_MS = 1000;
/** A timer on a loaded 2-core machine fires late; what is answered in this much more may be lost too. */
const TIMER_SLACK_MS = 250;
const SEVERITIES = ['high', 'low', 'medium'] as const;
const AUTH = { authorization: `Bearer ${ADMIN_TOKEN}` };

interface Received {
  readonly id: string;
  readonly event: string;
}

/** The webhook endpoint: records every delivery's event id and answers 200. */
function startReceiver(): Promise<{ server: http.Server; port: number; got: Received[] }> {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      const id = String(req.headers['x-razorpay-event-id'] ?? '');
      let event = '';
      try {
        event = String((JSON.parse(body) as { event?: unknown }).event);
      } catch {
        event = 'unparsable';
      }
      got.push({ id, event });
      res.writeHead(200).end();
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as AddressInfo).port, got }),
    );
  });
}

interface SloTotals {
  readonly requests: number;
  readonly good: number;
  readonly bad: number;
}

async function sloTotals(side: SidecarRun): Promise<Map<string, SloTotals>> {
  const doc = await getJson<{ slos: { name: string; requests: number; good: number; bad: number }[] }>(
    side.admin,
    '/v1/slos',
  );
  return new Map(doc.slos.map((s) => [s.name, { requests: s.requests, good: s.good, bad: s.bad }]));
}

/** Changes the downtime's severity every 200 ms; counts acknowledged and unanswered changes. */
class Patcher {
  acked = 0;
  unanswered = 0;
  lastAcked: string | undefined;
  inFlight: string | undefined;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private n = 0;

  constructor(
    private readonly id: string,
    private admin: number,
  ) {}

  start(admin: number): void {
    this.admin = admin;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const severity = SEVERITIES[this.n++ % SEVERITIES.length]!;
      this.inFlight = severity;
      try {
        const r = await request(
          this.admin,
          'PATCH',
          `/v1/payments/downtimes/${this.id}`,
          JSON.stringify({ severity }),
          AUTH,
          5000,
        );
        if (r.status !== 200) throw new Error(`PATCH: HTTP ${r.status} ${r.body.slice(0, 200)}`);
        this.acked++;
        this.lastAcked = severity;
        this.inFlight = undefined;
      } catch {
        // Killed mid-request: the change may or may not have committed.
        this.unanswered++;
        return;
      }
      await sleep(200);
    }
  }
}

async function waitDrained(side: SidecarRun, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let pending = Number.NaN;
  while (Date.now() < deadline) {
    const m = await request(side.admin, 'GET', '/metrics');
    pending = metricSum(m.body, 'sloprobe_webhook_pending') ?? Number.NaN;
    if (pending === 0) return 0;
    await sleep(500);
  }
  return pending;
}

async function main(tmp: string, sup: Supervisor): Promise<number> {
  for (const l of machineLines(describeMachine())) log(l);
  const upstreamPort = await freePort();
  const upstream = sup.spawn('upstream', process.execPath, [
    benchScript('peers/endurance-upstream.js'),
    String(upstreamPort),
  ]);
  await waitForPort(upstream, upstreamPort);
  const receiver = await startReceiver();
  const config = join(tmp, 'crash.yaml');
  writeFileSync(config, enduranceConfig({ webhookUrl: `http://127.0.0.1:${receiver.port}/hook` }));
  const dataDir = join(tmp, 'data');
  let side = await startSidecar(sup, { config, upstreamPort, dataDir });
  const ports = { port: side.port, admin: side.admin };
  log(`Sidecar: sloprobe run --data-dir <tmp>/data, webhooks to a loopback receiver (pid ${side.pid})`);
  log(
    `Load:    ${RATE} req/s open loop, 1% answered 500 by the upstream; ${KILLS} kills, each after ${SECONDS} s ±30% of load; the downtime's severity changed every 200 ms`,
  );
  const created = await request(
    side.admin,
    'POST',
    '/v1/payments/downtimes',
    JSON.stringify({ method: 'card', severity: 'medium' }),
    AUTH,
  );
  if (created.status !== 200 && created.status !== 201)
    throw new Error(`POST downtime: HTTP ${created.status} ${created.body}`);
  const downtimeId = (JSON.parse(created.body) as { id: string }).id;
  log(`Downtime ${downtimeId} declared (started, medium)`);
  const client = new OpenLoop(
    { port: side.port, rate: RATE, connections: 16, requests: ENDURANCE_MIX, failEvery: 100, abortEvery: 0 },
    true,
  );
  const patcher = new Patcher(downtimeId, side.admin);
  const v = new Verdicts();
  let lostBefore = 0;
  let unansweredAtKills = 0;
  log('');
  log(
    '| kill | answered (all runs) | in store after restart | lost at this kill | allowed (answered in last 1.25 s) | /v1/slos requests before → after | restart ms | downtime |',
  );
  log('| ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |');
  for (let k = 1; k <= KILLS; k++) {
    client.start();
    patcher.start(side.admin);
    await sleep(SECONDS * 1000 * (0.7 + 0.6 * Math.random()));
    const before = await sloTotals(side);
    const killAt = performance.now();
    // Sent and not yet answered: the sidecar may have counted these, the client never will.
    unansweredAtKills += client.inflight;
    side.managed.child.kill('SIGKILL');
    client.pause();
    await side.managed.exited;
    await Promise.all([patcher.stop(), client.settled(10_000)]);
    await client.reconnect();
    const allowed = client.answeredWithin(killAt, FLUSH_MS + TIMER_SLACK_MS);
    const t0 = performance.now();
    side = await startSidecar(sup, { config, upstreamPort, dataDir, ports });
    const restartMs = performance.now() - t0;
    const stored = readStoreTotals(dataDir);
    const after = await sloTotals(side);
    const lostNow = client.answered - stored.total;
    const lostHere = lostNow - lostBefore;
    lostBefore = lostNow;
    const dt = await getJson<{ id: string; status: string; severity: string }>(
      side.admin,
      `/v1/payments/downtimes/${downtimeId}`,
    );
    const list = await getJson<{ count: number }>(side.admin, '/v1/payments/downtimes?count=100');
    // The period totals of every SLO: nothing already shown may go, and at most what was
    // answered since that tick may come in.
    let slosOk = true;
    const diffs: string[] = [];
    for (const [name, b] of before) {
      const a = after.get(name);
      const grew = a ? a.requests - b.requests : Number.NaN;
      const ok = a !== undefined && grew >= 0 && grew <= allowed && a.good >= b.good && a.bad >= b.bad;
      if (!ok) slosOk = false;
      diffs.push(`${name} ${b.requests}→${a?.requests ?? 'missing'}`);
    }
    const severityOk =
      dt.severity === patcher.lastAcked ||
      dt.severity === patcher.inFlight ||
      (patcher.lastAcked === undefined && dt.severity === 'medium');
    log(
      `| ${k} | ${client.answered} | ${stored.total} | ${lostHere} | ${allowed} | ${diffs.join('; ')} | ${fmt(restartMs)} | ${dt.status}, ${dt.severity}, ${list.count} listed |`,
    );
    v.check(
      lostHere >= 0 && lostHere <= allowed,
      `kill ${k}: rollups lost at most the last flush interval`,
      `${lostHere} lost, allowed ${allowed} (rate × ${FLUSH_MS} ms = ${RATE}, + ${TIMER_SLACK_MS} ms timer slack)`,
    );
    v.check(
      stored.total <= client.answered + unansweredAtKills,
      `kill ${k}: nothing counted twice`,
      `store ${stored.total} ≤ ${client.answered} answered + ${unansweredAtKills} in flight at the kills`,
    );
    v.check(slosOk, `kill ${k}: /v1/slos period totals kept`, diffs.join('; '));
    v.check(
      dt.id === downtimeId && dt.status === 'started' && severityOk && list.count === 1,
      `kill ${k}: downtime intact`,
      `${dt.id} ${dt.status} ${dt.severity} (last acknowledged ${patcher.lastAcked ?? 'none'}, in flight ${patcher.inFlight ?? 'none'}), ${list.count} downtime(s)`,
    );
    patcher.inFlight = undefined;
  }
  await client.close();
  const pending = await waitDrained(side, 120_000);
  const outbox = queryStore<{ event_id: string; event: string; state: string }>(
    dataDir,
    'SELECT event_id, event, state FROM outbox ORDER BY seq',
  );
  const ids = new Map<string, number>();
  for (const r of receiver.got) ids.set(r.id, (ids.get(r.id) ?? 0) + 1);
  const inOutbox = new Set(outbox.map((r) => r.event_id));
  const missing = outbox.filter((r) => !ids.has(r.event_id));
  const unknown = [...ids.keys()].filter((id) => !inOutbox.has(id));
  const repeats = [...ids.values()].filter((n) => n > 1).length;
  const updated = outbox.filter((r) => r.event === 'payment.downtime.updated').length;
  const started = outbox.filter((r) => r.event === 'payment.downtime.started').length;
  const others = outbox.filter(
    (r) => r.event !== 'payment.downtime.updated' && r.event !== 'payment.downtime.started',
  );
  log('');
  log(
    `webhooks: ${outbox.length} events in the outbox (${started} started, ${updated} updated${others.length ? `, ${others.map((r) => r.event).join(', ')}` : ''}), ${receiver.got.length} deliveries received, ${ids.size} distinct ids, ${repeats} ids received more than once; pending at the end ${pending}`,
  );
  log(`severity changes: ${patcher.acked} acknowledged, ${patcher.unanswered} cut by a kill`);
  v.check(pending === 0, 'outbox drained after the last restart', `${pending} pending`);
  v.check(
    missing.length === 0,
    'no webhook lost',
    `${missing.length} outbox events never received${
      missing.length
        ? `: ${missing
            .slice(0, 5)
            .map((r) => r.event_id)
            .join(', ')}`
        : ''
    }`,
  );
  v.check(unknown.length === 0, 'no webhook that is not in the outbox', `${unknown.length} unknown ids`);
  v.check(
    started === 1 && updated >= patcher.acked && updated <= patcher.acked + patcher.unanswered,
    'each change is one event id (repeats only with the same id)',
    `1 started expected, ${started}; ${updated} updated for ${patcher.acked} acknowledged (+ up to ${patcher.unanswered} cut) changes; ${repeats} ids delivered more than once (at-least-once)`,
  );
  receiver.server.close();
  return v.print();
}

const sup = new Supervisor();
process.exitCode = await withHarness('sloprobe-crash-', sup, (tmp) => main(tmp, sup));
