/**
 * Node's standard process metrics (`process_*`, `nodejs_*`: the names and order of
 * prom-client's collectDefaultMetrics, so existing Node dashboards work), loaded from
 * prom-client's files one by one instead of its package entry. The entry loads every part of
 * prom-client: the Pushgateway client, the cluster aggregator, Summary's t-digest and, for
 * the CPU metric's exemplars, all of @opentelemetry/api (51 modules); sloprobe uses none of
 * them. The CPU counters are prom-client's processCpuTotal without exemplars. Measured on
 * `run -c config/klarna.yaml`: 88 fewer modules, idle RSS 79.3 -> 77.7 MiB (bench/RESULTS.md).
 */
import { createRequire } from 'node:module';
import type { Counter, Registry } from 'prom-client';

const load = createRequire(import.meta.url);

type DefaultMetric = (registry: Registry, config: { eventLoopMonitoringPrecision: number }) => void;

/** prom-client 15's lib/defaultMetrics.js after processCpuTotal, in its order. */
const DEFAULT_METRICS = [
  'processStartTime',
  'osMemoryHeap',
  'processOpenFileDescriptors',
  'processMaxFileDescriptors',
  'eventLoopLag',
  ...(typeof process.getActiveResourcesInfo === 'function' ? ['processResources'] : []),
  'processHandles',
  'processRequests',
  'heapSizeAndUsed',
  'heapSpacesSizeAndUsed',
  'version',
  'gc',
];

/** prom-client's Registry class, without its package entry. */
export function newRegistry(): Registry {
  const RegistryClass = load('prom-client/lib/registry') as typeof Registry;
  return new RegistryClass();
}

/** Registers what `collectDefaultMetrics({ register: registry })` registers. */
export function registerProcessMetrics(registry: Registry): void {
  registerCpu(registry);
  const config = { eventLoopMonitoringPrecision: 10 };
  for (const name of DEFAULT_METRICS)
    (load(`prom-client/lib/metrics/${name}`) as DefaultMetric)(registry, config);
}

function registerCpu(registry: Registry): void {
  const CounterClass = load('prom-client/lib/counter') as typeof Counter;
  const registers = [registry];
  let last = process.cpuUsage();
  // One counter's collect sets all three, as prom-client does.
  const user = new CounterClass({
    name: 'process_cpu_user_seconds_total',
    help: 'Total user CPU time spent in seconds.',
    registers,
    collect() {
      const now = process.cpuUsage();
      const userMicros = now.user - last.user;
      const systemMicros = now.system - last.system;
      last = now;
      user.inc(userMicros / 1e6);
      system.inc(systemMicros / 1e6);
      total.inc((userMicros + systemMicros) / 1e6);
    },
  });
  const system = new CounterClass({
    name: 'process_cpu_system_seconds_total',
    help: 'Total system CPU time spent in seconds.',
    registers,
  });
  const total = new CounterClass({
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds.',
    registers,
  });
}
