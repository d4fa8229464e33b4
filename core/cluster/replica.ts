import { assert } from '../assert.js';
import { BATCH_BYTES_MAX, BATCH_COMMANDS_MAX, BATCH_TAG, packCommands, unpackCommands } from './batch.js';
import { ErrorCode } from '../errors.js';
import type { Clock, Disk, DiskOp, Random } from '../io.js';
import { DecodeError, Reader, Writer } from '../util/codec.js';
import { Raft, type RaftObserver } from '../raft/raft.js';
import { CorruptionError, openRecord, RaftDiskLayout, sealRecord } from '../raft/storage.js';
import { DEFAULT_RAFT_CONFIG, type Entry, type Message, type NodeId, type RaftConfig, type RaftStorageState, type Ready, type Snapshot } from '../raft/types.js';

/** The state record holding the applied index the materialized records reflect. Not a valid state machine key ('x/...'). */
const APPLIED_KEY = 'applied';

/** The data of a compaction's snapshot for a state machine kept as records: none (see maybeCompact). */
const NO_IMAGE = new Uint8Array(0);

/**
 * Ticks a ReadIndex may go unanswered before reads that queued behind it are
 * sent in a new one (its own reads keep waiting for it, or time out). Enough
 * for a heartbeat round trip under load; a lost message or a leader change
 * costs the queued reads this much.
 */
const READ_WAIT_TICKS = 4;

/**
 * What a replica needs from its host. Ticks come from the host too (tick()),
 * so one timer drives every replica of a node and their heartbeats leave in
 * the same frame.
 */
export interface ReplicaIo {
  clock: Clock;
  random: Random;
  disk: Disk;
  /** Sends one Ready's messages for one peer, in order; the host may batch them with other groups'. */
  send(to: NodeId, msgs: readonly Message[]): void;
  /**
   * Runs `fn` later in the current event, once the host has handed the
   * event's disk batch and messages to the world, so that the work overlaps
   * a write under way. Never from within defer() itself; not at all if the
   * node stops first.
   */
  defer(fn: () => void): void;
}

/**
 * A state machine replicated through Raft. apply() must be a pure function of
 * (state, command): every replica applying the same commands in the same order
 * reaches the same state and returns the same results.
 */
export interface ReplicatedStateMachine {
  /** Applies a command; returns the id of the request it answers and its result. */
  apply(command: Uint8Array): { requestId: string; result: unknown };
  /**
   * Set when no command of this state machine begins with BATCH_TAG (0xff):
   * its leader then packs commands proposed while its disk is busy into one
   * entry (see batch.ts). apply still sees one command at a time.
   */
  readonly batchable?: boolean;
  /** A canonical image: equal states give equal bytes. */
  snapshot(): Uint8Array;
  restore(image: Uint8Array): void;
  digest(): string;
  /**
   * Optional, both or neither: a state machine that keeps its state on disk
   * as records. loadMaterialized is called once, first, with the records
   * found on disk (keys relative to the state prefix, payloads verified; empty
   * on a new disk) and throws DecodeError on bad ones; from then on the state
   * machine tracks what apply and restore change. drainChanges returns the
   * records changed since the last call (null: delete). The replica writes
   * them with the applied index in one atomic batch, so the disk always holds
   * the state at some applied index, and a restart applies only the entries
   * after it.
   */
  loadMaterialized?(records: ReadonlyMap<string, Uint8Array>): void;
  drainChanges?(): [key: string, payload: Uint8Array | null][];
}

/**
 * How a request ended. failed: it did not and will not take effect. timeout:
 * it may or may not. ok carries the apply result; `retried` (set by
 * ReplicaHost.call) says that another attempt of the same command may have
 * been applied too, before this one or after: a result that depends on what
 * an earlier copy left behind (a duplicate's) then says little about the
 * first copy's fate.
 */
export type Outcome<R> = { status: 'ok'; result: R; retried?: true } | { status: 'failed'; code: string; message: string } | { status: 'timeout' };

export interface ReplicaOptions {
  id: NodeId;
  voters: readonly NodeId[];
  /** Local milliseconds per Raft tick. */
  tickMs: number;
  raft?: Partial<Omit<RaftConfig, 'id' | 'voters'>>;
  /** Take a snapshot and compact once this many entries are applied past the log's start. */
  snapshotEntries: number;
  /** Entries kept behind a snapshot, so a slightly lagging follower needs no snapshot. */
  keepEntries: number;
  /** A request that has no answer after this long (local ms) is answered with timeout. */
  requestTimeoutMs: number;
  /** Where this group's records live on the node's disk (default 'raft/'); distinct per group. */
  diskPrefix?: string;
  /** Where a materialized state machine's records live (default 'sm/'); distinct per group and from diskPrefix. */
  stateDiskPrefix?: string;
  /** Builds the Raft instance; tests pass a subclass with a deliberately broken rule. */
  makeRaft?: (cfg: RaftConfig, stored: ConstructorParameters<typeof Raft>[1], randomInt: (n: number) => number, obs: RaftObserver) => Raft;
}

/** Hooks for the simulator's checkers; the replica never depends on them. */
export interface ReplicaObserver extends RaftObserver {
  /** A Ready's snapshot and entries were made durable (before any message depending on them was sent). */
  onPersisted?(id: NodeId, rd: Ready): void;
  onApplied?(id: NodeId, entry: Entry, sm: ReplicatedStateMachine): void;
  onSnapshotInstalled?(id: NodeId, s: Snapshot, sm: ReplicatedStateMachine): void;
}

interface Waiter<R> {
  reply: (o: Outcome<R>) => void;
  deadlineMs: number;
}

/** The callers waiting for one request id: a retried request may be proposed again while the first try is pending. */
interface WriteWaiters {
  replies: ((o: Outcome<unknown>) => void)[];
  deadlineMs: number;
  /** The term in which this replica, as leader, last put the request in its log. */
  term: number;
}

interface HeldProposal {
  requestId: string;
  command: Uint8Array;
  reply: (o: Outcome<unknown>) => void;
}

interface PendingRead<SM> extends Waiter<unknown> {
  read: (sm: SM) => unknown;
}

/**
 * One member of a Raft group and the state machine it applies, driven by
 * events only: start(), step(), tick(), propose(), read(), and the disk
 * callbacks it registers through its ReplicaIo.
 *
 * Requests need no leader at hand: a proposal is forwarded to the leader by
 * Raft, and its outcome is known here when this replica applies it (apply is
 * deterministic, so every replica computes the same result). A read waits for
 * a ReadIndex confirmation, then for this replica to apply up to it.
 */
export class Replica<SM extends ReplicatedStateMachine> {
  readonly id: NodeId;
  readonly raft: Raft;
  private readonly layout: RaftDiskLayout;
  private writing = false;
  /** Inside afterPersist: callbacks may propose, but no new Ready may start before advance(). */
  private handlingReady = false;
  private stopped = false;
  private readCtx = 0;
  /** Proposals waiting to be applied here, by request id. */
  private pendingWrites = new Map<string, WriteWaiters>();
  /** Commands a leader holds while its disk is busy, proposed together by flushProposals (batchable state machines only). */
  private held: HeldProposal[] = [];
  /** Reads waiting for their ReadIndex answer, by ctx: one ReadIndex serves a whole batch. */
  private pendingReads = new Map<number, PendingRead<SM>[]>();
  /** Reads that arrived while a ReadIndex was in flight: they go together in the next one. */
  private readBatch: PendingRead<SM>[] = [];
  /** The ReadIndex in flight, and ticks since it was asked; null when none (see read()). */
  private readInFlight: { ctx: number; ticks: number } | null = null;
  /** Reads whose read index is known, waiting for apply to reach it. */
  private readyReads: { index: number; req: PendingRead<SM> }[] = [];
  /** Payload bytes applied since the last snapshot, and that snapshot's size: see maybeCompact. */
  private bytesSinceSnapshot = 0;
  private lastSnapshotBytes = 0;
  private readonly statePrefix: string;
  /** The applied index the last state batch written records (materialized state machines only). */
  private stateAppliedWritten = -1;
  /**
   * The index of the last entry the state machine applied. Ahead of
   * raft.log.applied while a Ready's entries are being applied (Raft learns
   * of them at advance), and a snapshot made then must say so.
   */
  private smApplied = 0;
  /** The last snapshot made for a follower, reused until the next entry is applied (several followers may need it at once). */
  private lastSent: Snapshot | null = null;

  constructor(
    private readonly io: ReplicaIo,
    private readonly opts: ReplicaOptions,
    readonly sm: SM,
    private readonly observer: ReplicaObserver = {},
  ) {
    this.id = opts.id;
    this.layout = new RaftDiskLayout(opts.diskPrefix ?? 'raft/');
    this.statePrefix = opts.stateDiskPrefix ?? 'sm/';
    const cfg: RaftConfig = { ...DEFAULT_RAFT_CONFIG, ...opts.raft, id: opts.id, voters: opts.voters };
    // Recovery reads the disk once; a corrupted record throws CorruptionError and the replica never starts.
    const disk = io.disk.recovered();
    const stored = this.layout.recover(disk);
    const applied = this.recoverState(disk, stored);
    const randomInt = (n: number) => io.random.int(0, n - 1);
    const s = { ...stored, applied };
    this.raft = opts.makeRaft ? opts.makeRaft(cfg, s, randomInt, observer) : new Raft(cfg, s, randomInt, observer);
    assert(this.raft.log.applied === applied, 'applied must start where the state machine is');
    this.smApplied = applied;
    if (this.sm.drainChanges) this.raft.snapshotSource = () => this.snapshotNow();
  }

  /** The state machine's image at the index it has applied, for a follower behind the log. */
  private snapshotNow(): Snapshot {
    const index = this.smApplied;
    if (this.lastSent?.meta.index === index) return this.lastSent;
    const term = this.raft.log.term(index);
    assert(term !== undefined, 'the applied entry must be in the log or be its compaction point');
    return (this.lastSent = { meta: { index, term, voters: this.opts.voters }, data: this.sm.snapshot() });
  }

  /**
   * Brings the state machine to what the disk holds and returns the index it
   * reflects. A materialized state machine loads its records; they reflect
   * the applied index written with them, unless the Raft snapshot is newer
   * (a snapshot from the leader was installed and the crash came before the
   * state it carries was written), in which case the snapshot replaces them.
   */
  private recoverState(disk: ReadonlyMap<string, Uint8Array>, stored: RaftStorageState): number {
    const snapIndex = stored.snapshot?.meta.index ?? 0;
    if (!this.sm.loadMaterialized) {
      if (stored.snapshot) this.sm.restore(stored.snapshot.data);
      return snapIndex;
    }
    const records = new Map<string, Uint8Array>();
    let applied = 0;
    for (const [key, rec] of disk) {
      if (!key.startsWith(this.statePrefix)) continue;
      const payload = openRecord(key, rec);
      const sub = key.slice(this.statePrefix.length);
      if (sub !== APPLIED_KEY) records.set(sub, payload);
      else {
        const r = new Reader(payload);
        applied = r.uvar();
        r.end();
      }
    }
    try {
      this.sm.loadMaterialized(records);
    } catch (e) {
      if (e instanceof DecodeError) throw new CorruptionError(`undecodable state record: ${e.message}`);
      throw e;
    }
    const last = stored.firstIndexMinusOne + stored.entries.length;
    if (applied > Math.max(last, snapIndex)) throw new CorruptionError(`state applied at ${applied}, beyond the last entry ${last}`);
    this.stateAppliedWritten = applied;
    if (applied >= snapIndex) return applied;
    // A compaction's snapshot holds no image (maybeCompact): the records it
    // stands for were written before it, so they cannot be older.
    if (stored.snapshot!.data.length === 0) throw new CorruptionError(`state applied at ${applied}, before the compaction point ${snapIndex}`);
    this.sm.restore(stored.snapshot!.data);
    return snapIndex;
  }

  start(): void {
    this.persistState();
    this.process();
  }

  /** Stops serving; used for clean shutdown. A crash needs no call: the host simply drops the replica. */
  stop(): void {
    this.stopped = true;
  }

  /** Steps messages from a peer, in the order they were sent. */
  step(msgs: readonly Message[]): void {
    if (this.stopped) return;
    for (const msg of msgs) this.raft.step(msg);
    this.process();
  }

  /** One Raft tick (tickMs of local time); the host calls it. Also expires requests past their deadline. */
  tick(): void {
    if (this.stopped) return;
    if (this.readInFlight !== null && ++this.readInFlight.ticks >= READ_WAIT_TICKS) {
      this.readInFlight = null;
      this.askReadIndex();
    }
    this.raft.tick();
    this.expireRequests();
    this.process();
  }

  /**
   * Proposes a command answering `requestId`. `reply` is called once with
   * the result this replica computes when it first applies a command naming
   * that id, or failed (definitely not proposed), or timeout; or never, if the
   * process crashes. Proposing again under a pending id (a retry) adds a
   * waiter: every waiter gets the first result, so commands sharing an id must
   * be retries of one idempotent request.
   */
  propose(requestId: string, command: Uint8Array, reply: (o: Outcome<unknown>) => void): void {
    if (this.stopped) return;
    // A retry of a request this leader already logged in its current term
    // only waits: the entry commits, or leadership is lost and the retry
    // goes elsewhere (a leader never drops its own entries within its term).
    // Logging it again would add an entry per retry, and when commits are
    // slower than the retry interval those entries outgrow replication, so
    // commits slow down further and retries multiply (seed 12198).
    const pending = this.pendingWrites.get(requestId);
    if (pending !== undefined && pending.term === this.raft.term && this.raft.role === 'leader') {
      pending.replies.push(reply);
      pending.deadlineMs = Math.max(pending.deadlineMs, this.io.clock.nowMs() + this.opts.requestTimeoutMs);
      return;
    }
    if (this.sm.batchable) {
      assert(command[0] !== BATCH_TAG, 'a batchable state machine proposed a command that begins with BATCH_TAG');
      // While a leader's disk is busy its proposals would wait for the next
      // Ready anyway: holding them costs no latency, and they go out as one
      // entry. Once any are held, later ones queue behind them.
      if (this.held.length > 0 || (this.writing && this.raft.role === 'leader')) {
        this.held.push({ requestId, command, reply });
        return;
      }
    }
    this.submit(command, [{ requestId, command, reply }]);
    this.process();
  }

  /** Proposes `data` (one command, or several packed) and registers the waiters of the commands in it; or fails them all. */
  private submit(data: Uint8Array, commands: readonly HeldProposal[]): void {
    if (!this.raft.propose([data])) {
      for (const c of commands) {
        c.reply({ status: 'failed', code: ErrorCode.TransactionMustRetry, message: `node ${this.id}: proposal dropped (no leader, a leadership transfer, or too much uncommitted work); retry` });
      }
      return;
    }
    const deadlineMs = this.io.clock.nowMs() + this.opts.requestTimeoutMs;
    const term = this.raft.term;
    for (const { requestId, reply } of commands) {
      const w = this.pendingWrites.get(requestId);
      if (w) {
        w.replies.push(reply);
        w.deadlineMs = Math.max(w.deadlineMs, deadlineMs);
        w.term = term;
      } else this.pendingWrites.set(requestId, { replies: [reply], deadlineMs, term });
    }
  }

  /**
   * Proposes the held commands, in the order they came, packed into as few
   * entries as the bounds of batch.ts allow (a lone command goes as itself).
   * Raft may refuse them (leadership lost meanwhile): each is then failed,
   * exactly as a proposal refused at once would have been.
   */
  private flushProposals(): void {
    const held = this.held;
    this.held = [];
    for (let i = 0; i < held.length; ) {
      let j = i + 1;
      let bytes = held[i]!.command.length;
      while (j < held.length && j - i < BATCH_COMMANDS_MAX && bytes + held[j]!.command.length <= BATCH_BYTES_MAX) bytes += held[j++]!.command.length;
      const group = held.slice(i, j);
      this.submit(group.length === 1 ? group[0]!.command : packCommands(group.map((h) => h.command)), group);
      i = j;
    }
  }

  /**
   * Runs `read` on the state machine once it reflects everything committed
   * before this call. Reads are batched: while one ReadIndex is in flight,
   * new reads wait and share the next one, which is asked after they arrived
   * (so its read point still follows every one of them). Under load that is
   * one heartbeat round per round trip instead of one per read. A ReadIndex
   * unanswered for READ_WAIT_TICKS no longer holds the batch back.
   */
  read<T>(read: (sm: SM) => T, reply: (o: Outcome<T>) => void): void {
    if (this.stopped) return;
    this.readBatch.push({ read, reply: reply as (o: Outcome<unknown>) => void, deadlineMs: this.io.clock.nowMs() + this.opts.requestTimeoutMs });
    if (this.readInFlight === null) this.askReadIndex();
    this.process();
  }

  private askReadIndex(): void {
    const batch = this.readBatch;
    this.readBatch = [];
    if (!batch.length) return;
    const ctx = ++this.readCtx;
    if (!this.raft.readIndex(ctx)) {
      for (const r of batch) r.reply(noLeader(this.id));
      return;
    }
    this.pendingReads.set(ctx, batch);
    this.readInFlight = { ctx, ticks: 0 };
  }

  transferLeader(to: NodeId): void {
    this.raft.transferLeader(to);
    this.process();
  }

  /**
   * The index of the last entry the state machine has applied. It may be
   * ahead of raft.log.applied (see applyCommitted): anything that asks
   * whether the state changed must ask here.
   */
  get appliedIndex(): number {
    return this.smApplied;
  }

  /** The current leader as this replica sees it. */
  get leader(): NodeId {
    return this.raft.lead;
  }

  private expireRequests(): void {
    if (!this.pendingWrites.size && !this.pendingReads.size && !this.readBatch.length && !this.readyReads.length) return;
    const now = this.io.clock.nowMs();
    for (const [k, p] of this.pendingWrites) {
      if (p.deadlineMs <= now) {
        this.pendingWrites.delete(k);
        for (const reply of p.replies) reply({ status: 'timeout' });
      }
    }
    const expired = (r: PendingRead<SM>) => {
      if (r.deadlineMs > now) return false;
      r.reply({ status: 'timeout' });
      return true;
    };
    for (const [k, batch] of this.pendingReads) {
      const live = batch.filter((r) => !expired(r));
      if (live.length) this.pendingReads.set(k, live);
      else this.pendingReads.delete(k);
    }
    if (this.readBatch.length) this.readBatch = this.readBatch.filter((r) => !expired(r));
    if (this.readyReads.length)
      this.readyReads = this.readyReads.filter((r) => {
        if (r.req.deadlineMs > now) return true;
        r.req.reply({ status: 'timeout' });
        return false;
      });
  }

  /**
   * Drains Raft's Ready: persist, then send, then apply, then advance. While a
   * disk write is in flight, new work accumulates in Raft and goes out in the
   * next Ready, so one fsync covers many proposals (group commit).
   *
   * A leader sends before its write instead (the Raft thesis, 10.2.1), so its
   * fsync and its followers' overlap: it counts itself toward a commit only
   * once its entries are durable (Raft.advance), so a commit still rests on a
   * quorum of durable copies. Nothing else may go early: a vote or a
   * follower's acknowledgement promises durable state. Hence only a leader
   * whose term and vote are already on disk (so every message of this Ready
   * was made as leader of that term), with no snapshot to install.
   *
   * Committed entries do not wait for the write either. They are durable on
   * a quorum already (a leader counts itself only once its copy is durable),
   * and whatever applying them writes goes to disk after this write, so a
   * crash before it completes loses that state with the entries it came
   * from. They are applied once the write is under way (io.defer), so the
   * fsync overlaps the work; before, a busy leader applied each batch only
   * after the next batch's fsync, and its disk waited while it applied.
   */
  private process(): void {
    if (this.writing || this.handlingReady || this.stopped) return;
    if (this.held.length) this.flushProposals();
    if (!this.raft.hasReady()) return;
    const rd = this.raft.ready();
    if (!this.layout.mustSync(rd)) return this.afterPersist(rd, false);
    const early = this.raft.role === 'leader' && rd.snapshot === null && this.layout.termAndVoteDurable(rd);
    const ops = this.layout.opsForReady(rd, this.raft.hardState());
    if (early) this.sendAll(rd.messages);
    this.writing = true;
    this.io.disk.write(ops, () => {
      this.writing = false;
      this.afterPersist(rd, early);
    });
    if (rd.committed.length) this.io.defer(() => this.applyCommitted(rd));
  }

  /**
   * Applies a Ready's committed entries, once: early (deferred by process,
   * while `writing` keeps process from starting another Ready) or in
   * afterPersist, whichever comes first; entries apply in order, so
   * smApplied tells which. Until advance, the state machine is then ahead
   * of raft.log.applied (appliedIndex is not).
   */
  private applyCommitted(rd: Ready): void {
    const n = rd.committed.length;
    if (n === 0 || this.stopped || this.smApplied >= rd.committed[n - 1]!.index) return;
    for (const e of rd.committed) this.applyEntry(e);
  }

  /** Everything after a Ready is durable; `sent`: its messages already went out (see process). */
  private afterPersist(rd: Ready, sent: boolean): void {
    if (this.stopped) return;
    this.handlingReady = true;
    if (rd.snapshot || rd.entries.length) this.observer.onPersisted?.(this.id, rd);
    if (!sent) this.sendAll(rd.messages);
    if (rd.snapshot) {
      this.sm.restore(rd.snapshot.data);
      this.smApplied = rd.snapshot.meta.index;
      this.lastSent = null;
      this.observer.onSnapshotInstalled?.(this.id, rd.snapshot, this.sm);
    }
    this.applyCommitted(rd);
    for (const rs of rd.readStates) {
      const batch = this.pendingReads.get(rs.ctx);
      if (rs.ctx === this.readInFlight?.ctx) this.readInFlight = null;
      if (!batch) continue;
      this.pendingReads.delete(rs.ctx);
      for (const req of batch) this.readyReads.push({ index: rs.index, req });
    }
    this.raft.advance(rd);
    assert(this.raft.log.applied === this.smApplied, 'the state machine is where Raft says after advance');
    // After advance: a ReadIndex asked now must not land in the Ready just handled.
    if (this.readInFlight === null) this.askReadIndex();
    this.persistState();
    this.serveReads();
    this.handlingReady = false;
    this.maybeCompact();
    this.process();
  }

  private applyEntry(e: Entry): void {
    this.smApplied = e.index;
    // The image kept for followers is stale now; dropping it frees what may be the size of the whole state.
    this.lastSent = null;
    this.bytesSinceSnapshot += e.data.length;
    if (e.data.length > 0) {
      if (this.sm.batchable && e.data[0] === BATCH_TAG) for (const c of unpackCommands(e.data)) this.applyCommand(c);
      else this.applyCommand(e.data);
    }
    this.observer.onApplied?.(this.id, e, this.sm);
  }

  private applyCommand(command: Uint8Array): void {
    const { requestId, result } = this.sm.apply(command);
    const p = this.pendingWrites.get(requestId);
    if (p) {
      this.pendingWrites.delete(requestId);
      for (const reply of p.replies) reply({ status: 'ok', result });
    }
  }

  /**
   * Writes what applying changed in a materialized state machine, with the
   * applied index, as one lazy batch: no fsync of its own. Losing it in a
   * crash loses nothing: the batch (and any lazy one after it) is lost only
   * if no durable batch followed, so the records on disk are always those of
   * an earlier applied index, and the log still holds every entry after that
   * index (a compaction, which drops them, is a durable write after this
   * one). Recovery replays them. Before, each of these batches was an fsync
   * that the next Raft append queued behind.
   */
  private persistState(): void {
    if (!this.sm.drainChanges) return;
    const applied = this.raft.log.applied;
    const changes = this.sm.drainChanges();
    if (!changes.length && applied === this.stateAppliedWritten) return;
    const ops: DiskOp[] = [];
    for (const [key, payload] of changes) {
      if (payload === null) ops.push({ type: 'del', key: this.statePrefix + key });
      else ops.push({ type: 'put', key: this.statePrefix + key, value: sealRecord(payload) });
    }
    ops.push({ type: 'put', key: this.statePrefix + APPLIED_KEY, value: sealRecord(new Writer(8).uvar(applied).finish()) });
    this.stateAppliedWritten = applied;
    this.io.disk.writeLazy(ops);
  }

  private serveReads(): void {
    if (!this.readyReads.length) return;
    const applied = this.raft.log.applied;
    // Detach the list first: a reply may start new reads (or proposals) at once.
    const waiting = this.readyReads;
    this.readyReads = [];
    for (const r of waiting) {
      if (r.index <= applied) r.req.reply({ status: 'ok', result: r.req.read(this.sm) });
      else this.readyReads.push(r);
    }
  }

  /** Hands a Ready's messages to the host as one batch per peer, keeping each peer's messages in order. */
  private sendAll(msgs: readonly Message[]): void {
    if (!msgs.length) return;
    // Often every message goes to one peer (a follower answers its leader):
    // the Ready's own array is then the batch (Raft hands over a fresh one
    // per Ready and never touches it again), with nothing to allocate.
    const first = msgs[0]!.to;
    let onePeer = true;
    for (let i = 1; i < msgs.length && onePeer; i++) onePeer = msgs[i]!.to === first;
    if (onePeer) return this.io.send(first, msgs);
    // A handful of peers at most: parallel arrays beat a map here.
    const peers: NodeId[] = [];
    const frames: Message[][] = [];
    for (const m of msgs) {
      let k = peers.indexOf(m.to);
      if (k < 0) {
        k = peers.length;
        peers.push(m.to);
        frames.push([]);
      }
      frames[k]!.push(m);
    }
    for (let k = 0; k < peers.length; k++) this.io.send(peers[k]!, frames[k]!);
  }

  /**
   * Compacts the log once snapshotEntries entries are applied past its start.
   *
   * A state machine kept as records needs no image for that: the records
   * written at this applied index went to disk before the compaction's batch
   * (persistState runs first, and the disk keeps batch order), so they are
   * durable whenever the compaction is, and recovery starts from them. Its
   * snapshot is the compaction point alone (empty data); Raft asks
   * snapshotNow for an image only when a follower needs one. Encoding the
   * whole state here cost more than applying the entries it covered, and
   * put the whole state through the disk again each time.
   *
   * Any other state machine is encoded, once the log written since the last
   * snapshot is at least half that snapshot's size: the cost of snapshotting
   * a large state is then spread over as many bytes of log, amortized O(1)
   * per entry.
   */
  private maybeCompact(): void {
    const log = this.raft.log;
    if (this.writing || log.applied - log.firstIndex() + 1 < this.opts.snapshotEntries) return;
    const materialized = this.sm.drainChanges !== undefined;
    if (!materialized && this.bytesSinceSnapshot * 2 < this.lastSnapshotBytes) return;
    const index = log.applied;
    const term = log.term(index);
    assert(term !== undefined, 'applied entry must be in the log');
    assert(!materialized || this.stateAppliedWritten === index, 'the records of the compaction point must be written first');
    const snap: Snapshot = { meta: { index, term, voters: this.opts.voters }, data: materialized ? NO_IMAGE : this.sm.snapshot() };
    this.lastSnapshotBytes = snap.data.length;
    this.bytesSinceSnapshot = 0;
    const compactIndex = Math.max(log.firstIndex() - 1, index - this.opts.keepEntries);
    const compactTerm = log.term(compactIndex)!;
    this.raft.compact(snap, compactIndex);
    this.writing = true;
    this.io.disk.write(this.layout.opsForCompaction(snap, compactIndex, compactTerm), () => {
      this.writing = false;
      this.process();
    });
  }
}

function noLeader(id: NodeId): Outcome<never> {
  return { status: 'failed', code: ErrorCode.TransactionMustRetry, message: `node ${id}: no leader known, retry` };
}
