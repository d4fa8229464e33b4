import { describe, expect, it } from 'vitest';
import { parseCached } from '../../core/sql/parse-cache.js';
import { createDatabase, getTable, loadCatalog } from '../../core/sql/engine/catalog.js';
import { executeStatement } from '../../core/sql/engine/engine.js';
import { planReuse } from '../../core/sql/engine/select.js';
import type { ExecContext, QueryResult } from '../../core/sql/engine/types.js';
import { tableEpochKey } from '../../core/sql/keys.js';
import type { SqlValue } from '../../core/sql/encoding.js';
import { MemoryKv } from './memory-kv.js';

// A top-level SELECT's plan is kept across executions (select.ts). It must be
// reused only while it is still right: the same schema objects and the same
// LIMIT/OFFSET, and a reused plan must record the same dependencies (the
// table epoch reads that make a concurrent DDL conflict) as planning would.

/** MemoryKv that remembers every key read with get(). */
class ReadLogKv extends MemoryKv {
  reads: string[] = [];
  override get(key: string): Uint8Array | null {
    this.reads.push(key);
    return super.get(key);
  }
}

function setup() {
  const kv = new ReadLogKv();
  let oids = 0;
  const params = new Map<string, SqlValue>();
  const exec: ExecContext = { database: 'd', params, newOid: () => (++oids).toString(16).padStart(24, '0') };
  const run = (sql: string, p: Record<string, SqlValue> = {}) => {
    params.clear();
    for (const [k, v] of Object.entries(p)) params.set(k.slice(1), v);
    let last = null;
    // parseCached hands out the same statement node for the same text, as the server's sessions do.
    for (const s of parseCached(sql)) last = executeStatement(s, kv, exec);
    return last as QueryResult;
  };
  createDatabase(kv, 'd', false);
  run('CREATE TABLE t (k INT64 PRIMARY KEY, v STRING)');
  for (let i = 1; i <= 5; i++) run('INSERT INTO t (k, v) VALUES (@k, @v)', { '@k': { type: 'int64', value: BigInt(i) }, '@v': { type: 'string', value: `v${i}` } });
  return { kv, run };
}

const int = (n: number): SqlValue => ({ type: 'int64', value: BigInt(n) });
const rows = (r: QueryResult) => (r.kind === 'rows' ? r.rows.map((row) => row.map((v) => ('value' in v ? String(v.value) : null))) : null);

describe('plans kept across executions', () => {
  it('a repeated point query plans once and answers for each parameter value', () => {
    const { run } = setup();
    const q = 'SELECT v FROM t WHERE k = @k';
    const before = { ...planReuse };
    for (let i = 1; i <= 5; i++) expect(rows(run(q, { '@k': int(i) }))).toEqual([[`v${i}`]]);
    expect(planReuse.misses - before.misses).toBe(1);
    expect(planReuse.hits - before.hits).toBe(4);
  });

  it('a reused plan still records its table as read (its epoch key), so a concurrent DDL conflicts with it', () => {
    const { kv, run } = setup();
    const epoch = tableEpochKey(getTable(loadCatalog(kv, 'd'), 't').id);
    const q = 'SELECT v FROM t WHERE k = 1';
    run(q);
    const hits = planReuse.hits;
    kv.reads = [];
    run(q);
    expect(planReuse.hits).toBe(hits + 1);
    expect(kv.reads).toContain(epoch);
  });

  it('LIMIT and OFFSET parameters are part of the plan: a new value plans again', () => {
    const { run } = setup();
    const q = 'SELECT k FROM t ORDER BY k LIMIT @n OFFSET @o';
    expect(rows(run(q, { '@n': int(2), '@o': int(0) }))).toEqual([['1'], ['2']]);
    expect(rows(run(q, { '@n': int(3), '@o': int(1) }))).toEqual([['2'], ['3'], ['4']]);
    expect(rows(run(q, { '@n': int(2), '@o': int(0) }))).toEqual([['1'], ['2']]);
  });

  it('a schema change is seen at once: added and dropped columns, a new index, a table dropped and created again', () => {
    const { run } = setup();
    const star = 'SELECT * FROM t WHERE k = 1';
    expect(run(star).kind === 'rows' && run(star).columns).toEqual(['k', 'v']);
    run('ALTER TABLE t ADD COLUMN w INT64');
    const after = run(star);
    expect(after.kind === 'rows' && after.columns).toEqual(['k', 'v', 'w']);
    run('ALTER TABLE t DROP COLUMN v');
    const dropped = run(star);
    expect(dropped.kind === 'rows' && dropped.columns).toEqual(['k', 'w']);
    run('CREATE INDEX tw ON t (w)');
    run('UPDATE t SET w = 7 WHERE k = 3');
    expect(rows(run('SELECT k FROM t WHERE w = 7'))).toEqual([['3']]);
    run('DROP TABLE t');
    run('CREATE TABLE t (k INT64 PRIMARY KEY, x STRING)');
    const fresh = run(star);
    expect(fresh.kind === 'rows' && fresh.columns).toEqual(['k', 'x']);
    expect(rows(fresh)).toEqual([]);
    expect(() => run('SELECT * FROM gone')).toThrow(/does not exist/);
  });
});
