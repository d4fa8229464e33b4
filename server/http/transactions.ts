// Explicit transactions over HTTP. /start-transaction opens a SqlSession in a
// transaction and names it by a fresh HLC timestamp of this node: txnIdPT (its
// physical part, ms) and txnIdCounter (its logical counter). Requests carrying
// the pair run in that session (one at a time, in arrival order, as the
// session queues them); /commit-transaction and /rollback-transaction end it.
// A transaction idle for idleMs is rolled back and forgotten. The map lives in
// this process: a transaction belongs to the node that started it.

import { CamusError, camusError, type CamusErrorCode } from '../../core/errors.js';
import { SqlSession, type SqlOutcome } from '../../core/sql/session.js';
import type { SqlValue } from '../../core/sql/encoding.js';
import type { TxnNode } from '../../core/txn/node.js';
import type { Logger } from '../log.js';

export interface TxnId {
  pt: bigint;
  counter: bigint;
}

interface OpenTxn {
  session: SqlSession;
  database: string;
  lastUsedMs: number;
  /** Requests running in it now; an active transaction is never expired. */
  active: number;
}

const EMPTY = new Map<string, SqlValue>();

export function runSession(session: SqlSession, sql: string, params: ReadonlyMap<string, SqlValue> = EMPTY): Promise<SqlOutcome> {
  return new Promise((resolve) => session.execute(sql, params, resolve));
}

/** A failed or unknown outcome as the CamusError the HTTP layer reports. */
export function outcomeError(o: Exclude<SqlOutcome, { status: 'ok' }>): Error {
  if (o.status === 'timeout') return camusError('TransactionMustRetry', 'the request timed out: its outcome is unknown (it may or may not have committed); check before retrying');
  return new CamusError(o.code as CamusErrorCode, o.message);
}

export class TransactionRegistry {
  private readonly open = new Map<string, OpenTxn>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly node: TxnNode,
    private readonly log: Logger,
    readonly idleMs = 60_000,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(100, Math.min(5_000, idleMs / 4)));
    this.sweeper.unref();
  }

  get size(): number {
    return this.open.size;
  }

  private static key(id: TxnId): string {
    return `${id.pt}.${id.counter}`;
  }

  /** Opens a transaction on `database` (which must exist). */
  async start(database: string): Promise<TxnId> {
    const session = new SqlSession(this.node, database);
    const begun = await runSession(session, 'BEGIN');
    if (begun.status !== 'ok') throw outcomeError(begun);
    // Inside the transaction, so the check reads the same snapshot its statements will.
    const exists = await runSession(session, 'SHOW DATABASE');
    if (exists.status !== 'ok') {
      await runSession(session, 'ROLLBACK');
      throw outcomeError(exists);
    }
    const ts = this.node.hlc.now();
    const id = { pt: BigInt(ts.wall), counter: BigInt(ts.logical) };
    this.open.set(TransactionRegistry.key(id), { session, database, lastUsedMs: Date.now(), active: 0 });
    return id;
  }

  private lookup(id: TxnId, database: string): OpenTxn {
    const t = this.open.get(TransactionRegistry.key(id));
    if (!t) throw camusError('TransactionAlreadyCompleted', `transaction ${id.pt}/${id.counter} is not open on this node (unknown, already finished, or rolled back after ${Math.round(this.idleMs / 1000)} s idle)`);
    if (t.database !== database) throw camusError('InvalidInput', `transaction ${id.pt}/${id.counter} belongs to database "${t.database}", not "${database}"`);
    return t;
  }

  /** Runs SQL inside an open transaction. A statement that ends it (COMMIT/ROLLBACK) also forgets it. */
  async run(id: TxnId, database: string, sql: string, params: ReadonlyMap<string, SqlValue>): Promise<SqlOutcome> {
    const t = this.lookup(id, database);
    t.active++;
    t.lastUsedMs = Date.now();
    try {
      return await runSession(t.session, sql, params);
    } finally {
      t.active--;
      t.lastUsedMs = Date.now();
      if (!t.session.inTransaction) this.open.delete(TransactionRegistry.key(id));
    }
  }

  /** COMMIT or ROLLBACK; the transaction is forgotten first, so nothing can run in it afterwards. */
  async finish(id: TxnId, database: string, how: 'COMMIT' | 'ROLLBACK'): Promise<SqlOutcome> {
    const t = this.lookup(id, database);
    this.open.delete(TransactionRegistry.key(id));
    return runSession(t.session, how);
  }

  /** Rolls back transactions idle for idleMs. */
  sweep(now = Date.now()): void {
    for (const [k, t] of this.open) {
      if (t.active > 0 || now - t.lastUsedMs < this.idleMs) continue;
      this.open.delete(k);
      this.log.info({ txn: k, database: t.database }, 'transaction idle too long; rolled back');
      t.session.execute('ROLLBACK', EMPTY, () => {});
    }
  }

  /** Rolls back everything (shutdown). */
  close(): void {
    clearInterval(this.sweeper);
    for (const t of this.open.values()) t.session.execute('ROLLBACK', EMPTY, () => {});
    this.open.clear();
  }
}
