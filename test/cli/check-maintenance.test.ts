/**
 * A window that breaks its policy is not excluded, and `sloprobe check` says
 * which rule it broke (docs/sla-definitions.md#maintenance-klarna): "Communication of maintenance downtime: 7 days in advance".
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/spawn.js';

test('check names the Klarna rule a window announced 6 days ahead breaks, and accepts one announced 15 days ahead', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'sloprobe-check-')), 'maint.yaml');
  writeFileSync(
    file,
    `upstream: http://127.0.0.1:9000
classes:
  c: { availability: 99% }
categories:
  k: { class: c }
routes:
  - { name: a, method: GET, path: /a, category: k }
maintenance:
  policy: klarna
  windows:
    - { id: six-days, start: "2026-12-01T01:00:00Z", end: "2026-12-01T03:00:00Z", announced_at: "2026-11-25T01:00:00Z", all: true }
    - { id: fifteen-days, start: "2026-12-10T01:00:00Z", end: "2026-12-10T03:00:00Z", announced_at: "2026-11-25T01:00:00Z", all: true }
`,
  );
  const r = await runCli(['check', '--config', file]);
  assert.equal(r.code, 0, 'a policy breach is reported, the config itself is valid');
  assert.match(r.stdout, /six-days:[^\n]*\n\s+REJECTED \(klarna\.notice\)[^\n]*7 days in advance/);
  assert.match(r.stdout, /fifteen-days:[^\n]*\n\s+accepted/);
});
