/**
 * The access log's `digest` (docs/sla-definitions.md#repeated-requests) is a keyed hash:
 * a log of a request carrying a card number holds no value anyone can compute from that
 * number without the installation's key, while equal requests of one installation still
 * get equal digests, across restarts, so replay de-duplicates them.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { createAppLog } from '../../src/log/app-log.js';
import { loopbackConfig, startLoopbackSidecar } from '../helpers/sidecar.js';

const CARD = '4111111111111111';
const PATH = `/v1/payments?card=${CARD}`;
const BODY = `{"card":"${CARD}","amount":100}`;
const KEY = 'k3y-for-this-test-only-0123456789';

const yaml = (extra: string): string => `upstream: http://127.0.0.1:9
classes: { transaction-services: { availability: 99.5% } }
categories: { transactions: { class: transaction-services } }
routes:
  - { name: payments, method: POST, path: /v1/payments, category: transactions }
slos:
  - { name: uptime, sli: availability, method: timeslices, objective: 99.5%, over: { class: transaction-services } }
${extra}`;

let dir = '';
let upstream: Server;
let upstreamUrl = '';
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sloprobe-digest-'));
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => upstream.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a sidecar, sends `n` copies of the card request, stops, returns the access log text. */
async function run(
  name: string,
  extraYaml: string,
  dataDir: string,
  n = 1,
  appLog: string[] = [],
): Promise<string> {
  const logFile = join(dir, `${name}.log`);
  const cfg = loopbackConfig(yaml(extraYaml), `${name}.yaml`, {
    upstream: upstreamUrl,
    dataDir,
    accessLog: logFile,
  });
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      appLog.push(chunk.toString());
      done();
    },
  });
  const s = await startLoopbackSidecar(cfg, { log: createAppLog({ level: 'warn', destination }) });
  try {
    for (let i = 0; i < n; i++) {
      const res = await request(`http://127.0.0.1:${s.proxyAddress.port}${PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: BODY,
      });
      assert.equal(res.statusCode, 200);
      await res.body.dump();
    }
  } finally {
    await s.close(1000);
  }
  return readFileSync(logFile, 'utf8');
}

const digestsOf = (log: string): string[] =>
  log
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { digest?: string }).digest ?? '');

test('the log of a request carrying a card number holds no value computable from it without the key', async () => {
  const log = await run('card', '', join(dir, 'card-data'));
  const [digest] = digestsOf(log);
  assert.match(digest ?? '', /^[0-9a-f]{16,}$/, 'a digest is logged');
  // Every plausible preimage an attacker could try: the number, the body, the target with
  // and without its query, and the ways method, target and body could be joined.
  const pathOnly = '/v1/payments';
  const parts = [CARD, BODY, PATH, pathOnly, `POST ${PATH}`, `POST ${pathOnly}`];
  for (const target of [PATH, pathOnly]) {
    for (const sep of ['\n', ' ', '', '\r\n']) {
      parts.push(`POST ${target}${sep}${BODY}`, `${target}${sep}${BODY}`, `POST${sep}${target}${sep}${BODY}`);
    }
  }
  let tried = 0;
  for (const preimage of parts) {
    for (const alg of ['md5', 'sha1', 'sha256', 'sha512']) {
      const h = createHash(alg).update(preimage).digest();
      for (const enc of ['hex', 'base64', 'base64url'] as const) {
        // 12 characters (>= 48 bits) of any prefix is enough to confirm a guess.
        const probe = h.toString(enc).slice(0, 12);
        assert.ok(!log.includes(probe), `${alg}/${enc} of ${JSON.stringify(preimage)} appears in the log`);
        tried++;
      }
    }
  }
  assert.ok(tried > 100);
  assert.ok(!log.includes(CARD), 'the card number itself is never logged');
});

test('with digest_key set, the digest is the first 96 bits of HMAC-SHA-256(key, "METHOD target\\nbody")', async () => {
  const log = await run('keyed', `digest_key: ${KEY}\n`, ':memory:');
  const expected = createHmac('sha256', KEY).update(`POST ${PATH}\n${BODY}`).digest('hex').slice(0, 24);
  assert.deepEqual(digestsOf(log), [expected]);
});

test('one installation keeps its key in the data dir (mode 0600): equal requests compare equal across restarts', async () => {
  const data = join(dir, 'restart-data');
  const first = digestsOf(await run('restart-1', '', data, 2));
  const second = digestsOf(await run('restart-2', '', data));
  assert.equal(first[0], first[1], 'identical requests share a digest');
  assert.equal(second[0], first[0], 'the same after a restart');
  const keyFile = join(data, 'digest.key');
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  assert.match(readFileSync(keyFile, 'utf8'), /^[0-9a-f]{64}\n$/);
  const other = digestsOf(await run('other-install', '', join(dir, 'other-data')));
  assert.notEqual(other[0], first[0], 'another installation has another key');
});

test('with data_dir :memory: and no key, the start says digests use a per-process key', async () => {
  const appLog: string[] = [];
  await run('memory', '', ':memory:', 1, appLog);
  const text = appLog.join('');
  assert.match(text, /random key for this process/);
  assert.doesNotMatch(text, new RegExp(CARD), 'no card number in the sidecar log either');
});
