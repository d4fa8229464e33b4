/** The interactive prompt and the line-by-line script runner, over any streams. */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Shell } from './shell.js';

export const PROMPT = 'camus> ';
export const CONTINUATION_PROMPT = '   -> ';
const HISTORY_SIZE = 1000;

export interface ReplOptions {
  shell: Shell;
  input: Readable;
  output: Writable;
  /** Terminal mode: line editing, history, Ctrl-C handling (default: output is a TTY). */
  terminal?: boolean;
  /** Where history is kept between sessions; null for none. */
  historyFile?: string | null;
  /** Printed once before the first prompt. */
  banner?: string;
}

/** Reads the history file: oldest line first in the file, newest first in the result (as readline wants). */
export function loadHistory(file: string): string[] {
  try {
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
    return lines.slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}

/** Writes the history (newest first, as readline keeps it); failures are ignored. */
export function saveHistory(file: string, history: readonly string[]): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const lines = history.slice(0, HISTORY_SIZE).reverse();
    writeFileSync(file, lines.length === 0 ? '' : lines.join('\n') + '\n', { mode: 0o600 });
  } catch {
    // A read-only home, a full disk: the shell works without history.
  }
}

/**
 * The interactive loop: `camus> ` for a new statement, `   -> ` while one is
 * incomplete. Errors are reported and the prompt comes back. Ends on `exit` /
 * `quit` or end of input (Ctrl-D), rolling back a transaction left open at
 * end of input. Returns the exit status (0).
 */
export async function runRepl(opts: ReplOptions): Promise<number> {
  const { shell, input, output } = opts;
  const terminal = opts.terminal ?? Boolean((output as { isTTY?: boolean }).isTTY);
  const historyFile = opts.historyFile ?? null;
  let history = historyFile !== null && terminal ? loadHistory(historyFile) : [];
  const rl = createInterface({
    input,
    output,
    terminal,
    history,
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
  });
  rl.on('history', (h: string[]) => {
    history = h;
  });
  const prompt = (): void => {
    rl.setPrompt(shell.continuing ? CONTINUATION_PROMPT : PROMPT);
    rl.prompt();
  };
  let busy = false;
  rl.on('SIGINT', () => {
    // A statement already sent cannot be called back: let it finish.
    if (busy) {
      output.write('^C (waiting for the running statement to finish)\n');
      return;
    }
    // Ctrl-C drops a partly typed statement; on an empty prompt it explains how to leave.
    if (shell.continuing || rl.line !== '') {
      shell.resetPending();
      output.write('^C\n');
    } else {
      output.write('\n(To exit, type exit or quit, or press Ctrl-D)\n');
    }
    // Clear what readline holds for the current line.
    (rl as unknown as { line: string; cursor: number }).line = '';
    (rl as unknown as { line: string; cursor: number }).cursor = 0;
    prompt();
  });

  if (opts.banner !== undefined) output.write(opts.banner);
  let exited = false;
  prompt();
  for await (const line of rl) {
    busy = true;
    const outcome = await shell.feedLine(line).finally(() => {
      busy = false;
    });
    if (outcome === 'exit') {
      exited = true;
      break;
    }
    prompt();
  }
  if (!exited) {
    // End of input: a half-typed statement is dropped, an open transaction rolled back.
    output.write('\n');
    shell.resetPending();
    await shell.rollbackOpen();
  }
  rl.close();
  if (historyFile !== null && terminal) saveHistory(historyFile, history);
  return 0;
}

/**
 * Runs SQL read line by line from a non-interactive stream (stdin piped): no
 * prompts, stops at the first error. Returns the exit status: 0, or 1 on error.
 */
export async function runScript(shell: Shell, input: Readable): Promise<number> {
  const rl = createInterface({ input, terminal: false, crlfDelay: Infinity });
  let outcome: 'ok' | 'error' | 'exit' = 'ok';
  for await (const line of rl) {
    outcome = await shell.feedLine(line);
    if (outcome !== 'ok') break;
  }
  rl.close();
  if (outcome === 'ok') outcome = await shell.endOfInput();
  await shell.rollbackOpen();
  return outcome === 'error' ? 1 : 0;
}
