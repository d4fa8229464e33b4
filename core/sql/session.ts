import { CamusError, ErrorCode } from '../errors.js';
import type { TxnNode, TxnOutcome, TxnView } from '../txn/node.js';
import type { SqlValue } from './encoding.js';
import { executeStatement } from './engine/engine.js';
import type { ExecContext, SqlResult } from './engine/types.js';
import { OidSource } from './keys.js';
import { parseCached } from './parse-cache.js';
import type { Statement } from './parser.js';

/** How a SQL request ended. failed: it did not take effect. timeout: a commit may or may not have happened. */
export type SqlOutcome =
  | { status: 'ok'; result: SqlResult }
  | { status: 'failed'; code: string; message: string }
  | { status: 'timeout' };

/** Conflicts an autocommit statement retries by itself before reporting them (nothing was written). */
const AUTOCOMMIT_ATTEMPTS = 4;

/** One OID source per node, shared by its sessions (a session lives for one request or one transaction). */
const oidSources = new WeakMap<TxnNode, OidSource>();

function oidSourceOf(node: TxnNode): OidSource {
  let s = oidSources.get(node);
  if (s === undefined) oidSources.set(node, (s = new OidSource((n) => node.randomBytes(n))));
  return s;
}

/**
 * One client's SQL session on a node: the current database and, between
 * BEGIN and COMMIT/ROLLBACK, the open transaction.
 *
 * A statement outside an explicit transaction runs in its own and commits at
 * once; when it loses a conflict (CADB0502) or meets a partition without a
 * leader before committing (CADB0504), it is retried from scratch a few times,
 * since nothing of it took effect and no result was shown yet. Inside an
 * explicit transaction, statements run against the transaction's view; a
 * failing statement leaves the transaction open and unchanged (the engine
 * validates before it writes), and a conflict is reported at COMMIT for the
 * client to retry the whole transaction.
 */
export class SqlSession {
  private view: TxnView | null = null;
  /** Requests are served one at a time, in order; this holds the ones waiting. */
  private queue: (() => void)[] = [];
  private busy = false;

  constructor(
    private readonly node: TxnNode,
    public database: string,
  ) {}

  get inTransaction(): boolean {
    return this.view !== null;
  }

  /** Runs every statement of `sql` in order; replies once with the last statement's result or the first failure. */
  execute(sql: string, params: ReadonlyMap<string, SqlValue>, reply: (o: SqlOutcome) => void): void {
    let stmts: readonly Statement[];
    try {
      stmts = parseCached(sql);
    } catch (e) {
      return reply(failure(e));
    }
    if (stmts.length === 0) return reply({ status: 'failed', code: ErrorCode.InvalidInput, message: 'no statement given' });
    this.enqueue((done) => this.runAll(stmts, params, (o) => (done(), reply(o))));
  }

  private enqueue(job: (done: () => void) => void): void {
    const run = () => {
      this.busy = true;
      job(() => {
        this.busy = false;
        const next = this.queue.shift();
        if (next) next();
      });
    };
    if (this.busy) this.queue.push(run);
    else run();
  }

  private runAll(stmts: readonly Statement[], params: ReadonlyMap<string, SqlValue>, reply: (o: SqlOutcome) => void, i = 0, last: SqlOutcome | null = null): void {
    if (i === stmts.length) return reply(last!);
    this.runOne(stmts[i]!, params, (o) => (o.status === 'ok' ? this.runAll(stmts, params, reply, i + 1, o) : reply(o)));
  }

  private runOne(stmt: Statement, params: ReadonlyMap<string, SqlValue>, reply: (o: SqlOutcome) => void): void {
    switch (stmt.kind) {
      case 'begin':
        if (this.view) return reply({ status: 'failed', code: ErrorCode.InvalidInput, message: 'a transaction is already open' });
        return this.node.begin((o) => {
          if (o.status !== 'ok') return reply(o.status === 'failed' ? o : { status: 'failed', code: ErrorCode.TransactionMustRetry, message: 'begin timed out; retry' });
          this.view = o.result;
          reply({ status: 'ok', result: { kind: 'affected', affected: 0 } });
        });
      case 'commit': {
        const view = this.view;
        if (!view) return reply({ status: 'failed', code: ErrorCode.TransactionAlreadyCompleted, message: 'no transaction is open' });
        this.view = null;
        return this.node.commit(view, (o) => reply(commitOutcome(o, { kind: 'affected', affected: 0 })));
      }
      case 'rollback':
        if (!this.view) return reply({ status: 'failed', code: ErrorCode.TransactionAlreadyCompleted, message: 'no transaction is open' });
        this.view.rollback();
        this.view = null;
        return reply({ status: 'ok', result: { kind: 'affected', affected: 0 } });
      default:
        if (this.view) return reply(this.run(stmt, this.view, params));
        return this.autocommit(stmt, params, AUTOCOMMIT_ATTEMPTS, reply);
    }
  }

  private autocommit(stmt: Statement, params: ReadonlyMap<string, SqlValue>, attempts: number, reply: (o: SqlOutcome) => void): void {
    // TxnNode.execute may run the statement twice (see there); executeStatement has no side effect but drawing oids.
    this.node.execute(
      (view) => executeStatement(stmt, view, this.context(params)),
      (o) => {
        if (o.status === 'committed') return reply({ status: 'ok', result: o.value });
        // A commit that timed out may have happened: never retried.
        if (o.status === 'timeout') return reply(o);
        const retryable = o.code === ErrorCode.TransactionConflict || o.code === ErrorCode.TransactionMustRetry;
        if (retryable && attempts > 1) this.autocommit(stmt, params, attempts - 1, reply);
        else reply({ status: 'failed', code: o.code, message: o.message });
      },
    );
  }

  private context(params: ReadonlyMap<string, SqlValue>): ExecContext {
    const oids = oidSourceOf(this.node);
    return { database: this.database, params, newOid: () => oids.next(this.node.nowMs()) };
  }

  /** Runs one statement against a view; expected failures become outcomes, nothing else is caught. */
  private run(stmt: Statement, view: TxnView, params: ReadonlyMap<string, SqlValue>): SqlOutcome {
    try {
      return { status: 'ok', result: executeStatement(stmt, view, this.context(params)) };
    } catch (e) {
      return failure(e);
    }
  }
}

function commitOutcome(o: TxnOutcome<null>, result: SqlResult): SqlOutcome {
  switch (o.status) {
    case 'committed':
      return { status: 'ok', result };
    case 'aborted':
    case 'failed':
      return { status: 'failed', code: o.code, message: o.message };
    case 'timeout':
      return { status: 'timeout' };
  }
}

function failure(e: unknown): SqlOutcome {
  if (e instanceof CamusError) return { status: 'failed', code: e.code, message: e.message };
  throw e;
}
