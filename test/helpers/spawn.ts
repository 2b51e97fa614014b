import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cliPath, repoRoot } from './paths.js';

export interface Cli {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the first match of `re` on stdout+stderr, as output arrives (no polling). */
  waitFor(re: RegExp): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

/** Starts the compiled `sloprobe` CLI with `args`; output is collected as it arrives. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Cli {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const waiters: Array<{ re: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  const cli: Cli = {
    child,
    stdout: '',
    stderr: '',
    waitFor(re) {
      const m = (cli.stdout + cli.stderr).match(re);
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        waiters.push({ re, resolve });
        child.once('exit', (code) =>
          reject(new Error(`exited (${code}) before ${re}; stdout:\n${cli.stdout}\nstderr:\n${cli.stderr}`)),
        );
      });
    },
    exited: once(child, 'exit').then(([code]) => code as number | null),
  };
  const check = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const m = (cli.stdout + cli.stderr).match(waiters[i]!.re);
      if (m) waiters.splice(i, 1)[0]!.resolve(m);
    }
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    cli.stdout += d;
    check();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    cli.stderr += d;
    check();
  });
  return cli;
}

/** Runs the CLI to completion. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const cli = startCli(args, env);
  const code = await cli.exited;
  return { code, stdout: cli.stdout, stderr: cli.stderr };
}
