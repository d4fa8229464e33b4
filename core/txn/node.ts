import { ErrorCode } from '../errors.js';
import { ClockOffsetError, Hlc, tsMax, type Timestamp } from '../hlc.js';
import type { Io } from '../io.js';
import type { MvccStore } from '../mvcc/store.js';
import type { CommitResult, PointRead, Value, Write } from '../mvcc/types.js';
import { Replica, type NodeMessage, type Outcome, type ReplicaObserver, type ReplicaOptions } from '../cluster/replica.js';
import { ReplicaNode } from '../cluster/replica-node.js';
import { encodePartitionCommand } from './commands.js';
import { PartitionStateMachine } from './partition.js';

/**
 * What a transaction program sees: the store at its snapshot, plus its own
 * writes. Every read is recorded (with the version it saw) for validation.
 */
export class TxnView {
  readonly reads = new Map<string, PointRead>();
  readonly writes = new Map<string, Value>();

  constructor(
    private readonly store: MvccStore,
    readonly snapshotTs: Timestamp,
  ) {}

  get(key: string): Value {
    if (this.writes.has(key)) return this.writes.get(key)!;
    const r = this.store.get(key, this.snapshotTs);
    if (!this.reads.has(key)) this.reads.set(key, { key, versionTs: r.versionTs });
    return r.value;
  }

  put(key: string, value: Value): void {
    this.writes.set(key, value);
  }
}

/**
 * committed: the transaction's writes are durable at commitTs. aborted: it
 * conflicted and changed nothing (retryable, CADB0502). failed: it did not and
 * will not commit. timeout: the commit may or may not have happened.
 */
export type TxnOutcome<T> =
  | { status: 'committed'; commitTs: Timestamp; value: T }
  | { status: 'aborted'; code: string; message: string }
  | { status: 'failed'; code: string; message: string }
  | { status: 'timeout' };

export interface TxnNodeOptions extends ReplicaOptions {
  /** How often the leader proposes garbage collection, and how much history (local ms) it keeps. */
  gcIntervalMs?: number;
  gcWindowMs?: number;
  /** Builds the partition state machine; tests pass one with a deliberately broken rule. */
  makeStateMachine?: () => PartitionStateMachine;
}

/**
 * A node of the transactional store, for now with a single partition: one
 * replica of its Raft group, and a coordinator that runs transactions against
 * it. A transaction reads at a snapshot taken from the node's hybrid logical
 * clock (one ReadIndex confirms the replica is current), buffers its writes,
 * and commits with one proposal that every replica validates and applies in
 * log order. Read-only transactions are validated too: without it, a commit
 * landing below their snapshot after they read would go unnoticed.
 */
export class TxnNode extends ReplicaNode<PartitionStateMachine> {
  protected readonly replica: Replica<PartitionStateMachine>;
  private readonly hlc: Hlc;
  private txnCounter = 0;
  private readonly txnIdPrefix: string;
  private stopGc: () => void = () => {};

  constructor(
    private readonly io: Io<NodeMessage>,
    private readonly opts: TxnNodeOptions,
    observer: ReplicaObserver = {},
  ) {
    super();
    this.replica = new Replica(io, opts, opts.makeStateMachine?.() ?? new PartitionStateMachine(), observer);
    // Safety never rests on clocks here (no leases), so a generous offset bound
    // only stops a wildly wrong clock from dragging the cluster's time along.
    this.hlc = new Hlc(io.clock, 60_000);
    // A transaction id must never repeat, even across restarts of this node: a
    // random incarnation tag (from the injected randomness) keeps them apart.
    this.txnIdPrefix = `${opts.id}.${io.random.int(0, 0x7fffffff).toString(36)}${io.random.int(0, 0x7fffffff).toString(36)}`;
  }

  override start(): void {
    super.start();
    this.scheduleGc();
  }

  override stop(): void {
    this.stopGc();
    super.stop();
  }

  /**
   * Old versions are dropped through the log, so every replica drops the same
   * ones. The leader proposes it; the window is far longer than a transaction
   * lives (a snapshot below the floor is refused and the transaction retried).
   */
  private scheduleGc(): void {
    const interval = this.opts.gcIntervalMs ?? 2_000;
    this.stopGc = this.io.timer.after(interval, () => {
      if (this.raft.role === 'leader') {
        const now = this.hlc.now();
        const belowTs = { wall: Math.max(0, now.wall - (this.opts.gcWindowMs ?? 10_000)), logical: 0 };
        const id = `${this.txnIdPrefix}.gc${++this.txnCounter}`;
        this.replica.propose(id, encodePartitionCommand({ type: 'gc', id, belowTs }), () => {});
      }
      this.scheduleGc();
    });
  }

  /**
   * Runs `program` as one serializable transaction and calls `reply` once
   * (or never, if the node crashes). The program must be deterministic and
   * synchronous; it runs once, against the snapshot.
   */
  execute<T>(program: (tx: TxnView) => T, reply: (o: TxnOutcome<T>) => void): void {
    const txnId = `${this.txnIdPrefix}.${++this.txnCounter}`;
    this.replica.read(
      (sm) => {
        // The snapshot is taken once the replica is current (ReadIndex), at or
        // above every commit it has applied: a transaction sees everything
        // committed before it began, whatever this node's clock says.
        const snapshotTs = tsMax(this.hlc.now(), sm.maxCommitTs);
        this.observe(snapshotTs);
        const view = new TxnView(sm.store, snapshotTs);
        return { view, value: program(view) };
      },
      (o) => {
        // Nothing was proposed yet, so a read phase that fails or times out cannot have committed.
        if (o.status !== 'ok') {
          return reply({ status: 'failed', code: o.status === 'failed' ? o.code : ErrorCode.TransactionMustRetry, message: o.status === 'failed' ? o.message : 'read timed out; nothing was committed' });
        }
        this.commit(txnId, o.result.view, o.result.value, reply);
      },
    );
  }

  private commit<T>(txnId: string, view: TxnView, value: T, reply: (o: TxnOutcome<T>) => void): void {
    const writes: Write[] = [...view.writes].map(([key, v]) => ({ key, value: v }));
    const command = encodePartitionCommand({
      type: 'commit',
      txn: { txnId, snapshotTs: view.snapshotTs, reads: [...view.reads.values()], ranges: [], writes },
      proposedTs: this.hlc.now(),
    });
    this.replica.propose(txnId, command, (o: Outcome<unknown>) => {
      if (o.status !== 'ok') return reply(o);
      const r = o.result as CommitResult;
      if (!r.ok) return reply({ status: 'aborted', code: ErrorCode.TransactionConflict, message: `transaction conflict (${r.reason}${r.key ? ` on ${JSON.stringify(r.key)}` : ''}); retry` });
      this.observe(r.commitTs);
      reply({ status: 'committed', commitTs: r.commitTs, value });
    });
  }

  /** Moves the clock past a timestamp we learned of, so later snapshots see this commit. */
  private observe(ts: Timestamp): void {
    try {
      this.hlc.update(ts);
    } catch (e) {
      // A timestamp too far ahead of our clock is not adopted; snapshots still
      // cover it through the replica's newest commit timestamp.
      if (!(e instanceof ClockOffsetError)) throw e;
    }
  }
}
