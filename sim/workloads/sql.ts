import { assertNever } from '../../core/assert.js';
import { int64Value, stringValue, type SqlValue } from '../../core/sql/encoding.js';
import { SqlSession, type SqlOutcome } from '../../core/sql/session.js';
import type { TxnNode } from '../../core/txn/node.js';
import type { MicroOp, Txn } from '../checkers/elle.js';
import type { Rng } from '../rng.js';
import { Clients, type CallStatus, type ClientOptions, type ClientScript, type ClientWorld, type OpSource, type PlannedCall, type WritesSince, writesSince } from './clients.js';

/** What the SQL workload needs from the world: a session-level call to a node. */
export interface SqlClientWorld extends ClientWorld {
  /** Runs `fn` on a node with a fresh session (a connection); the answer comes back after network latency, or never. */
  session<R>(node: number, fn: (s: SqlSession, answer: (r: R) => void) => void, reply: (r: R) => void): void;
}

export interface SqlWorkloadOptions extends ClientOptions {
  keys: number;
  opsMax: number;
  engineers: number;
}

/** One statement of a planned transaction, and what to record of its result. */
type Step = { sql: string; params: [string, SqlValue][] };
type Planned = { f: 'append'; key: number; value: number } | { f: 'r'; key: number };
export type SqlOp = { f: 'list-append'; planned: Planned[] } | { f: 'on-call'; me: string; goOff: boolean } | { f: 'ddl'; sql: string };

/** The SQL workload's replay: client scripts, plus the nodes the schema setup went to, attempt by attempt. */
export type SqlSource = { kind: 'draw' } | { kind: 'replay'; clients: readonly ClientScript<SqlOp>[]; setupNodes: readonly number[] };

const TABLES = 3;
const table = (key: number) => `la${(key % TABLES) + 1}`;

/**
 * Transactions through SQL, in the interactive shape an application uses
 * (BEGIN, statements one request at a time, COMMIT), on any node:
 *
 *  - List-append over three tables (so most transactions span partitions):
 *    key k is row k of table la{k mod 3 + 1}, its list a comma-joined string;
 *    an append is `UPDATE ... SET v = v || @s`, a read a SELECT. The history
 *    goes to the Elle-style checker.
 *  - CamusDB's on-call example: engineers go off call only while another
 *    is on call (read the count, then update their own row). Each alone keeps
 *    someone on call; two at once under snapshot isolation would both leave
 *    (write skew). Every committed count read must be at least one.
 *  - Now and then a DDL on a list-append table (a column added or dropped,
 *    which rewrites every row), autocommit, so statements meet schema
 *    changes: epoch conflicts, and catalogs read from replicas behind the
 *    table's (see core/sql/engine/catalog.ts). Its own outcome is not
 *    checked; the histories around it are.
 */
export class SqlWorkload {
  readonly history: Txn[] = [];
  /** On-call counts read by committed transactions (each must be >= 1). */
  readonly onCallReads: { txn: number; count: number }[] = [];
  private nextValue = new Map<number, number>();
  private ready = false;
  private readonly clients: Clients<SqlOp, SqlValue[][][]>;
  /** The node of each setup attempt, in order (recorded; taken from the source in replay). */
  readonly setupNodes: number[] = [];
  /** The nodes the current round of drawn setup attempts has yet to try (see setupNode). */
  private setupRound: number[] = [];
  private counted = { ok: 0, failed: 0, indeterminate: 0 };
  private writes: { status: CallStatus; invokeMs: number; completeMs: number }[] = [];

  constructor(
    private readonly world: SqlClientWorld,
    private readonly rng: Rng,
    private readonly opts: SqlWorkloadOptions,
    private readonly source: SqlSource = { kind: 'draw' },
  ) {
    const ops: OpSource<SqlOp> = source.kind === 'draw' ? source : { kind: 'replay', clients: source.clients };
    this.clients = new Clients(world, rng, opts, ops, () => this.draw(), (client, op, nowMs) => this.call(client, op, nowMs));
  }

  recorded(): ClientScript<SqlOp>[] {
    return this.clients.recorded();
  }

  /** The next operation; the order of draws is part of every seed's trace hash. */
  private draw(): SqlOp {
    if (this.rng.chance(0.03)) {
      const t = `la${this.rng.int(1, TABLES)}`;
      return { f: 'ddl', sql: this.rng.chance(0.5) ? `ALTER TABLE ${t} ADD COLUMN extra INT64` : `ALTER TABLE ${t} DROP COLUMN extra` };
    }
    if (!this.rng.chance(0.25)) return { f: 'list-append', planned: this.plan() };
    const me = `e${this.rng.int(1, this.opts.engineers)}`;
    return { f: 'on-call', me, goOff: this.rng.chance(0.6) };
  }

  /**
   * The node for the next setup attempt. Drawn, the attempts go round the
   * nodes in a shuffled order, each node once a round, as a client with a
   * list of nodes would: a node that fail-stopped answers nothing, and with
   * independent draws attempts kept landing on such nodes (5-node sql seed
   * 20062: with two of five gone for good, five attempts in a row went to
   * them, a second each, and the schema was ready too late for any write
   * after the heal).
   */
  private setupNode(): number {
    let node: number;
    if (this.source.kind === 'draw') {
      if (this.setupRound.length === 0) this.setupRound = this.rng.shuffle([...this.world.nodes]);
      node = this.setupRound.pop()!;
    } else node = this.source.setupNodes[this.setupNodes.length] ?? this.world.nodes[0]!;
    this.setupNodes.push(node);
    return node;
  }

  /** Creates the schema and rows (retrying until the cluster serves it), then starts the clients. */
  start(): void {
    const ddl = [
      'CREATE DATABASE IF NOT EXISTS sim',
      ...Array.from({ length: TABLES }, (_, i) => `CREATE TABLE IF NOT EXISTS la${i + 1} (k INT64 PRIMARY KEY, v STRING NOT NULL)`),
      'CREATE TABLE IF NOT EXISTS oncall (name STRING PRIMARY KEY, on_call BOOL NOT NULL)',
    ];
    const rows = [
      ...Array.from({ length: this.opts.keys }, (_, i) => `INSERT INTO ${table(i + 1)} (k, v) VALUES (${i + 1}, "")`),
      `INSERT INTO oncall (name, on_call) VALUES ${Array.from({ length: this.opts.engineers }, (_, i) => `("e${i + 1}", true)`).join(', ')}`,
    ];
    const steps: Step[] = [...ddl, ...rows].map((sql) => ({ sql, params: [] }));
    // One chain of attempts: each attempt ends once, by its answer or by its
    // timeout (a lost call; the setup statements are idempotent except the
    // inserts, which then fail with CADB0300), and only the newest attempt
    // may start the next. (Letting both a failure and the timeout retry
    // doubled the attempts every timeout while the cluster had no leader,
    // and the flood of proposals kept a partition's log full: seed 33.)
    let newest = 0;
    const attempt = () => {
      const id = ++newest;
      let ended = false;
      const end = (ok: boolean, retryMs: number) => {
        if (ok) this.begin();
        if (ended) return;
        ended = true;
        if (!ok && !this.ready && id === newest) this.world.at(this.world.now() + retryMs, attempt);
      };
      this.world.session<boolean>(this.setupNode(), (s, answer) => setUp(s, steps, answer), (ok) => end(ok, 100));
      // Not a client's full timeout: the node picked may be down for good (a
      // fail-stopped replica answers nothing), and one attempt per timeout
      // would leave no time for the clients (seed 91). A slow attempt that
      // succeeds later still starts the clients.
      this.world.at(this.world.now() + Math.min(this.opts.timeoutMs, SETUP_ATTEMPT_MS), () => end(false, 0));
    };
    this.world.at(0, attempt);
  }

  private begin(): void {
    if (this.ready) return;
    this.ready = true;
    this.clients.start();
  }

  private call(client: number, op: SqlOp, nowMs: number): PlannedCall<SqlValue[][][]> {
    switch (op.f) {
      case 'list-append':
        return this.listAppend(client, op.planned, nowMs);
      case 'on-call':
        return this.onCall(op, nowMs);
      case 'ddl':
        return this.ddl(op.sql);
      default:
        return assertNever(op, 'SQL operation');
    }
  }

  /** One autocommit DDL statement; a refusal (the column exists, or does not) is a failed call like any other. */
  private ddl(sql: string): PlannedCall<SqlValue[][][]> {
    return {
      send: (node, answer) =>
        this.world.session<CallStatus>(
          node,
          (s, reply) => s.execute(sql, new Map(), (o) => reply(o.status === 'ok' ? 'ok' : o.status === 'timeout' ? 'indeterminate' : 'failed')),
          (status) => answer(status),
        ),
      done: (status) => {
        this.counted[status]++;
      },
    };
  }

  private plan(): Planned[] {
    const n = this.rng.int(1, this.opts.opsMax);
    return Array.from({ length: n }, (): Planned => {
      const key = this.rng.int(1, this.opts.keys);
      if (this.rng.chance(0.5)) return { f: 'r', key };
      const value = (this.nextValue.get(key) ?? 0) + 1;
      this.nextValue.set(key, value);
      return { f: 'append', key, value };
    });
  }

  private listAppend(client: number, planned: Planned[], invokeMs: number): PlannedCall<SqlValue[][][]> {
    const txn: Txn = { id: this.history.length + 1, process: client, invokeMs, completeMs: invokeMs, status: 'info', ops: planned.map((p): MicroOp => (p.f === 'r' ? { f: 'r', key: `x${p.key}`, value: null } : { f: 'append', key: `x${p.key}`, value: p.value })) };
    this.history.push(txn);
    const steps: Step[] = planned.map((p) =>
      p.f === 'r'
        ? { sql: `SELECT v FROM ${table(p.key)} WHERE k = @k`, params: [['k', int64Value(p.key)]] }
        : { sql: `UPDATE ${table(p.key)} SET v = v || @s WHERE k = @k`, params: [['k', int64Value(p.key)], ['s', stringValue(`,${p.value}`)]] },
    );
    return this.transaction(steps, (status, completeMs, results) => {
      txn.status = status === 'ok' ? 'ok' : status === 'failed' ? 'fail' : 'info';
      txn.completeMs = completeMs;
      if (planned.some((p) => p.f === 'append')) this.writes.push({ status, invokeMs, completeMs });
      if (status === 'ok' && results) {
        txn.ops = planned.map((p, i): MicroOp => {
          if (p.f !== 'r') return { f: 'append', key: `x${p.key}`, value: p.value };
          const v = results[i]?.[0]?.[0];
          return { f: 'r', key: `x${p.key}`, value: v?.type === 'string' ? decodeList(v.value) : null };
        });
      }
    });
  }

  private onCall({ me, goOff }: { me: string; goOff: boolean }, invokeMs: number): PlannedCall<SqlValue[][][]> {
    const id = -(this.onCallReads.length + this.writes.length + 1);
    // The decision depends on the count, so the update is conditional in SQL:
    // it changes the row only while at least two engineers are on call.
    const steps: Step[] = [
      { sql: 'SELECT COUNT(*) FROM oncall WHERE on_call = true', params: [] },
      goOff
        ? { sql: 'UPDATE oncall SET on_call = false WHERE name = @me AND (SELECT COUNT(*) FROM oncall WHERE on_call = true) >= 2', params: [['me', stringValue(me)]] }
        : { sql: 'UPDATE oncall SET on_call = true WHERE name = @me', params: [['me', stringValue(me)]] },
      { sql: 'SELECT COUNT(*) FROM oncall WHERE on_call = true', params: [] },
    ];
    return this.transaction(steps, (status, completeMs, results) => {
      this.writes.push({ status, invokeMs, completeMs });
      if (status !== 'ok' || !results) return;
      for (const k of [0, 2]) {
        const v = results[k]?.[0]?.[0];
        this.onCallReads.push({ txn: id, count: v?.type === 'int64' ? Number(v.value) : -1 });
      }
    });
  }

  /** BEGIN, the steps one request at a time, COMMIT; ok only if COMMIT succeeded. */
  private transaction(steps: Step[], done: (status: CallStatus, completeMs: number, results?: SqlValue[][][]) => void): PlannedCall<SqlValue[][][]> {
    return {
      send: (node, answer) =>
        this.world.session<{ status: CallStatus; results?: SqlValue[][][] }>(
          node,
          (s, reply) => {
            const results: SqlValue[][][] = [];
            const all: Step[] = [{ sql: 'BEGIN', params: [] }, ...steps, { sql: 'COMMIT', params: [] }];
            runSteps(
              s,
              all,
              (o) => reply(o.status === 'ok' ? { status: 'ok', results: results.slice(1, 1 + steps.length) } : { status: o.status === 'timeout' ? 'indeterminate' : 'failed' }),
              (o) => results.push(o.status === 'ok' && o.result.kind === 'rows' ? o.result.rows : []),
            );
          },
          (r) => answer(r.status, r.results),
        ),
      done: (status, completeMs, results) => {
        this.counted[status]++;
        done(status, completeMs, results);
      },
    };
  }

  counts(): { ok: number; failed: number; indeterminate: number } {
    return { ...this.counted };
  }

  /** The writing transactions invoked at or after `t`. */
  writesAfter(t: number): WritesSince {
    return writesSince(this.writes, t, 'indeterminate');
  }
}

/** How long one setup attempt may take before the next one starts. */
const SETUP_ATTEMPT_MS = 1_000;

/** Runs the setup statements in order; a row inserted by an earlier attempt (CADB0300) is fine. */
function setUp(s: SqlSession, steps: Step[], done: (ok: boolean) => void, i = 0): void {
  if (i === steps.length) return done(true);
  s.execute(steps[i]!.sql, new Map(), (o) => {
    if (o.status === 'ok' || (o.status === 'failed' && o.code === 'CADB0300')) setUp(s, steps, done, i + 1);
    else done(false);
  });
}

/** Runs statements in order on one session; stops at the first that does not succeed. */
function runSteps(s: SqlSession, steps: Step[], done: (o: SqlOutcome) => void, each: (o: SqlOutcome) => void = () => {}, i = 0): void {
  const step = steps[i]!;
  s.execute(step.sql, new Map(step.params), (o) => {
    each(o);
    if (o.status !== 'ok' || i + 1 === steps.length) return done(o);
    runSteps(s, steps, done, each, i + 1);
  });
}

function decodeList(s: string): number[] {
  return s.split(',').filter((x) => x !== '').map(Number);
}

/** Sessions for the sim: a fresh SqlSession per call, on database "sim". */
export function sqlSession(node: TxnNode): SqlSession {
  return new SqlSession(node, 'sim');
}
