/**
 * .ci/audit.mjs, the judge of `npm audit --omit=dev --json` in .ci/run, on reports in the
 * shape npm 7+ prints (auditReportVersion 2). The registry's audit endpoint is not needed:
 * the reports are written here, one per case.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'sloprobe-audit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ID = 'GHSA-2xq4-9hjm-c5vw';
const OTHER = 'GHSA-7f3r-q8wx-p2mh';

function report(ids: string[]): unknown {
  const vulnerabilities: Record<string, unknown> = {};
  ids.forEach((id, i) => {
    vulnerabilities[`pkg${i}`] = {
      name: `pkg${i}`,
      severity: 'high',
      via: [
        {
          source: 1000 + i,
          name: `pkg${i}`,
          title: 'Prototype pollution',
          url: `https://github.com/advisories/${id}`,
          severity: 'high',
          range: '<1.2.3',
        },
      ],
      effects: ['dependent'],
      fixAvailable: true,
    };
    // A package vulnerable only through pkg{i}: its `via` names it, and adds no advisory.
    vulnerabilities.dependent = { name: 'dependent', severity: 'high', via: [`pkg${i}`], effects: [] };
  });
  return { auditReportVersion: 2, vulnerabilities, metadata: {} };
}

let n = 0;
function judge(audit: unknown, accepted: unknown[], readme: string, extraEnv: Record<string, string> = {}) {
  n++;
  const files = {
    audit: join(dir, `audit-${n}.json`),
    accepted: join(dir, `accepted-${n}.json`),
    readme: join(dir, `README-${n}.md`),
  };
  writeFileSync(files.audit, typeof audit === 'string' ? audit : JSON.stringify(audit));
  writeFileSync(files.accepted, JSON.stringify(accepted));
  writeFileSync(files.readme, readme);
  const r = spawnSync(process.execPath, [join(repoRoot, '.ci', 'audit.mjs'), files.audit], {
    encoding: 'utf8',
    env: {
      ...process.env,
      SLOPROBE_AUDIT_REQUIRED: '',
      SLOPROBE_AUDIT_ACCEPTED: files.accepted,
      SLOPROBE_AUDIT_README: files.readme,
      ...extraEnv,
    },
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

const README = (body: string) => `# x\n\n## Dependency audit\n\n${body}\n\n## Next\n`;

describe('the audit judge', () => {
  it('passes a report without advisories', () => {
    const r = judge(report([]), [], README('None.'));
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /no advisories/);
  });

  it('fails on an advisory nobody accepted, naming it', () => {
    const r = judge(report([ID]), [], README('None.'));
    assert.equal(r.code, 1);
    assert.match(r.out, new RegExp(`${ID}\\s+pkg0 <1\\.2\\.3: Prototype pollution \\(high\\)`));
  });

  it('passes an accepted advisory that README explains, and only that one', () => {
    const accepted = [{ id: ID, package: 'pkg0' }];
    const text = README(`- ${ID} (pkg0): only reachable through a code path sloprobe never calls.`);
    assert.equal(judge(report([ID]), accepted, text).code, 0);
    const two = judge(report([ID, OTHER]), accepted, text);
    assert.equal(two.code, 1);
    assert.match(two.out, new RegExp(OTHER));
    assert.doesNotMatch(two.out.split('\n').slice(1).join('\n'), new RegExp(`^  ${ID}`, 'm'));
  });

  it('fails an acceptance README does not explain in its section', () => {
    const r = judge(report([ID]), [{ id: ID }], `# x\n\n## Other\n\n${ID}\n`);
    assert.equal(r.code, 1);
    assert.match(r.out, /does not explain it/);
  });

  it('names an accepted id that is no longer reported, and still passes', () => {
    const r = judge(report([]), [{ id: ID }], README(ID));
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`${ID} is accepted but no longer reported`));
  });

  it('an audit that did not run (the registry answered an error) is NOT RUN, and fails when required', () => {
    const r405 = {
      message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
      error: { summary: '' },
    };
    const notRun = judge(r405, [], README('None.'));
    assert.equal(notRun.code, 0, notRun.out);
    assert.match(notRun.out, /NOT RUN: .*405 Method Not Allowed/);
    assert.doesNotMatch(notRun.out, /no advisories/, 'a skipped audit never reads as a clean one');
    const required = judge(r405, [], README('None.'), { SLOPROBE_AUDIT_REQUIRED: '1' });
    assert.equal(required.code, 1);
    assert.match(required.out, /did not run \(405 Method Not Allowed/);
    assert.equal(judge('npm ERR! network', [], README('None.'), { SLOPROBE_AUDIT_REQUIRED: '1' }).code, 1);
  });

  it("the repository's own acceptances are all explained in its README", () => {
    writeFileSync(join(dir, 'clean.json'), JSON.stringify(report([])));
    const env = { ...process.env };
    delete env.SLOPROBE_AUDIT_ACCEPTED;
    delete env.SLOPROBE_AUDIT_README;
    const own = spawnSync(process.execPath, [join(repoRoot, '.ci', 'audit.mjs'), join(dir, 'clean.json')], {
      encoding: 'utf8',
      env,
    });
    assert.equal(own.status, 0, own.stdout + own.stderr);
  });
});
