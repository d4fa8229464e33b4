import { partitionOf } from '../cluster/partitions.js';
import { ReplicaHost, type HostOptions, type NodeMessage } from '../cluster/host.js';
import type { Outcome, ReplicaObserver } from '../cluster/replica.js';
import { CamusError, ErrorCode } from '../errors.js';
import { ClockOffsetError, compareTs, Hlc, tsMax, type Timestamp } from '../hlc.js';
import type { Io } from '../io.js';
import type { CommitResult, Decision, TxnWrites, ValidateResult } from '../mvcc/types.js';
import { encodePartitionCommand, requestIdOf, type PartitionCommand } from './commands.js';
import { PartitionStateMachine, type DecideResult } from './partition.js';
import { Recovery } from './recovery.js';
import { TxnView } from './view.js';

export { TxnView } from './view.js';

/**
 * committed: the transaction's writes are durable at commitTs. aborted: it
 * conflicted and changed nothing (retryable, CADB0502). failed: it did not and
 * will not commit. timeout: the commit may or may not have happened.
 */
export type TxnOutcome<T> =
  | { status: 'committed'; commitTs: Timestamp; value: T }
  | { status: 'aborted'; code: string; message: string }
  | TxnFailed
  | { status: 'timeout' };

/** A transaction that did not and will not commit (TxnOutcome's failed). */
type TxnFailed = { status: 'failed'; code: string; message: string };

export interface TxnNodeOptions extends Omit<HostOptions, 'groups'> {
  /** Partitions (Raft groups) of the cluster: the initial_partitions setting. Default 1. */
  partitions?: number;
  /** How often the leader proposes garbage collection, and how much history (local ms) it keeps. */
  gcIntervalMs?: number;
  gcWindowMs?: number;
  /**
   * A prepared transaction or an unfinished record this old is settled by
   * recovery; its age is counted in its leader's ticks (monotonic), so a
   * clock jump cannot postpone it.
   */
  staleTxnMs?: number;
  /** Builds each partition's state machine; tests pass one with a deliberately broken rule. */
  makeStateMachine?: () => PartitionStateMachine;
}

/**
 * A node of the transactional store: a replica of every partition, and a
 * coordinator for the transactions its clients run.
 *
 * begin() confirms every local replica current (one ReadIndex each; the
 * heartbeats they ride share frames) and takes the snapshot at or above every
 * commit they applied, so a transaction sees everything committed before it
 * began. Reads are then local and synchronous (TxnView); writes are buffered.
 * Commit sends one proposal to the leader of a single participant, or runs
 * two-phase commit: prepare everywhere, the decision into the transaction
 * record, then resolve everywhere. Only the coordinator ever decides commit;
 * recovery (see recovery.ts) only decides abort, and the record takes the
 * first decision, so a coordinator crash at any step leaves the transaction
 * wholly committed or wholly aborted.
 */
export class TxnNode extends ReplicaHost<PartitionStateMachine> {
  readonly partitions: number;
  readonly hlc: Hlc;
  private txnCounter = 0;
  private readonly txnIdPrefix: string;
  private readonly recovery: Recovery;

  constructor(io: Io<NodeMessage>, opts: TxnNodeOptions, observer: ReplicaObserver | ((group: number) => ReplicaObserver) = {}) {
    const partitions = opts.partitions ?? 1;
    super(
      io,
      { balanceIntervalMs: 2_000, ...opts, groups: partitions },
      () => opts.makeStateMachine?.() ?? new PartitionStateMachine(),
      typeof observer === 'function' ? observer : () => observer,
    );
    this.partitions = partitions;
    // Safety never rests on clocks here (no leases), so a generous offset bound
    // only stops a wildly wrong clock from dragging the cluster's time along.
    this.hlc = new Hlc(io.clock, 60_000);
    // A transaction id must never repeat, even across restarts of this node: a
    // random incarnation tag (from the injected randomness) keeps them apart.
    this.txnIdPrefix = `${opts.id}.${io.random.int(0, 0x7fffffff).toString(36)}${io.random.int(0, 0x7fffffff).toString(36)}`;
    this.recovery = new Recovery(this, opts.tickMs, opts.staleTxnMs ?? opts.requestTimeoutMs);
  }

  private get txnOpts(): TxnNodeOptions {
    return this.opts as TxnNodeOptions;
  }

  /** This node's clock (local ms), for ids and deadlines above the core. */
  nowMs(): number {
    return this.io.clock.nowMs();
  }

  /** `n` bytes from this node's injected randomness. */
  randomBytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.io.random.int(0, 255);
    return b;
  }

  /** Sends a partition command to its group's leader (see ReplicaHost.call). */
  send(group: number, c: PartitionCommand, reply: (o: Outcome<unknown>) => void = () => {}): void {
    this.call(group, requestIdOf(c), encodePartitionCommand(c), reply);
  }

  groupOf(key: string): number {
    return partitionOf(key, this.partitions);
  }

  protected override stamp(): Timestamp {
    return this.hlc.now();
  }

  protected override witness(ts: Timestamp): void {
    this.observe(ts);
  }

  protected override onTick(ticks: number): void {
    const tickMs = this.opts.tickMs;
    const every = (ms: number) => ticks % Math.max(1, Math.round(ms / tickMs)) === 0;
    if (every(this.txnOpts.gcIntervalMs ?? 2_000)) this.proposeGc();
    if (every(Math.max(tickMs, (this.txnOpts.staleTxnMs ?? this.opts.requestTimeoutMs) / 4))) this.recovery.scan(ticks);
  }

  /**
   * Old versions are dropped through the log, so every replica drops the same
   * ones. Each group's leader proposes it; the window is far longer than a
   * transaction lives (a snapshot below the floor is refused and retried).
   */
  private proposeGc(): void {
    const now = this.hlc.now();
    const belowTs = { wall: Math.max(0, now.wall - (this.txnOpts.gcWindowMs ?? 10_000)), logical: 0 };
    for (let g = 0; g < this.partitions; g++) {
      if (this.replicas[g]!.raft.role !== 'leader') continue;
      const id = `${this.txnIdPrefix}.gc${++this.txnCounter}`;
      this.replicas[g]!.propose(id, encodePartitionCommand({ type: 'gc', id, belowTs }), () => {});
    }
  }

  /**
   * Starts a transaction: calls `reply` with its view once every local replica
   * is confirmed current, or failed (retryable) when some partition has no
   * reachable leader.
   */
  begin(reply: (o: Outcome<TxnView>) => void): void {
    this.confirm(this.replicas.map((_, g) => g), (failed) => {
      if (failed) return reply(failed);
      const view = this.viewNow(null);
      view.currentAt = this.appliedIndexes();
      reply({ status: 'ok', result: view });
    });
    this.flush();
  }

  /**
   * Confirms the replicas of the partitions `groups` current (one
   * ReadIndex each; the heartbeats they ride share frames), then calls
   * `done(null)`, or `done(failed)` (retryable) when one has no reachable
   * leader. Once every confirmation has answered, each of these replicas has
   * applied everything committed before this call.
   */
  private confirm(groups: readonly number[], done: (failed: TxnFailed | null) => void): void {
    let pending = groups.length;
    let failed: TxnFailed | null = null;
    if (pending === 0) return done(null);
    for (const g of groups) {
      this.replicas[g]!.read(
        () => null,
        (o) => {
          if (o.status !== 'ok' && !failed) {
            failed = o.status === 'failed' ? o : { status: 'failed', code: ErrorCode.TransactionMustRetry, message: `partition ${g}: read timed out; retry` };
          }
          if (--pending === 0) done(failed);
        },
      );
    }
  }

  /**
   * A view of the local replicas as they are now, not yet known current. The
   * snapshot is at or above every commit they applied, whatever this node's
   * clock says. `touched`, when given, records each partition the view reads.
   */
  private viewNow(touched: boolean[] | null): TxnView {
    let snapshotTs = this.hlc.now();
    for (const r of this.replicas) snapshotTs = tsMax(snapshotTs, r.sm.maxCommitTs);
    this.observe(snapshotTs);
    const storeOf =
      touched === null
        ? (g: number) => this.replicas[g]!.sm.store
        : (g: number) => {
            touched[g] = true;
            return this.replicas[g]!.sm.store;
          };
    return new TxnView(storeOf, this.partitions, snapshotTs);
  }

  private appliedIndexes(): number[] {
    return this.replicas.map((r) => r.appliedIndex);
  }

  /**
   * Runs `program` as one serializable transaction and calls `reply` once
   * (or never, if the node crashes). The program must be deterministic,
   * synchronous and free of side effects: it may run twice. A CamusError it
   * throws fails the transaction with that error's code, and nothing is
   * written.
   *
   * The program first runs against the local replicas as they are, without
   * waiting for a ReadIndex. If it writes, that is enough: commit validates
   * every read in log order, so a read from a stale replica aborts the
   * transaction instead of corrupting anything (and a retry finds the replica
   * caught up). If it only read, or failed, its answer is only as good as the
   * replicas' currency, so they are confirmed first: for a read-only answer
   * the partitions of its recorded reads (the SQL catalog, only peeked, is
   * checked against the tables it lists, whose epochs are among those reads:
   * see core/sql/engine/catalog.ts), for a failure every partition it
   * touched. If none of them applied anything meanwhile, the answer stands:
   * everything committed before the transaction began had been applied when
   * it read.
   * If one did, a read-only answer still stands when the read-only fast path
   * finds its reads unchanged in the replica's current state; otherwise the
   * program runs again on a view taken after confirming every partition.
   */
  execute<T>(program: (tx: TxnView) => T, reply: (o: TxnOutcome<T>) => void): void {
    const touched: boolean[] = [];
    const applied = this.appliedIndexes();
    const view = this.viewNow(touched);
    const first = runProgram(program, view);
    if (first.ok && view.writes.size > 0) return this.commitWith(view, first.value, reply);
    const rests = first.ok ? [...view.readPartitions()].sort((a, b) => a - b) : touched.flatMap((t, g) => (t ? [g] : []));
    this.confirm(rests, (failed) => {
      if (failed) return reply(failed);
      view.currentAt = applied;
      const moved = rests.some((g) => this.replicas[g]!.appliedIndex !== applied[g]);
      if (!moved) return first.ok ? this.commitWith(view, first.value, reply) : reply(first.failure);
      const readTs = first.ok ? this.fastReadTs(view) : null;
      if (first.ok && readTs !== null) {
        view.markCommitted();
        return reply({ status: 'committed', commitTs: readTs, value: first.value });
      }
      this.begin((b) => {
        if (b.status !== 'ok') return reply(b.status === 'failed' ? b : { status: 'failed', code: ErrorCode.TransactionMustRetry, message: 'begin timed out; retry' });
        const second = runProgram(program, b.result);
        if (second.ok) this.commitWith(b.result, second.value, reply);
        else reply(second.failure);
      });
    });
    this.flush();
  }

  private commitWith<T>(view: TxnView, value: T, reply: (o: TxnOutcome<T>) => void): void {
    this.commit(view, (c) => reply(c.status === 'committed' ? { ...c, value } : c));
  }

  /**
   * Commits a view's writes (validating its reads); `reply` is called once, or
   * never if this node crashes. A view commits at most once: committing it
   * again, or after rollback, throws CADB0501.
   */
  commit(view: TxnView, reply: (o: TxnOutcome<null>) => void): void {
    view.markCommitted();
    const txnId = `${this.txnIdPrefix}.${++this.txnCounter}`;
    const parts = view.byPartition(txnId);
    if (parts.size === 0) return reply({ status: 'committed', commitTs: view.snapshotTs, value: null });
    if (parts.size === 1) {
      const [[g, txn]] = [...parts];
      const readTs = view.writes.size === 0 ? this.finalReadTs(view, g!, txn!) : null;
      if (readTs !== null) return reply({ status: 'committed', commitTs: readTs, value: null });
      this.send(g!, { type: 'commit', txn: txn!, proposedTs: this.hlc.now() }, (o) => {
        if (o.status !== 'ok') return reply(o);
        const r = o.result as CommitResult;
        // A partition keeps a commit's outcome for duplicates only while the
        // GC floor is below its snapshot. A retry applied after the floor
        // passed it is refused as snapshot-too-old whether or not an earlier
        // copy committed (a leader's clock jumping ahead moves the floor
        // within a call's life), so that refusal of a retried call is no
        // proof that nothing happened.
        if (!r.ok && r.reason === 'snapshot-too-old' && o.retried) return reply({ status: 'timeout' });
        if (!r.ok) return reply(conflict(r.reason, r.key));
        this.observe(r.commitTs);
        reply({ status: 'committed', commitTs: r.commitTs, value: null });
      });
    } else this.twoPhaseCommit(txnId, view, parts, reply);
    this.flush();
  }

  /**
   * The read-only fast path: a transaction without writes that read one
   * partition, from a view whose replicas were confirmed current after it
   * began (currentAt), is serializable at the replica's highTs without a log
   * entry when its reads are what a read of the replica's state now would
   * return and meet no intent. No later commit can change them: every write
   * applied from now on lands above highTs (only an already prepared one
   * might not, and it holds an intent). It is strictly serializable there:
   * the state now includes everything committed before the transaction
   * began. When the replica applied nothing since currentAt, the reads were
   * taken from this very state; otherwise they are validated against it, as
   * the log would. Returns highTs, or null (commit goes through the log).
   */
  private finalReadTs(view: TxnView, g: number, txn: TxnWrites): Timestamp | null {
    if (view.currentAt === null) return null;
    const replica = this.replicas[g]!;
    const store = replica.sm.store;
    if (replica.appliedIndex === view.currentAt[g]) {
      // Below the floor, versions the view should have seen may be gone: let validation refuse it.
      if (compareTs(view.snapshotTs, store.highTs) < 0 || store.intentsTouch(txn.reads, txn.ranges)) return null;
    } else if (!store.validate({ txnId: txn.txnId, snapshotTs: txn.snapshotTs, reads: txn.reads, ranges: txn.ranges, writes: [] }).ok) return null;
    return store.highTs;
  }

  /** finalReadTs for a whole view: null unless it only read, from one partition. */
  private fastReadTs(view: TxnView): Timestamp | null {
    if (view.writes.size > 0) return null;
    const parts = view.byPartition(`${this.txnIdPrefix}.${++this.txnCounter}`);
    if (parts.size !== 1) return null;
    const [[g, txn]] = [...parts];
    return this.finalReadTs(view, g!, txn!);
  }

  private twoPhaseCommit(txnId: string, view: TxnView, parts: Map<number, TxnWrites>, reply: (o: TxnOutcome<null>) => void): void {
    const participants = [...parts.keys()];
    const recordKey = view.recordKey();
    let pending = parts.size;
    let commitTs = this.hlc.now();
    let refusal: { reason: string; key: string } | null = null;
    let unknown = false;
    for (const [g, txn] of parts) {
      this.send(g, { type: 'prepare', txn, participants, recordKey }, (o) => {
        if (o.status !== 'ok') unknown = true;
        else {
          const v = o.result as ValidateResult;
          if (v.ok) commitTs = tsMax(commitTs, v.minCommitTs);
          else refusal ??= { reason: v.reason, key: v.key };
        }
        if (--pending > 0) return;
        // Nobody but this coordinator decides commit, so giving up here is final.
        if (refusal || unknown) {
          this.resolveAll(txnId, participants, 'abort', null);
          return reply(refusal ? conflict(refusal.reason, refusal.key) : { status: 'failed', code: ErrorCode.TransactionMustRetry, message: 'a participant did not answer prepare; nothing was committed, retry' });
        }
        this.decide(txnId, view.snapshotTs, participants, recordKey, commitTs, reply);
      });
    }
  }

  private decide(txnId: string, snapshotTs: Timestamp, participants: number[], recordKey: string, commitTs: Timestamp, reply: (o: TxnOutcome<null>) => void): void {
    const recordGroup = this.groupOf(recordKey);
    this.send(recordGroup, { type: 'decide', txnId, snapshotTs, decision: { commitTs }, participants }, (o) => {
      if (o.status === 'timeout') return reply(o); // Recovery settles it either way.
      if (o.status === 'failed') {
        this.resolveAll(txnId, participants, 'abort', null);
        return reply(o);
      }
      const d = (o.result as DecideResult).decision;
      if (d === null) return reply({ status: 'timeout' });
      // The record's partition settled its own intents when it took the decision.
      this.resolveAll(txnId, participants.filter((g) => g !== recordGroup), d, recordGroup);
      if (d === 'abort') return reply(conflict('aborted by recovery', ''));
      this.observe(d.commitTs);
      reply({ status: 'committed', commitTs: d.commitTs, value: null });
    });
  }

  /**
   * Phase two: tells every participant the decision; once all have applied
   * it, the record (if any) may be forgotten. Lost messages are fine: a
   * participant's recovery, or the record's, finishes the job.
   */
  resolveAll(txnId: string, participants: readonly number[], decision: Decision, recordGroup: number | null, done: () => void = () => {}): void {
    let pending = participants.length;
    let ok = true;
    if (pending === 0) {
      if (recordGroup !== null) this.send(recordGroup, { type: 'forget', txnId }, done);
      else done();
      return;
    }
    for (const g of participants) {
      this.send(g, { type: 'resolve', txnId, decision }, (o) => {
        ok &&= o.status === 'ok';
        if (--pending > 0) return;
        if (ok && recordGroup !== null) this.send(recordGroup, { type: 'forget', txnId }, done);
        else done();
      });
    }
  }

  /** Moves the clock past a timestamp we learned of, so later snapshots see this commit. */
  private observe(ts: Timestamp): void {
    try {
      this.hlc.update(ts);
    } catch (e) {
      // A timestamp too far ahead of our clock is not adopted; snapshots still
      // cover it through the replicas' newest commit timestamps.
      if (!(e instanceof ClockOffsetError)) throw e;
    }
  }
}

type ProgramRun<T> = { ok: true; value: T } | { ok: false; failure: TxnFailed };

/** Runs a transaction program; a CamusError it throws is its failure, anything else a bug that propagates. */
function runProgram<T>(program: (tx: TxnView) => T, view: TxnView): ProgramRun<T> {
  try {
    return { ok: true, value: program(view) };
  } catch (e) {
    if (!(e instanceof CamusError)) throw e;
    return { ok: false, failure: { status: 'failed', code: e.code, message: e.message } };
  }
}

function conflict<T>(reason: string, key: string): TxnOutcome<T> {
  return { status: 'aborted', code: ErrorCode.TransactionConflict, message: `transaction conflict (${reason}${key ? ` on ${JSON.stringify(key)}` : ''}); retry` };
}
