/**
 * camus-cli driven as a user would, against a fake CamusDB node: arguments,
 * piped stdin, stdout/stderr and exit status. Most cases run main() in-process
 * with injected streams (a tsx start-up costs ~1 s per child process); the
 * `spawned` group runs the real bin/camus-cli.js as a child process.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { BIG, closedPort, startFakeServer, TXN_COUNTER, TXN_PT, type FakeServer } from './fake-server.js';

const BIN = fileURLToPath(new URL('../../bin/camus-cli.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function collector(): Writable & { text: string } {
  const w = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      w.text += chunk.toString();
      cb();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

/** main() in-process, stdin piped (not a TTY). */
async function cli(args: string[], stdin = ''): Promise<Run> {
  const stdout = collector();
  const stderr = collector();
  const code = await main(args, { stdin: Readable.from([stdin]), stdout, stderr, env: {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** The real executable as a child process. */
function spawned(args: string[], stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => {}); // the shell may stop reading early
    child.stdin.end(stdin);
  });
}

// Each test gets its own server, so the recorded requests are its own and the runs can overlap.
const servers: FakeServer[] = [];
async function server(): Promise<FakeServer> {
  const s = await startFakeServer();
  servers.push(s);
  return s;
}
const conn = (s: FakeServer, db = 'test'): string[] => ['-c', `Endpoint=${s.url};Database=${db}`];

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'camus-cli-'));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(tmp, { recursive: true, force: true });
});

describe.concurrent('camus-cli process', () => {
  it('-e runs a query and prints an aligned table with exact int64s', async () => {
    const s = await server();
    const r = await cli([...conn(s), '-e', 'SELECT * FROM robots']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      '               id | name  | score | active',
      '------------------+-------+-------+--------',
      ` ${BIG} | R2-D2 |   0.1 | true`,
      '               -7 | NULL  |  12.5 | false',
    ]);
    expect(lines[4]).toMatch(/^2 row\(s\) \(\d+\.\d{3} sec\)$/);
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]?.route).toBe('/execute-sql-query');
    expect(s.requests[0]?.body).toEqual({ databaseName: 'test', sql: 'SELECT * FROM robots', parameters: {} });
  });

  it('reads statements from stdin: one split over lines, several on one line, routed by kind', async () => {
    const s = await server();
    const script = ['SELECT *', '  FROM robots', '  WHERE name = "a;b";', 'CREATE TABLE t (a INT64); INSERT INTO t (a) VALUES (1); DELETE FROM t WHERE a = 1', ''].join('\n');
    const r = await cli(conn(s), script);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(s.requests.map((q) => [q.route, q.body['sql']])).toEqual([
      ['/execute-sql-query', 'SELECT *\n  FROM robots\n  WHERE name = "a;b"'],
      ['/execute-sql-ddl', 'CREATE TABLE t (a INT64)'],
      ['/execute-sql-non-query', 'INSERT INTO t (a) VALUES (1)'],
      ['/execute-sql-non-query', 'DELETE FROM t WHERE a = 1'],
    ]);
    expect(r.stdout).toMatch(/^OK \(\d+\.\d{3} sec\)$/m);
    expect(r.stdout).toMatch(/^3 row\(s\) affected \(\d+\.\d{3} sec\)$/m);
  });

  it('BEGIN ... COMMIT carries the exact transaction ids on every request in between', async () => {
    const s = await server();
    const r = await cli(conn(s), 'BEGIN;\nINSERT INTO t (a) VALUES (1);\nSELECT * FROM robots;\nCOMMIT;\nSELECT 1;\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(s.requests.map((q) => q.route)).toEqual([
      '/start-transaction',
      '/execute-sql-non-query',
      '/execute-sql-query',
      '/commit-transaction',
      '/execute-sql-query',
    ]);
    expect(s.requests[0]?.body).toEqual({ databaseName: 'test' });
    for (const q of s.requests.slice(1, 4)) {
      expect(q.raw).toContain(`"txnIdPT":${TXN_PT},"txnIdCounter":${TXN_COUNTER}`);
    }
    expect(s.requests[4]?.raw).not.toContain('txnIdPT');
  });

  it('refuses exit and use inside a transaction (exit 1, the transaction rolled back)', async () => {
    const s = await server();
    const r = await cli(conn(s), 'START TRANSACTION;\nexit\nSELECT 1;\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("active transaction, please commit or rollback before exit");
    expect(s.requests.map((q) => q.route)).toEqual(['/start-transaction', '/rollback-transaction']);
    expect(s.requests[1]?.raw).toContain(`"txnIdPT":${TXN_PT}`);

    const s2 = await server();
    const r2 = await cli(conn(s2), 'begin;\nuse other;\n');
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('before switching databases');
  });

  it('use changes the database of the following requests; the positional database overrides -c', async () => {
    const s = await server();
    const r = await cli(['first', ...conn(s, 'ignored')], 'SELECT 1;\nUSE second\nSELECT 2; use `third`; SELECT 3;\nuse fourth; SELECT 4;\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(s.requests.map((q) => q.body['databaseName'])).toEqual(['first', 'second', 'third', 'fourth']);
    expect(r.stdout).toContain('Database changed to second');
  });

  it('source runs the statements of a file', async () => {
    const s = await server();
    const file = join(tmp, 'script.sql');
    writeFileSync(file, '-- a script\nCREATE TABLE t (a INT64);\nINSERT INTO t (a)\n  VALUES (1);\nSELECT * FROM t\n');
    const r = await cli(conn(s), `source ${file}\nSELECT 'after';\n`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(s.requests.map((q) => q.body['sql'])).toEqual([
      'CREATE TABLE t (a INT64)',
      'INSERT INTO t (a)\n  VALUES (1)',
      'SELECT * FROM t',
      "SELECT 'after'",
    ]);
    const missing = await cli(conn(s), `source ${join(tmp, 'nope.sql')};\n`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('ENOENT');
  });

  it('stops at the first error with exit 1 and the server code', async () => {
    const s = await server();
    const r = await cli(conn(s), 'SELECT 1;\nSELECT FAIL;\nSELECT 3;\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error CADB0406: syntax error near 'FAIL'\n");
    expect(s.requests.map((q) => q.body['sql'])).toEqual(['SELECT 1', 'SELECT FAIL']);

    const e = await cli([...conn(s), '-e', 'SELECT FAIL; SELECT 2']);
    expect(e.code).toBe(1);
    expect(e.stderr).toContain('Error CADB0406');
    expect(s.requests).toHaveLength(3);

    const incomplete = await cli([...conn(s), '-e', "SELECT 'open"]);
    expect(incomplete.code).toBe(1);
    expect(incomplete.stderr).toContain('incomplete statement');
  });

  it('exits 2 on bad usage, 0 on -h and -v', async () => {
    const bad = await cli(['--frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown option '--frobnicate'");
    const malformed = await cli(['-c', 'Endpoint']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('malformed connection string');
    const help = await cli(['-h']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: camus-cli [database]');
    const version = await cli(['-v']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^camus-cli \d+\.\d+\.\d+/);
  });

  it('reports an unreachable endpoint clearly and exits 1', async () => {
    const port = await closedPort();
    const r = await cli(['-c', `Endpoint=http://127.0.0.1:${port}`, '-e', 'SELECT 1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error: cannot reach http://127.0.0.1:${port}: ECONNREFUSED\n`);
  });
});

describe.concurrent('bin/camus-cli.js as a child process', () => {
  it('-e prints the table with the exact int64 and exits 0', async () => {
    const s = await server();
    const r = await spawned([...conn(s), '-e', 'SELECT * FROM robots;']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(` ${BIG} | R2-D2 |   0.1 | true\n`);
    expect(r.stdout).toMatch(/^2 row\(s\) \(\d+\.\d{3} sec\)$/m);
  });

  it('piped stdin stops at the first error with exit 1', async () => {
    const s = await server();
    const r = await spawned(conn(s), 'SELECT\n  1;\nSELECT FAIL; SELECT 2;\nSELECT 3;\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error CADB0406: syntax error near 'FAIL'\n");
    expect(s.requests.map((q) => q.body['sql'])).toEqual(['SELECT\n  1', 'SELECT FAIL']);
  });

  it('exits 2 on an unknown flag', async () => {
    const r = await spawned(['--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--frobnicate'");
  });
});
