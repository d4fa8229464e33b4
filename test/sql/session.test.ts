import { describe, expect, it } from 'vitest';
import { txnCluster } from '../txn/sim-cluster.js';
import { stringValue } from '../../core/sql/encoding.js';
import { SqlSession, type SqlOutcome } from '../../core/sql/session.js';
import { TxnNode } from '../../core/txn/node.js';
import { World } from '../../sim/world.js';
import { partitionOf } from '../../core/cluster/partitions.js';
import { schemaKey } from '../../core/sql/keys.js';

// SQL sessions on a simulated three-node, three-partition cluster.

function cluster(seed: string): World<TxnNode> {
  return txnCluster(seed, 3, 3_000);
}

/** Runs one statement on a session and the world until it answers. */
function exec(world: World<TxnNode>, s: SqlSession, sql: string, params: [string, string][] = []): SqlOutcome {
  let out: SqlOutcome | null = null;
  world.at(world.now, () => s.execute(sql, new Map(params.map(([k, v]) => [k, stringValue(v)])), (o) => (out = o)));
  const deadline = world.now + 2_000;
  while (out === null && world.now < deadline) world.runUntil(world.now + 10);
  expect(out, `no answer to ${sql}`).not.toBeNull();
  return out!;
}

function rows(o: SqlOutcome): unknown[][] {
  expect(o.status).toBe('ok');
  if (o.status !== 'ok' || o.result.kind !== 'rows') return [];
  return o.result.rows.map((r) => r.map((v) => (v.type === 'null' ? null : v.type === 'int64' ? Number(v.value) : v.value)));
}

describe('SQL sessions on a cluster', () => {
  it('DDL on one node is seen by the others; writes through one, reads through another', () => {
    const world = cluster('sql/ddl');
    const [a, b, c] = world.slots.map((s) => new SqlSession(s.node!, 'shop'));
    expect(exec(world, a!, 'CREATE DATABASE shop').status).toBe('ok');
    expect(exec(world, a!, 'CREATE TABLE items (id INT64 PRIMARY KEY, name STRING NOT NULL)').status).toBe('ok');
    expect(exec(world, b!, 'INSERT INTO items (id, name) VALUES (1, "pen"), (2, "ink")')).toEqual({ status: 'ok', result: { kind: 'affected', affected: 2 } });
    expect(rows(exec(world, c!, 'SELECT id, name FROM items ORDER BY id'))).toEqual([
      [1, 'pen'],
      [2, 'ink'],
    ]);
    expect(exec(world, c!, 'SELECT * FROM nowhere')).toMatchObject({ status: 'failed', code: 'CADB0011' });
  });

  it("CamusDB's on-call example: two engineers going off call at once cannot both commit", () => {
    const world = cluster('sql/oncall');
    const setup = new SqlSession(world.slots[0]!.node!, 'hospital');
    exec(world, setup, 'CREATE DATABASE hospital');
    exec(world, setup, 'CREATE TABLE doctors (name STRING PRIMARY KEY, on_call BOOL NOT NULL)');
    exec(world, setup, 'INSERT INTO doctors (name, on_call) VALUES ("alice", true), ("bob", true)');
    // Each runs on its own node: both see two on call, both take themselves off, both try to commit.
    const alice = new SqlSession(world.slots[1]!.node!, 'hospital');
    const bob = new SqlSession(world.slots[2]!.node!, 'hospital');
    for (const s of [alice, bob]) exec(world, s, 'BEGIN');
    for (const s of [alice, bob]) expect(rows(exec(world, s, 'SELECT COUNT(*) FROM doctors WHERE on_call = true'))).toEqual([[2]]);
    exec(world, alice, 'UPDATE doctors SET on_call = false WHERE name = @me', [['me', 'alice']]);
    exec(world, bob, 'UPDATE doctors SET on_call = false WHERE name = @me', [['me', 'bob']]);
    const commits = [exec(world, alice, 'COMMIT'), exec(world, bob, 'COMMIT')];
    expect(commits.filter((o) => o.status === 'ok')).toHaveLength(1);
    expect(commits.find((o) => o.status !== 'ok')).toMatchObject({ status: 'failed', code: 'CADB0502' });
    expect(rows(exec(world, setup, 'SELECT COUNT(*) FROM doctors WHERE on_call = true'))).toEqual([[1]]);
  });

  it('a transaction that used a table conflicts with a DDL on it that committed meanwhile; one that missed a table conflicts with its creation', () => {
    const world = cluster('sql/ddl-conflict');
    const admin = new SqlSession(world.slots[0]!.node!, 'd');
    exec(world, admin, 'CREATE DATABASE d');
    exec(world, admin, 'CREATE TABLE t (k INT64 PRIMARY KEY, v STRING)');
    const user = new SqlSession(world.slots[1]!.node!, 'd');
    exec(world, user, 'BEGIN');
    expect(exec(world, user, 'INSERT INTO t (k, v) VALUES (1, "a")').status).toBe('ok');
    // The catalog was peeked, not read as data: only the table's epoch ties the two together.
    expect(exec(world, admin, 'ALTER TABLE t DROP COLUMN v').status).toBe('ok');
    expect(exec(world, user, 'COMMIT')).toMatchObject({ status: 'failed', code: 'CADB0502' });
    expect(rows(exec(world, admin, 'SELECT COUNT(*) FROM t'))).toEqual([[0]]);

    exec(world, user, 'BEGIN');
    expect(exec(world, user, 'SELECT * FROM later')).toMatchObject({ status: 'failed', code: 'CADB0011' });
    exec(world, user, 'INSERT INTO t (k) VALUES (2)');
    expect(exec(world, admin, 'CREATE TABLE later (k INT64 PRIMARY KEY)').status).toBe('ok');
    expect(exec(world, user, 'COMMIT')).toMatchObject({ status: 'failed', code: 'CADB0502' });

    // Without a DDL in between, the same kind of transaction commits.
    exec(world, user, 'BEGIN');
    exec(world, user, 'INSERT INTO t (k) VALUES (3)');
    expect(exec(world, user, 'COMMIT').status).toBe('ok');
  });

  it('a single-row INSERT into a table with indexes is one Raft entry in one partition', () => {
    const world = cluster('sql/one-entry');
    const s = new SqlSession(world.slots[0]!.node!, 'd');
    exec(world, s, 'CREATE DATABASE d');
    exec(world, s, 'CREATE TABLE t (k INT64 PRIMARY KEY, v STRING, w INT64)');
    exec(world, s, 'CREATE UNIQUE INDEX by_v ON t (v)');
    exec(world, s, 'CREATE INDEX by_w ON t (w)');
    const leader = (g: number) => world.slots.find((sl) => sl.node!.groups[g]!.raft.role === 'leader')!.node!.groups[g]!.raft;
    const before = [0, 1, 2].map((g) => leader(g).log.lastIndex());
    for (let i = 0; i < 10; i++) expect(exec(world, s, `INSERT INTO t (k, v, w) VALUES (${i}, "v${i}", ${i % 3})`).status).toBe('ok');
    const grown = [0, 1, 2].map((g) => leader(g).log.lastIndex() - before[g]!);
    // Garbage collection may add an entry of its own here and there; the inserts add one each, all in one partition.
    expect(grown.filter((n) => n >= 10)).toHaveLength(1);
    expect(grown.reduce((a, b) => a + b, 0)).toBeLessThan(14);
  });

  it('a read-only statement confirms only the partition it read; the catalog it peeked is checked against the table epoch instead', () => {
    const world = cluster('sql/confirm-reads');
    // A database whose catalog lives in another partition than its first table.
    const db = ['d', 'e', 'f', 'g', 'h'].find((n) => partitionOf(schemaKey(n), 3) !== partitionOf(`${n}.t1:r`, 3))!;
    const s = new SqlSession(world.slots[1]!.node!, db);
    exec(world, s, `CREATE DATABASE ${db}`);
    exec(world, s, 'CREATE TABLE t (k INT64 PRIMARY KEY, v STRING)');
    exec(world, s, 'INSERT INTO t (k, v) VALUES (1, "a")');
    const node = world.slots[1]!.node!;
    const asked = new Set<number>();
    node.groups.forEach((r, g) => {
      const read = r.read.bind(r);
      r.read = ((...args: Parameters<typeof read>) => {
        asked.add(g);
        read(...args);
      }) as typeof r.read;
    });
    expect(rows(exec(world, s, 'SELECT v FROM t WHERE k = 1'))).toEqual([['a']]);
    expect([...asked]).toEqual([partitionOf(`${db}.t1:r`, 3)]);
  });

  it('ROLLBACK discards; a failing statement inside a transaction leaves it open and unchanged', () => {
    const world = cluster('sql/rollback');
    const s = new SqlSession(world.slots[0]!.node!, 'd');
    exec(world, s, 'CREATE DATABASE d');
    exec(world, s, 'CREATE TABLE t (k INT64 PRIMARY KEY, v STRING)');
    exec(world, s, 'BEGIN');
    exec(world, s, 'INSERT INTO t (k, v) VALUES (1, "a")');
    expect(exec(world, s, 'INSERT INTO t (k, v) VALUES (2, "b"), (1, "dup")')).toMatchObject({ status: 'failed', code: 'CADB0300' });
    expect(s.inTransaction).toBe(true);
    expect(rows(exec(world, s, 'SELECT k FROM t ORDER BY k'))).toEqual([[1]]);
    exec(world, s, 'ROLLBACK');
    expect(rows(exec(world, s, 'SELECT k FROM t'))).toEqual([]);
    expect(exec(world, s, 'COMMIT')).toMatchObject({ status: 'failed', code: 'CADB0501' });
  });
});
