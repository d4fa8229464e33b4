import { describe, expect, it } from 'vitest';
import { txnCluster } from '../txn/sim-cluster.js';
import { stringValue } from '../../core/sql/encoding.js';
import { SqlSession, type SqlOutcome } from '../../core/sql/session.js';
import { TxnNode } from '../../core/txn/node.js';
import { World } from '../../sim/world.js';

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
