/** camus-cli: the CamusDB SQL shell. */

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, USAGE } from './args.js';
import { CamusClient } from './client.js';
import { runRepl, runScript } from './repl.js';
import { Shell, type ShellOutput } from './shell.js';

/** The version in the package.json above this file (cli/ or dist/cli/). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: unknown };
      if (typeof pkg.version === 'string') return pkg.version;
    } catch {
      // keep looking upward
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

export interface MainIO {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

function streamOutput(stdout: Writable, stderr: Writable, clearable: boolean): ShellOutput {
  return {
    out: (text) => void stdout.write(text),
    err: (text) => void stderr.write(text),
    clearScreen: () => {
      if (clearable) stdout.write('\x1b[2J\x1b[3J\x1b[H');
    },
  };
}

/** Runs the shell; resolves to the exit status (0 ok, 1 a statement failed, 2 bad usage). */
export async function main(argv: readonly string[], io?: Partial<MainIO>): Promise<number> {
  const stdin = io?.stdin ?? process.stdin;
  const stdout = io?.stdout ?? process.stdout;
  const stderr = io?.stderr ?? process.stderr;
  const env = io?.env ?? process.env;

  const args = parseArgs(argv);
  switch (args.kind) {
    case 'help':
      stdout.write(USAGE);
      return 0;
    case 'version':
      stdout.write(`camus-cli ${packageVersion()}\n`);
      return 0;
    case 'usage-error':
      stderr.write(`camus-cli: ${args.message}\nTry 'camus-cli -h' for help.\n`);
      return 2;
    case 'run':
      break;
  }

  const client = new CamusClient(args.endpoint);
  const interactive = args.execute === null && Boolean(stdin.isTTY);
  const shell = new Shell({
    client,
    database: args.database,
    output: streamOutput(stdout, stderr, interactive && Boolean(stdout.isTTY)),
  });

  if (args.execute !== null) {
    let outcome = await shell.runText(args.execute);
    if (outcome === 'exit') outcome = 'ok';
    await shell.rollbackOpen();
    return outcome === 'error' ? 1 : 0;
  }
  if (!interactive) return runScript(shell, stdin);

  const historyFile = env['CAMUS_HISTORY_FILE'] ?? join(homedir(), '.camus_history');
  return runRepl({
    shell,
    input: stdin,
    output: stdout,
    terminal: Boolean(stdout.isTTY),
    historyFile,
    banner: `CamusDB SQL shell ${packageVersion()} - ${args.endpoint}, database ${args.database}\nType exit or quit to leave.\n\n`,
  });
}

/** Entry point for bin/camus-cli.js: runs main and sets the process's exit status. */
export async function cli(): Promise<void> {
  let code: number;
  try {
    code = await main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`camus-cli: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    code = 1;
  }
  process.exitCode = code;
  // Stop reading a piped stdin left open (after an early error), so the process can end.
  if (!process.stdin.isTTY) process.stdin.destroy();
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) await cli();
