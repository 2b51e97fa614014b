#!/usr/bin/env node
/**
 * `sloprobe <command>`: dispatches to one module per command. Exit codes are part of the
 * interface (DESIGN.md): 0 success, 1 runtime failure, 2 bad input (config, flags).
 *
 * Every command follows one convention (src/cli/args.ts): it throws, and `execute` prints
 * one line and sets the exit code. A command is a module exporting `command: CommandRun`;
 * adding one is one line in COMMANDS. Modules load lazily so `sloprobe health`, run by a
 * container's health check every few seconds, does not load the proxy.
 */
import { UsageError } from '../errors.js';
import { VERSION } from '../version.js';
import { type CliIo, type CommandRun, execute, printError } from './args.js';

interface CommandEntry {
  readonly summary: string;
  readonly load: () => Promise<{ command: CommandRun }>;
}

export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  run: { summary: 'run the sidecar', load: () => import('./run.js') },
  check: {
    summary: 'validate a config and print the resolved route table',
    load: () => import('./check.js'),
  },
  demo: {
    summary: 'mock payment API + traffic + the sidecar in front (`npm start`)',
    load: () => import('./demo.js'),
  },
  replay: {
    summary: 'run access logs through the SLO engine, print the monthly report',
    load: () => import('./replay.js'),
  },
  report: { summary: 'print the monthly SLA report from the store', load: () => import('./report.js') },
  health: {
    summary: "ask a running sidecar's admin listener if it is healthy",
    load: () => import('./health.js'),
  },
  rules: {
    summary: 'print Prometheus rules for the fleet (Sloth-compatible, multiwindow alerts)',
    load: () => import('./rules.js'),
  },
  import: {
    summary: 'a route map from OpenAPI, or SLOs from OpenSLO',
    load: async () => ({ command: (await import('../import/command.js')).importCommand }),
  },
  openslo: {
    summary: "print the config's SLOs as OpenSLO v1 documents",
    load: () => import('../openslo/export-command.js'),
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

export async function main(argv: string[], io: CliIo): Promise<number> {
  const verbose = argv.includes('--verbose');
  const args = argv.filter((a) => a !== '--verbose');
  const name = args[0];
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    const known = Object.keys(COMMANDS).join(', ');
    return printError(undefined, new UsageError(`unknown command "${name}" (try: ${known})`), io);
  }
  const { command } = await entry.load();
  const commandIo: CliIo = {
    stdout: io.stdout,
    stderr: io.stderr,
    get stdin() {
      return io.stdin;
    },
    now: io.now,
    verbose,
  };
  return execute(name, command, args.slice(1), commandIo);
}

const processIo: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  // A getter: touching process.stdin opens it, and only `replay -` reads it.
  get stdin() {
    return process.stdin;
  },
};

main(process.argv.slice(2), processIo).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = printError(undefined, err, {
      stdout: process.stdout,
      stderr: process.stderr,
      verbose: true,
    });
  },
);
