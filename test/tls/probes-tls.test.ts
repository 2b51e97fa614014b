/**
 * Probes call the sidecar's own proxy listener (probes/runner.ts): with `listen.tls` they must
 * speak TLS to it, or every probe would fail and a quiet route would look down.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createAppLog } from '../../src/log/app-log.js';
import type { ProbeTimers } from '../../src/probes/runner.js';
import { loopbackConfig, startLoopbackSidecar } from '../helpers/sidecar.js';
import { startUpstream } from '../proxy/harness.js';
import { makePki } from './pki.js';

test('a probe goes through an HTTPS proxy listener', async (t) => {
  const pki = makePki(t);
  if (!pki) return;
  const served = pki.issue('sidecar', { by: pki.ca, serial: '77', san: ['DNS:pay.sidecar.test'] });
  const upstream = await startUpstream((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end('{}'));
  });
  t.after(() => upstream.close());
  const config = loopbackConfig(
    `upstream: http://127.0.0.1:9
listen:
  tls: { cert: ${served.certFile}, key: ${served.keyFile} }
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request: { class: transaction-critical }
routes:
  - { name: read-payment, method: GET, path: "/v1/payments/{id}", category: payment-request }
probes:
  - { route: read-payment, method: GET, path: /v1/payments/probe_1, interval: 30s, expect_status: 200 }
`,
    'probes-tls.yaml',
    { upstream: upstream.url },
  );
  const armed: Array<() => void> = [];
  const timers: ProbeTimers = {
    set: (fn) => armed.push(fn),
    clear: () => {},
  };
  const sidecar = await startLoopbackSidecar(config, {
    log: createAppLog({ destination: new PassThrough().resume() }),
    probeTimers: timers,
  });
  try {
    assert.equal(armed.length, 1, 'one probe armed');
    armed.shift()!();
    await sidecar.probes.idle();
    assert.equal(upstream.requests.length, 1, 'the probe reached the upstream through the TLS listener');
    assert.equal(upstream.requests[0]!.headers['x-forwarded-proto'], 'https');
  } finally {
    await sidecar.close(1_000);
  }
});
