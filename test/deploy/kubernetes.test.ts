/**
 * The Kubernetes kit (deploy/kubernetes) validates against the Kubernetes schema (the
 * kubernetes-models package's JSON schemas, shipped with it: nothing is downloaded) and
 * against what sloprobe really serves: a sidecar started from the ConfigMap's own config
 * must answer the probe and scrape paths on the port the manifests name.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { request } from 'undici';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { parseDuration } from '../../src/config/units.js';
import { createAppLog } from '../../src/log/app-log.js';
import { repoRoot } from '../helpers/paths.js';
import { onLoopback, startLoopbackSidecar } from '../helpers/sidecar.js';
import { runCli } from '../helpers/spawn.js';

const dir = join(repoRoot, 'deploy', 'kubernetes');

// biome-ignore lint/suspicious/noExplicitAny: manifests are plain YAML documents
type Doc = any;

function docs(): Array<{ file: string; doc: Doc }> {
  const out: Array<{ file: string; doc: Doc }> = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
    for (const d of parseAllDocuments(readFileSync(join(dir, file), 'utf8')))
      out.push({ file, doc: d.toJSON() });
  }
  return out;
}

const MODELS: Record<string, new (data: Doc) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'monitoring.coreos.com/v1/PodMonitor': PodMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

function find(kind: string): Doc {
  const d = docs().find((x) => x.doc.kind === kind);
  assert.ok(d, `a ${kind} in deploy/kubernetes`);
  return d.doc;
}

test('every manifest validates against its Kubernetes (or prometheus-operator) schema', () => {
  const all = docs();
  assert.deepEqual(all.map((d) => d.doc.kind).sort(), [
    'ConfigMap',
    'Deployment',
    'PodMonitor',
    'PrometheusRule',
    'Service',
  ]);
  for (const { file, doc } of all) {
    const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
    assert.ok(Model, `${file}: no schema for ${doc.apiVersion} ${doc.kind}`);
    assert.doesNotThrow(() => new Model(doc).validate(), `${file} validates`);
  }
  // The schema check can fail: a string port is refused.
  const broken = structuredClone(find('Deployment'));
  broken.spec.template.spec.containers[1].ports[0].containerPort = '8080';
  assert.throws(() => new Deployment(broken).validate(), /containerPort must be integer/);
  const kustomization = parseAllDocuments(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'))[0]!.toJSON();
  assert.deepEqual(
    [...kustomization.resources].sort(),
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .sort(),
  );
});

test('ports, paths, volumes and shutdown timing match what sloprobe serves', async () => {
  const configText = find('ConfigMap').data['sloprobe.yaml'] as string;
  const cfg = parseConfig(configText, 'configmap.yaml'); // throws on an unknown or bad key
  const deployment = find('Deployment');
  const pod = deployment.spec.template.spec;
  const sidecar = pod.containers.find((c: Doc) => c.name === 'sloprobe');
  const port = (name: string) => sidecar.ports.find((p: Doc) => p.name === name).containerPort;
  assert.equal(port('proxy'), cfg.listen.port);
  assert.equal(port('admin'), cfg.admin.port);
  assert.equal(sidecar.readinessProbe.httpGet.port, 'admin');
  assert.equal(sidecar.livenessProbe.httpGet.port, 'admin');

  // Flags: config under the ConfigMap mount, data dir = the one writable volume = config's.
  const arg = (flag: string) => sidecar.args[sidecar.args.indexOf(flag) + 1];
  const mount = (name: string) => sidecar.volumeMounts.find((m: Doc) => m.name === name);
  assert.equal(arg('--config'), `${mount('config').mountPath}/sloprobe.yaml`);
  assert.equal(mount('config').readOnly, true);
  assert.equal(arg('--data-dir'), mount('data').mountPath);
  assert.equal(cfg.store.dataDir, mount('data').mountPath);
  assert.equal(sidecar.securityContext.readOnlyRootFilesystem, true);
  assert.equal(sidecar.securityContext.runAsNonRoot, true);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.deepEqual(
    sidecar.volumeMounts.filter((m: Doc) => m.readOnly !== true).map((m: Doc) => m.name),
    ['data', 'tmp'],
  );
  assert.equal(mount('tmp').mountPath, '/tmp');
  const volume = (name: string) => pod.volumes.find((v: Doc) => v.name === name);
  assert.ok(volume('tmp').emptyDir, '/tmp is an emptyDir, gone with the pod');
  assert.ok(volume('data').emptyDir || volume('data').persistentVolumeClaim);
  // Every container: no privilege escalation, no capabilities, a read-only root filesystem;
  // the sidecar's user is not root (by number: runAsNonRoot checks it against the image).
  for (const c of pod.containers) {
    assert.equal(c.securityContext.allowPrivilegeEscalation, false, c.name);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true, c.name);
    assert.deepEqual(c.securityContext.capabilities.drop, ['ALL'], c.name);
  }
  assert.ok(Number.isInteger(sidecar.securityContext.runAsUser) && sidecar.securityContext.runAsUser > 0);
  assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
  // The admin listener binds the pod's own address (README "Admin API"), on the config's port.
  const envIndex = (name: string) => sidecar.env.findIndex((e: Doc) => e.name === name);
  assert.equal(sidecar.env[envIndex('POD_IP')].valueFrom.fieldRef.fieldPath, 'status.podIP');
  assert.equal(sidecar.env[envIndex('SLOPROBE_ADMIN')].value, `$(POD_IP):${cfg.admin.port}`);
  // Kubernetes expands $(VAR) only from variables defined before it.
  assert.ok(envIndex('POD_IP') < envIndex('SLOPROBE_ADMIN'));
  // SQLite's temporary files must land on that volume too.
  assert.equal(sidecar.env.find((e: Doc) => e.name === 'SQLITE_TMPDIR').value, mount('data').mountPath);

  // Grace period above preStop + drain: 5 s + 20 s < 40 s.
  const drainS = parseDuration(arg('--drain-timeout'), 's') / 1000;
  const preStop = sidecar.lifecycle.preStop.exec.command as string[];
  assert.deepEqual(preStop.slice(0, 1), ['sleep']);
  assert.ok(pod.terminationGracePeriodSeconds > Number(preStop[1]) + drainS);

  // Memory request above the measured peak RSS (bench/RESULTS.md), limit above the request.
  const results = readFileSync(join(repoRoot, 'bench', 'RESULTS.md'), 'utf8');
  const peak = /peak RSS \(VmHWM\) under load \| ([\d.]+) MiB/.exec(results);
  assert.ok(peak, 'bench/RESULTS.md states the peak RSS');
  const mi = (q: string) => Number(/^(\d+)Mi$/.exec(q)![1]);
  assert.ok(mi(sidecar.resources.requests.memory) >= Number(peak[1]));
  assert.ok(mi(sidecar.resources.limits.memory) > mi(sidecar.resources.requests.memory));
  assert.ok(sidecar.resources.requests.cpu);

  // The Service targets the proxy port by name; the PodMonitor scrapes the admin port.
  const service = find('Service');
  assert.equal(service.spec.ports[0].targetPort, 'proxy');
  assert.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels);
  const monitor = find('PodMonitor');
  assert.equal(monitor.spec.podMetricsEndpoints[0].port, 'admin');
  assert.deepEqual(monitor.spec.selector.matchLabels, deployment.spec.selector.matchLabels);

  // What the manifests name is what a sidecar running this config serves.
  const live = await startLoopbackSidecar(onLoopback(cfg), {
    log: createAppLog({ destination: new PassThrough() }),
  });
  try {
    for (const path of [
      sidecar.readinessProbe.httpGet.path,
      sidecar.livenessProbe.httpGet.path,
      monitor.spec.podMetricsEndpoints[0].path,
    ]) {
      const res = await request(`http://127.0.0.1:${live.adminAddress.port}${path}`);
      await res.body.dump();
      assert.equal(res.statusCode, 200, `GET ${path} on the admin port`);
    }
  } finally {
    await live.close(1000);
  }
});

test('prometheusrule.yaml is what `sloprobe rules` prints for the ConfigMap and the PodMonitor job', async () => {
  const kustomization = parseAllDocuments(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'))[0]!.toJSON();
  // prometheus-operator names a PodMonitor's job <namespace>/<name>.
  const job = `${kustomization.namespace}/${find('PodMonitor').metadata.name}`;
  const tmp = mkdtempSync(join(tmpdir(), 'sloprobe-kit-'));
  writeFileSync(join(tmp, 'sloprobe.yaml'), find('ConfigMap').data['sloprobe.yaml']);
  const r = await runCli([
    'rules',
    '--config',
    join(tmp, 'sloprobe.yaml'),
    '--format',
    'prometheus-operator',
    '--selector',
    `{job="${job}"}`,
    '--service',
    'payments-api',
    '--name',
    'payments-api-slos',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    readFileSync(join(dir, 'prometheusrule.yaml'), 'utf8'),
    r.stdout,
    'regenerate prometheusrule.yaml',
  );
});
