#!/usr/bin/env node
// Judges `npm audit --omit=dev --json` (read from the file named first, or stdin): passes when
// every advisory against a runtime dependency is one that .ci/audit-accepted.json accepts and
// README's "Dependency audit" section explains by its id; fails on any other advisory, and on
// an audit that did not run when SLOPROBE_AUDIT_REQUIRED=1 (otherwise that is reported as
// NOT RUN, since CI's registry mirror refuses the advisory endpoint). Advisories are matched by
// their GHSA id, not by package or severity, so a new advisory against an accepted package
// still fails. An accepted id the audit no longer reports is named, so the list can shrink.
//
//   npm audit --omit=dev --json > audit.json; node .ci/audit.mjs audit.json
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const acceptedFile = process.env.SLOPROBE_AUDIT_ACCEPTED ?? join(root, '.ci', 'audit-accepted.json');
const readmeFile = process.env.SLOPROBE_AUDIT_README ?? join(root, 'README.md');

function fail(message) {
  process.stderr.write(`audit: ${message}\n`);
  process.exit(1);
}

const input = process.argv[2] ? readFileSync(process.argv[2], 'utf8') : readFileSync(0, 'utf8');
let report;
try {
  report = JSON.parse(input);
} catch {
  fail('npm audit printed no JSON report; it did not run');
}
if (report.error || report.auditReportVersion !== 2 || typeof report.vulnerabilities !== 'object') {
  const why = report.message ?? report.error?.summary ?? 'no audit report in its output';
  // CI's registry mirror answers the advisory endpoint (a POST) with 405: there the audit
  // cannot run at all, which is not a finding. It is said loudly and, unless the audit is
  // required (SLOPROBE_AUDIT_REQUIRED=1, as on a machine that reaches registry.npmjs.org),
  // does not fail the run. Any advisory the audit does report still fails below.
  if (process.env.SLOPROBE_AUDIT_REQUIRED === '1') {
    fail(`npm audit did not run (${why}); a failed audit is not a clean one`);
  }
  process.stderr.write(
    `audit: NOT RUN: npm audit could not get advisories (${why}); nothing was checked. Run it where the registry's advisory endpoint answers, with SLOPROBE_AUDIT_REQUIRED=1.\n`,
  );
  process.exit(0);
}

const accepted = JSON.parse(readFileSync(acceptedFile, 'utf8'));
const readme = readFileSync(readmeFile, 'utf8');
const section = /^## Dependency audit\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
for (const a of accepted) {
  if (!/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/.test(a.id ?? ''))
    fail(`${acceptedFile}: "${a.id}" is not a GHSA id`);
  if (!section.includes(a.id))
    fail(`${a.id} is accepted but README's "Dependency audit" section does not explain it`);
}
const acceptedIds = new Set(accepted.map((a) => a.id));

// Each vulnerable package lists its advisories in `via`: objects for its own, package names
// (strings) for those it inherits from a dependency, which is listed under its own name.
const found = new Map();
for (const [name, v] of Object.entries(report.vulnerabilities)) {
  for (const via of v.via ?? []) {
    if (typeof via !== 'object' || via === null) continue;
    const id = /GHSA(-[0-9a-z]{4}){3}/.exec(String(via.url ?? ''))?.[0] ?? `npm advisory ${via.source}`;
    found.set(
      id,
      `${via.name ?? name} ${via.range ?? ''}: ${via.title ?? ''} (${via.severity ?? '?'})`.trim(),
    );
  }
}
const open = [...found].filter(([id]) => !acceptedIds.has(id));
for (const id of acceptedIds)
  if (!found.has(id)) process.stdout.write(`audit: ${id} is accepted but no longer reported: drop it\n`);
if (open.length > 0) {
  fail(
    `${open.length} advisor${open.length === 1 ? 'y' : 'ies'} against runtime dependencies; update the package, or accept the id in .ci/audit-accepted.json and explain it in README:\n` +
      open.map(([id, what]) => `  ${id}  ${what}`).join('\n'),
  );
}
process.stdout.write(
  `audit: ${found.size === 0 ? 'no advisories' : `${found.size} advisories, all accepted`} against runtime dependencies\n`,
);
