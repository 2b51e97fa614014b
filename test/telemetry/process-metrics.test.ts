/**
 * The process metrics come from prom-client's files one by one (src/telemetry/process-metrics.ts):
 * they must be exactly the families collectDefaultMetrics registers, and the sidecar must not
 * load prom-client's package entry (which brings @opentelemetry/api).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { newRegistry, registerProcessMetrics } from '../../src/telemetry/process-metrics.js';
import { repoRoot } from '../helpers/paths.js';

const families = async (registry: Registry) =>
  (await registry.getMetricsAsJSON()).map((m) => ({ name: m.name, help: m.help, type: m.type }));

test('the same families, help and types, in the same order, as collectDefaultMetrics', async () => {
  const theirs = new Registry();
  collectDefaultMetrics({ register: theirs });
  const ours = newRegistry();
  registerProcessMetrics(ours);
  assert.deepEqual(await families(ours), await families(theirs));
  const text = await ours.metrics();
  const cpu = /^process_cpu_seconds_total (\S+)$/m.exec(text);
  assert.ok(cpu && Number(cpu[1]) > 0, 'the CPU counters are set when scraped');
});

test("the metrics endpoint loads neither prom-client's entry nor @opentelemetry/api", () => {
  const metrics = join(repoRoot, 'dist', 'src', 'telemetry', 'metrics.js');
  const script = `
    await import(${JSON.stringify(metrics)});
    const { createRequire } = await import('node:module');
    const cache = Object.keys(createRequire(import.meta.url).cache);
    process.stdout.write(JSON.stringify(cache.filter((f) => f.includes('/@opentelemetry/') || f.endsWith('/prom-client/index.js'))));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), []);
});
