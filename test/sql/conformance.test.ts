// The SQL conformance suite: every file in conformance/ is one test. A file is
// SQL statements, each followed by its expected output as a block of `-- `
// comment lines right after the line that ends it with `;`:
//
//   SELECT id, name FROM users ORDER BY id;
//   -- id | name
//   -- 1  | ada
//
// A result set prints its column names, then one line per row (cells padded
// to line up, NULL as NULL, an empty string as '', floats always with a
// fraction or exponent so that 1.0 is told apart from the INT64 1), or
// `(0 rows)`. INSERT, UPDATE and DELETE print `affected: n`, other statements
// `ok`, and a failed statement `error CADBnnnn` (the code only: messages may
// be reworded). Comments anywhere else (before a statement, or after a blank
// line) are notes for the reader and are kept as they are.
//
// Statements run in order against one MemoryKv, in database `test`, with
// GEN_ID() drawing from a counter (000000000000000000000001, ...2, ...), as
// autocommitted statements would. A failed statement must leave the store
// exactly as it found it: the runner checks that, since inside an explicit
// transaction the session keeps the transaction's view after an error.
//
// REWRITE=1 writes every file back with the actual output instead of
// comparing; review each changed line by hand before keeping it.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertNever } from '../../core/assert.js';
import { CamusError } from '../../core/errors.js';
import { formatFloat } from '../../core/sql/format.js';
import { parseCached } from '../../core/sql/parse-cache.js';
import type { SqlValue } from '../../core/sql/encoding.js';
import { createDatabase } from '../../core/sql/engine/catalog.js';
import { executeStatement } from '../../core/sql/engine/engine.js';
import type { ExecContext, SqlResult } from '../../core/sql/engine/types.js';
import { MemoryKv } from './memory-kv.js';

const dir = join(import.meta.dirname, 'conformance');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.sql'))
  .sort();
const rewrite = process.env['REWRITE'] === '1';

/** A piece of a conformance file: text kept as it is, or a statement with its expected output. */
type Piece = { kind: 'text'; lines: string[] } | { kind: 'stmt'; lines: string[]; expected: string[]; line: number };

export function parseConformance(text: string): Piece[] {
  const lines = text.replace(/\n$/, '').split('\n');
  const out: Piece[] = [];
  let k = 0;
  while (k < lines.length) {
    const l = lines[k]!;
    if (l.trim() === '' || l.trimStart().startsWith('--')) {
      out.push({ kind: 'text', lines: [l] });
      k++;
      continue;
    }
    const start = k;
    const stmt: string[] = [];
    while (k < lines.length) {
      const line = lines[k++]!;
      stmt.push(line);
      if (line.trimEnd().endsWith(';')) break;
    }
    if (!stmt[stmt.length - 1]!.trimEnd().endsWith(';')) throw new Error(`line ${start + 1}: statement does not end with ';'`);
    const expected: string[] = [];
    while (k < lines.length && lines[k]!.startsWith('--')) expected.push(lines[k++]!);
    out.push({ kind: 'stmt', lines: stmt, expected, line: start + 1 });
  }
  return out;
}

function cell(v: SqlValue): string {
  switch (v.type) {
    case 'null':
      return 'NULL';
    case 'string':
      return v.value === '' ? "''" : v.value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
    case 'float64':
      return formatFloat(v.value);
    case 'int64':
    case 'oid':
      return String(v.value);
    case 'bool':
      return v.value ? 'true' : 'false';
    default:
      return assertNever(v, 'SQL value');
  }
}

function renderResult(kind: string, r: SqlResult): string[] {
  if (r.kind === 'affected') return kind === 'insert' || kind === 'update' || kind === 'delete' ? [`affected: ${r.affected}`] : ['ok'];
  const table = [r.columns, ...r.rows.map((row) => row.map(cell))];
  const widths = r.columns.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  const lines = table.map((row) =>
    row
      .map((c, i) => c.padEnd(widths[i]!))
      .join(' | ')
      .trimEnd(),
  );
  return r.rows.length === 0 ? [...lines, '(0 rows)'] : lines;
}

function sameStore(a: Map<string, Uint8Array>, b: Map<string, Uint8Array>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || w.length !== v.length || w.some((x, i) => x !== v[i])) return false;
  }
  return true;
}

/** Runs one statement's text; returns its output lines. Anything but a CamusError fails the test. */
function run(sql: string, kv: MemoryKv, exec: ExecContext, where: string): string[] {
  let stmts;
  try {
    // Through the session's cache: its statements are frozen, so an engine that mutated one would fail here.
    stmts = parseCached(sql);
  } catch (e) {
    if (e instanceof CamusError) return [`error ${e.code}`];
    throw e;
  }
  if (stmts.length !== 1) throw new Error(`${where}: expected one statement, got ${stmts.length}`);
  const stmt = stmts[0]!;
  const before = kv.snapshot();
  try {
    return renderResult(stmt.kind, executeStatement(stmt, kv, exec));
  } catch (e) {
    if (!(e instanceof CamusError)) throw new Error(`${where}: ${(e as Error).stack ?? String(e)}`);
    if (!sameStore(before, kv.snapshot())) throw new Error(`${where}: failed with ${e.code} but left writes behind`);
    return [`error ${e.code}`];
  }
}

export function runConformanceFile(path: string): { expected: string; actual: string } {
  const text = readFileSync(path, 'utf8');
  const kv = new MemoryKv();
  let oids = 0;
  const exec: ExecContext = {
    database: 'test',
    params: new Map(),
    newOid: () => (++oids).toString(16).padStart(24, '0'),
  };
  createDatabase(kv, 'test', false);
  const out: string[] = [];
  for (const p of parseConformance(text)) {
    if (p.kind === 'text') {
      out.push(...p.lines);
      continue;
    }
    out.push(...p.lines);
    out.push(...run(p.lines.join('\n'), kv, exec, `${path}:${p.line}`).map((l) => `-- ${l}`.trimEnd()));
  }
  return { expected: text, actual: out.join('\n') + '\n' };
}

describe('SQL conformance', () => {
  for (const f of files) {
    it(f, () => {
      const { expected, actual } = runConformanceFile(join(dir, f));
      if (rewrite) writeFileSync(join(dir, f), actual);
      else expect(actual).toBe(expected);
    });
  }
});
