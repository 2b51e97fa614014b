#!/usr/bin/env node
/**
 * `sloprobe <command>`: dispatches to one module per command. Exit codes are part of the
 * interface (DESIGN.md): 0 success, 1 runtime failure, 2 bad input (config, flags).
 */
import { ConfigErrors, SloprobeError } from '../errors.js';
import { VERSION } from '../version.js';

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  run: { summary: 'run the sidecar', load: async () => (await import('./run.js')).runCommand },
  check: {
    summary: 'validate a config and print the resolved route table',
    load: async () => (await import('./check.js')).checkCommand,
  },
  demo: {
    summary: 'mock payment API + traffic + the sidecar in front (what `npm start` runs)',
    load: async () => (await import('./demo.js')).demoCommand,
  },
  replay: {
    summary: 'run access logs through the SLO engine and print the monthly report',
    load: async () => (await import('./replay.js')).replayCommand,
  },
  report: {
    summary: 'print the monthly SLA report from the store',
    load: async () => (await import('./report.js')).reportCommand,
  },
  rules: {
    summary: 'print Prometheus rules for the fleet (Sloth-compatible, multiwindow alerts)',
    load: async () => (await import('./rules.js')).rulesCommand,
  },
  import: {
    summary: 'a route map from OpenAPI, or SLOs from OpenSLO',
    load: async () => (await import('../import/command.js')).importCommand,
  },
  openslo: {
    summary: "print the config's SLOs as OpenSLO v1 documents",
    load: async () => (await import('../openslo/export-command.js')).opensloCommand,
  },
};

export const USAGE = `sloprobe ${VERSION} — SLO sidecar for payment APIs

Usage: sloprobe <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`)
  .join('\n')}

Run \`sloprobe <command> --help\` for the options of a command.
Global: --verbose (stack traces on errors), --version, --help
Exit codes: 0 success, 1 runtime failure, 2 bad input (config, flags)`;

export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  const args = argv.filter((a) => a !== '--verbose');
  const name = args[0];
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`sloprobe: unknown command "${name}" (try: ${Object.keys(COMMANDS).join(', ')})\n`);
    return 2;
  }
  try {
    return await (await command.load())(args.slice(1));
  } catch (err) {
    return reportError(err, verbose);
  }
}

/** One clear line (or one line per config problem) on stderr; the stack only with --verbose. */
export function reportError(err: unknown, verbose: boolean): number {
  if (err instanceof ConfigErrors) {
    // One line per problem, each already naming file:line:column.
    for (const e of err.errors) process.stderr.write(`sloprobe: ${e.message}\n`);
    if (verbose && err.stack) process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  if (err instanceof SloprobeError) {
    process.stderr.write(`sloprobe: ${err.message}\n`);
    if (verbose && err.stack) process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`sloprobe: ${message}\n`);
  if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = reportError(err, true);
  },
);
