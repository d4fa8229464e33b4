/** The interactive prompt, driven through injected streams instead of a TTY. */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CamusClient } from '../../cli/client.js';
import { CONTINUATION_PROMPT, PROMPT, runRepl } from '../../cli/repl.js';
import { Shell } from '../../cli/shell.js';
import { closedPort, startFakeServer, TXN_PT, type FakeServer } from './fake-server.js';

let server: FakeServer;
let tmp: string;
beforeAll(async () => {
  server = await startFakeServer();
  tmp = mkdtempSync(join(tmpdir(), 'camus-repl-'));
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

interface Session {
  code: number;
  /** Everything written: prompts, results, `[err] ...` for errors, `[clear]` for clear. */
  transcript: string;
  shell: Shell;
}

/** Runs the REPL over `lines` (all typed up front, then end of input), against `endpoint`. */
async function session(lines: string[], endpoint = server.url, extra: { historyFile?: string; terminal?: boolean } = {}): Promise<Session> {
  let transcript = '';
  const output = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      transcript += chunk.toString();
      cb();
    },
  });
  const shell = new Shell({
    client: new CamusClient(endpoint),
    database: 'test',
    output: {
      out: (t) => void output.write(t),
      err: (t) => void output.write(`[err] ${t}`),
      clearScreen: () => void output.write('[clear]\n'),
    },
  });
  const input = new PassThrough();
  input.end(lines.map((l) => l + '\n').join(''));
  const code = await runRepl({ shell, input, output, terminal: extra.terminal ?? false, historyFile: extra.historyFile ?? null });
  return { code, transcript: transcript.replace(/\(\d+\.\d{3} sec\)/g, '(T)'), shell };
}

describe('interactive prompt', () => {
  it('shows camus> and the continuation prompt while a statement is incomplete', async () => {
    const start = server.requests.length;
    const { code, transcript } = await session([
      'SELECT *',
      'FROM robots',
      ';',
      "SELECT 'open",
      "quote';",
      'SELECT a,',
      '(b',
      ') FROM t; SELECT 2; SELECT',
      '3;',
    ]);
    expect(code).toBe(0);
    const P = PROMPT;
    const C = CONTINUATION_PROMPT;
    expect(transcript.startsWith(`${P}${C}${C}`)).toBe(true);
    expect(transcript).toContain(`2 row(s) (T)\n${P}${C}0 row(s) (T)\n${P}${C}${C}0 row(s) (T)\n0 row(s) (T)\n${C}0 row(s) (T)\n${P}\n`);
    expect(server.requests.slice(start).map((r) => r.body['sql'])).toEqual([
      'SELECT *\nFROM robots',
      "SELECT 'open\nquote'",
      'SELECT a,\n(b\n) FROM t',
      'SELECT 2',
      'SELECT\n3',
    ]);
  });

  it('refuses exit and use while a transaction is open; commands work with or without ;', async () => {
    const start = server.requests.length;
    const { code, transcript, shell } = await session(['BEGIN;', 'exit', 'USE other;', 'QUIT;', 'COMMIT;', 'Clear', 'use other', 'exit;', 'SELECT 99;']);
    expect(code).toBe(0);
    expect(transcript).toBe(
      [
        `${PROMPT}OK (T)`,
        `${PROMPT}[err] Error: there's an active transaction, please commit or rollback before exit`,
        `${PROMPT}[err] Error: there's an active transaction, please commit or rollback before switching databases`,
        `${PROMPT}[err] Error: there's an active transaction, please commit or rollback before exit`,
        `${PROMPT}OK (T)`,
        `${PROMPT}[clear]`,
        `${PROMPT}Database changed to other`,
        PROMPT,
      ].join('\n'),
    );
    expect(shell.database).toBe('other');
    expect(server.requests.slice(start).map((r) => r.route)).toEqual(['/start-transaction', '/commit-transaction']);
  });

  it('keeps the prompt after a server error and after a network error', async () => {
    const { transcript } = await session(['SELECT FAIL;', 'SELECT 1;']);
    expect(transcript).toBe(`${PROMPT}[err] Error CADB0406: syntax error near 'FAIL'\n${PROMPT}0 row(s) (T)\n${PROMPT}\n`);
    const port = await closedPort();
    const down = await session(['SELECT 1;', 'SELECT 2;'], `http://127.0.0.1:${port}`);
    expect(down.code).toBe(0);
    const refused = `[err] Error: cannot reach http://127.0.0.1:${port}: ECONNREFUSED\n`;
    expect(down.transcript).toBe(`${PROMPT}${refused}${PROMPT}${refused}${PROMPT}\n`);
  });

  it('rolls back a transaction left open at end of input (Ctrl-D) and runs source files', async () => {
    const file = join(tmp, 'in-txn.sql');
    writeFileSync(file, 'INSERT INTO t (a) VALUES (1);\nUPDATE t SET a = 2 WHERE a = 1;\n');
    const start = server.requests.length;
    const { transcript } = await session(['begin;', `source ${file}`]);
    expect(transcript).toContain('[err] Rolling back the open transaction');
    const reqs = server.requests.slice(start);
    expect(reqs.map((r) => r.route)).toEqual([
      '/start-transaction',
      '/execute-sql-non-query',
      '/execute-sql-non-query',
      '/rollback-transaction',
    ]);
    for (const r of reqs.slice(1)) expect(r.raw).toContain(`"txnIdPT":${TXN_PT}`);
  });

  it('saves history to the history file in terminal mode', async () => {
    const historyFile = join(tmp, 'history');
    writeFileSync(historyFile, 'SELECT 0;\n');
    await session(['SELECT 1;', 'exit'], server.url, { historyFile, terminal: true });
    expect(readFileSync(historyFile, 'utf8')).toBe('SELECT 0;\nSELECT 1;\nexit\n');
    // An unwritable history location is tolerated.
    const r = await session(['exit'], server.url, { historyFile: join(historyFile, 'not-a-dir', 'h'), terminal: true });
    expect(r.code).toBe(0);
  });
});
