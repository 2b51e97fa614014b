/** Runs a command in-process with captured stdout/stderr (imported by the tests). */
import { Readable } from 'node:stream';
import type { CliIo } from '../../src/cli/args.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(
  command: (argv: string[], io: CliIo) => Promise<number>,
  argv: string[],
  options: { stdin?: string | Buffer; tty?: boolean; now?: number } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t), isTTY: options.tty ?? false },
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    now: () => options.now ?? Date.UTC(2025, 4, 2),
  };
  const code = await command(argv, io);
  return { code, stdout, stderr };
}
