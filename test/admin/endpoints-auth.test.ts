/**
 * Every endpoint a real sidecar registers on its admin listener, checked one by one: a method
 * that changes state refuses a missing or wrong bearer token (401, nothing changed) and 403
 * when no token is configured; reads (metrics, health, status page, feeds, JSON APIs) answer
 * without credentials. README's table "endpoint, method, needs token" must list exactly these
 * endpoints, so an endpoint added without a row (or a row left behind) fails here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AdminEndpoint } from '../../src/admin/server.js';
import { ADMIN_TOKEN_ENV } from '../../src/config/resolve-payments.js';
import { type Harness, harness } from '../downtime/harness.js';
import { repoRoot } from '../helpers/paths.js';

const TOKEN = 'admin-endpoints-token-0123456789';
// The shape of a downtime id (base62), naming none: writes to it must still ask for the token first.
const SOME_ID = 'dt_0000000000000A';

/** A write's body that would succeed: what makes a 401 mean "refused", not "bad input". */
const VALID_BODY: Record<string, string> = {
  POST: JSON.stringify({ method: 'card', severity: 'high' }),
  PATCH: JSON.stringify({ severity: 'low' }),
};

function key(method: string, path: string, needsToken: boolean): string {
  return `${method} ${path} ${needsToken ? 'token' : 'open'}`;
}

/** README's rows, `{id}` standing for a prefix endpoint's last segment. */
function readmeTable(): string[] {
  const text = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const start = text.indexOf('| endpoint | method | needs token |');
  assert.ok(start >= 0, 'README has the admin endpoint table');
  const rows: string[] = [];
  for (const line of text.slice(start).split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const [paths, method, needs] = line
      .split('|')
      .slice(1, 4)
      .map((c) => c.trim());
    assert.ok(needs === 'yes' || needs === 'no', `needs token is yes or no: ${line}`);
    for (const p of paths!.split(',')) rows.push(key(method!, p.trim().replaceAll('`', ''), needs === 'yes'));
  }
  return rows.sort();
}

function registered(endpoints: AdminEndpoint[]): string[] {
  return endpoints.map((e) => key(e.method, e.prefix ? `${e.path}{id}` : e.path, e.needsToken)).sort();
}

describe('admin endpoints and the bearer token', () => {
  let h: Harness;
  let base = '';
  const saved = process.env[ADMIN_TOKEN_ENV];

  before(async () => {
    // The environment's token would win over the config's: keep the test's own.
    delete process.env[ADMIN_TOKEN_ENV];
    h = await harness({ token: TOKEN });
    await h.start();
    base = `http://127.0.0.1:${h.sidecar.adminAddress.port}`;
  });
  after(async () => {
    await h.close();
    if (saved !== undefined) process.env[ADMIN_TOKEN_ENV] = saved;
  });

  const url = (e: AdminEndpoint) => `${base}${e.prefix ? `${e.path}${SOME_ID}` : e.path}`;
  const downtimes = async () => (await h.admin('/v1/payments/downtimes?count=100')).json.count as number;

  it("README's table lists exactly the registered endpoints and which need the token", () => {
    const endpoints = h.sidecar.adminEndpoints();
    assert.deepEqual(readmeTable(), registered(endpoints));
    // The reads the issue names stay open, and writes exist (or this test would check nothing).
    for (const path of [
      '/metrics',
      '/healthz',
      '/readyz',
      '/',
      '/status',
      '/v1/slos',
      '/api/v2/summary.json',
    ])
      assert.ok(
        endpoints.some((e) => e.path === path && e.method === 'GET' && !e.needsToken),
        path,
      );
    assert.ok(endpoints.filter((e) => e.needsToken).length >= 2);
  });

  it('every write refuses a missing or wrong token with 401 and changes nothing', async () => {
    const before = await downtimes();
    for (const e of h.sidecar.adminEndpoints().filter((x) => x.needsToken)) {
      for (const authorization of [undefined, 'Bearer wrong-token-0123456789abcd', `Basic ${TOKEN}`, TOKEN]) {
        const res = await fetch(url(e), {
          method: e.method,
          headers: {
            'content-type': 'application/json',
            ...(authorization === undefined ? {} : { authorization }),
          },
          body: VALID_BODY[e.method],
        });
        assert.equal(res.status, 401, `${e.method} ${e.path} with ${authorization ?? 'no token'}`);
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /);
        assert.doesNotMatch(await res.text(), new RegExp(TOKEN));
      }
    }
    assert.equal(await downtimes(), before, 'no downtime was declared or changed');
  });

  it('every write gets past the guard with the token', async () => {
    for (const e of h.sidecar.adminEndpoints().filter((x) => x.needsToken)) {
      const res = await fetch(url(e), {
        method: e.method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: VALID_BODY[e.method],
      });
      await res.text();
      // POST declares the downtime (200); PATCH of an id that does not exist is 404.
      assert.ok(res.status === 200 || res.status === 404, `${e.method} ${e.path}: ${res.status}`);
    }
  });

  it('every read answers GET and HEAD without credentials', async () => {
    for (const e of h.sidecar.adminEndpoints().filter((x) => !x.needsToken)) {
      for (const method of ['GET', 'HEAD']) {
        const res = await fetch(url(e), { method });
        await res.arrayBuffer();
        assert.notEqual(res.status, 401, `${method} ${e.path}`);
        assert.notEqual(res.status, 403, `${method} ${e.path}`);
        // 404 only where the path names a thing: an unknown downtime id.
        if (!e.prefix) assert.equal(res.status, 200, `${method} ${e.path}`);
      }
    }
  });
});

describe('admin writes without a configured token', () => {
  it('are refused with 403, saying how to enable them', async () => {
    const saved = process.env[ADMIN_TOKEN_ENV];
    delete process.env[ADMIN_TOKEN_ENV];
    const h = await harness();
    try {
      await h.start();
      const writes = h.sidecar.adminEndpoints().filter((e) => e.needsToken);
      assert.ok(writes.length >= 2);
      for (const e of writes) {
        const path = e.prefix ? `${e.path}${SOME_ID}` : e.path;
        const r = await h.admin(path, {
          method: e.method,
          body: VALID_BODY[e.method],
          token: 'anything-at-all-1234',
        });
        assert.equal(r.status, 403, `${e.method} ${e.path}`);
        assert.match(JSON.stringify(r.json), /admin\.token/);
      }
      assert.equal((await h.admin('/v1/payments/downtimes')).json.count, 0);
    } finally {
      await h.close();
      if (saved !== undefined) process.env[ADMIN_TOKEN_ENV] = saved;
    }
  });
});
