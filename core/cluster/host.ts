import { assertNever } from '../assert.js';
import { ErrorCode } from '../errors.js';
import type { Timestamp } from '../hlc.js';
import type { DiskOp, Io } from '../io.js';
import type { Message, NodeId } from '../raft/types.js';
import { Replica, type Outcome, type ReplicaObserver, type ReplicaOptions, type ReplicatedStateMachine } from './replica.js';

/** One group's Raft messages inside a node-to-node frame. */
export interface GroupBatch {
  readonly group: number;
  readonly msgs: readonly Message[];
}

/** How a routed call ended at the node it reached: not-leader carries that node's view of the leader (0: none). */
export type CallAnswer = Outcome<unknown> | { status: 'not-leader'; leaderHint: NodeId };

/**
 * What nodes send each other. `raft` carries every group's messages for one
 * peer since the last flush, so heartbeats of all groups share one frame;
 * `call` asks a group's leader to propose a command, `answer` replies to it.
 * `hlc`, when the host keeps a hybrid logical clock, is the sender's clock at
 * sending: the receiver's clock moves past it.
 */
export type NodeMessage =
  | { type: 'raft'; from: NodeId; hlc?: Timestamp; groups: readonly GroupBatch[] }
  | { type: 'call'; from: NodeId; hlc?: Timestamp; callId: number; group: number; requestId: string; command: Uint8Array }
  | { type: 'answer'; from: NodeId; hlc?: Timestamp; callId: number; answer: CallAnswer };

export interface HostOptions extends Omit<ReplicaOptions, 'diskPrefix' | 'stateDiskPrefix'> {
  /** Raft groups (partitions) on this node, numbered [0, groups); every node hosts every group. */
  groups: number;
  /** How often (local ms) a leader checks whether a group should move to its preferred node; 0 turns balancing off. */
  balanceIntervalMs?: number;
}

interface PendingCall {
  group: number;
  requestId: string;
  command: Uint8Array;
  reply: (o: Outcome<unknown>) => void;
  deadlineMs: number;
  /** The node the latest attempt went to (this node for a local proposal). */
  target: NodeId;
  /** When to try again if the latest attempt gets no answer (lost message, slow leader). */
  retryAtMs: number;
  /** The latest attempt went out and has no answer yet. */
  awaiting: boolean;
  /** An earlier attempt went unanswered, so the command may have been proposed: the deadline then means timeout. */
  superseded: boolean;
}

/**
 * A node's Raft groups and what they share: one tick timer, one outbox that
 * batches every group's messages per peer, and routing of proposals to each
 * group's leader.
 *
 * Routing: call() proposes at the group's leader, wherever it is. A node that
 * is not the leader refuses with its view of the leader, and the caller tries
 * there; without any known leader it retries each tick until its deadline,
 * then fails with a retryable error (CADB0504) rather than hang. Commands
 * sent through call() must be idempotent: a lost answer makes the caller send
 * the command again, so it may be applied more than once.
 */
export class ReplicaHost<SM extends ReplicatedStateMachine> {
  readonly id: NodeId;
  readonly replicas: Replica<SM>[] = [];
  private readonly outbox = new Map<NodeId, GroupBatch[]>();
  /** Disk writes of every group during this event, written as one batch at its end (group commit across groups). */
  private diskOps: DiskOp[] = [];
  private diskDone: (() => void)[] = [];
  /** Work the replicas asked to run once this event's I/O is under way (ReplicaIo.defer); flush runs it. */
  private deferred: (() => void)[] = [];
  private readonly calls = new Map<number, PendingCall>();
  /**
   * The last call id used. Answers are matched to calls by id alone, and an
   * answer to a call of this node's previous incarnation can arrive after a
   * restart: so each incarnation starts at a random multiple of 2^21 below
   * 2^52, and two incarnations' ids overlap only if their starting points
   * fall within the calls they make (about n / 2^52). Starting at 0 each time,
   * an old answer was taken for a new call's (register seed 198: a put
   * answered with an earlier cas's result).
   */
  private callCounter: number;
  private stopped = false;
  private cancelTick: () => void = () => {};
  private ticks = 0;
  /** When (local ms) a frame last arrived from each peer: balancing hands groups only to nodes that are up. */
  private heardMs = new Map<NodeId, number>();

  constructor(
    protected readonly io: Io<NodeMessage>,
    protected readonly opts: HostOptions,
    makeSm: (group: number) => SM,
    observerOf: (group: number) => ReplicaObserver = () => ({}),
  ) {
    this.id = opts.id;
    this.callCounter = io.random.int(0, 2 ** 31 - 1) * 2 ** 21;
    for (let g = 0; g < opts.groups; g++) {
      const rio = {
        clock: io.clock,
        random: io.random,
        disk: {
          write: (ops: readonly DiskOp[], onDurable: () => void) => {
            for (const op of ops) this.diskOps.push(op);
            this.diskDone.push(onDurable);
          },
          writeLazy: (ops: readonly DiskOp[]) => {
            for (const op of ops) this.diskOps.push(op);
          },
          recovered: () => io.disk.recovered(),
        },
        send: (to: NodeId, msgs: readonly Message[]) => this.enqueue(to, g, msgs),
        defer: (fn: () => void) => void this.deferred.push(fn),
      };
      this.replicas.push(new Replica(rio, { ...opts, diskPrefix: `g${g}/raft/`, stateDiskPrefix: `g${g}/sm/` }, makeSm(g), observerOf(g)));
    }
  }

  get groups(): readonly Replica<SM>[] {
    return this.replicas;
  }

  start(): void {
    for (const r of this.replicas) r.start();
    this.scheduleTick();
    this.flush();
  }

  /** Clean shutdown: stops timers and every replica. A crash needs no call. */
  stop(): void {
    this.stopped = true;
    this.cancelTick();
    for (const r of this.replicas) r.stop();
  }

  receive(m: NodeMessage): void {
    if (this.stopped) return;
    if (m.hlc) this.witness(m.hlc);
    this.heardMs.set(m.from, this.io.clock.nowMs());
    switch (m.type) {
      case 'raft':
        for (const b of m.groups) this.replicas[b.group]?.step(b.msgs);
        break;
      case 'call':
        this.serveCall(m);
        break;
      case 'answer':
        this.onAnswer(m.from, m.callId, m.answer);
        break;
      default:
        assertNever(m, 'node message');
    }
    this.flush();
  }

  /** This node's view of group's leader (0 when it knows none). */
  leaderOf(group: number): NodeId {
    return this.replicas[group]!.leader;
  }

  transferLeader(group: number, to: NodeId): void {
    this.replicas[group]?.transferLeader(to);
    this.flush();
  }

  /**
   * Proposes `command` in `group` at its leader and calls `reply` once: with
   * the leader's apply result, failed (not proposed: no leader before the
   * deadline), or timeout (it may have been applied); or never, if this node
   * crashes. An ok result is marked `retried` when an attempt before the one
   * answered went unanswered. See the class comment for retries.
   */
  call(group: number, requestId: string, command: Uint8Array, reply: (o: Outcome<unknown>) => void): void {
    if (this.stopped) return;
    const now = this.io.clock.nowMs();
    const id = ++this.callCounter;
    const c: PendingCall = { group, requestId, command, reply, deadlineMs: now + this.opts.requestTimeoutMs, target: 0, retryAtMs: now, awaiting: false, superseded: false };
    this.calls.set(id, c);
    this.attempt(id, c, this.leaderOf(group));
    this.flush();
  }

  /** Sends (or proposes locally) one attempt of a call to `target`, or waits for a tick when no leader is known. */
  private attempt(id: number, c: PendingCall, target: NodeId): void {
    const now = this.io.clock.nowMs();
    if (c.awaiting) c.superseded = true;
    c.awaiting = target !== 0;
    c.target = target;
    // Without an answer, try again after about one election: by then a lost message or a new leader is likely.
    c.retryAtMs = now + this.opts.tickMs * (this.opts.raft?.electionTicks ?? 10);
    if (target === 0) {
      c.retryAtMs = now + this.opts.tickMs;
      return;
    }
    if (target === this.id) {
      const replica = this.replicas[c.group]!;
      if (replica.raft.role !== 'leader' || replica.raft.transferring !== 0) return this.onAnswer(this.id, id, { status: 'not-leader', leaderHint: replica.leader === this.id ? 0 : replica.leader });
      replica.propose(c.requestId, c.command, (o) => this.onAnswer(this.id, id, o));
      return;
    }
    this.io.network.send(target, { type: 'call', from: this.id, hlc: this.stamp(), callId: id, group: c.group, requestId: c.requestId, command: c.command });
  }

  private onAnswer(from: NodeId, id: number, a: CallAnswer): void {
    const c = this.calls.get(id);
    if (!c) return; // Answered already.
    // A result from any attempt is the result; a refusal or timeout from an earlier attempt is old news.
    const current = from === c.target && c.awaiting;
    // A failure says that one attempt was not proposed. It is the call's answer
    // only when no other attempt can have been: the latest one, with none
    // unanswered before it. Otherwise an earlier attempt may sit in a log and
    // commit later, and "failed" (will not happen) would be a lie: a
    // coordinator that took a dropped retry of its commit decision for final
    // aborted the other participants while the decision committed (bank seed
    // 18265). Such a failure is a refusal of this attempt, like not-leader.
    const final = a.status === 'failed' && current && !c.superseded;
    if (a.status === 'ok' || final || (a.status === 'timeout' && current)) {
      this.calls.delete(id);
      return c.reply(a.status === 'ok' && c.superseded ? { ...a, retried: true } : a);
    }
    if (!current) return;
    // The latest attempt was refused (not-leader, or a failure that is not final), so it was not proposed.
    c.awaiting = false;
    const hint = a.status === 'not-leader' && a.leaderHint !== from ? a.leaderHint : 0;
    if (hint !== 0) this.attempt(id, c, hint);
    else c.retryAtMs = this.io.clock.nowMs() + this.opts.tickMs;
  }

  /** A call from another node: propose if we lead the group, else point at who does. */
  private serveCall(m: Extract<NodeMessage, { type: 'call' }>): void {
    const replica = this.replicas[m.group];
    const answer = (a: CallAnswer) => this.io.network.send(m.from, { type: 'answer', from: this.id, hlc: this.stamp(), callId: m.callId, answer: a });
    if (!replica) return answer({ status: 'failed', code: ErrorCode.InvalidInput, message: `no partition ${m.group}` });
    if (replica.raft.role !== 'leader' || replica.raft.transferring !== 0) {
      return answer({ status: 'not-leader', leaderHint: replica.leader === this.id ? 0 : replica.leader });
    }
    replica.propose(m.requestId, m.command, (o) => {
      answer(o);
      this.flush();
    });
  }

  private scheduleTick(): void {
    this.cancelTick = this.io.timer.after(this.opts.tickMs, () => {
      if (this.stopped) return;
      this.ticks++;
      for (const r of this.replicas) r.tick();
      this.retryCalls();
      this.onTick(this.ticks);
      const every = this.opts.balanceIntervalMs ?? 0;
      if (every > 0 && this.ticks % Math.max(1, Math.round(every / this.opts.tickMs)) === 0) this.balance();
      this.flush();
      this.scheduleTick();
    });
  }

  private retryCalls(): void {
    if (!this.calls.size) return;
    const now = this.io.clock.nowMs();
    for (const [id, c] of this.calls) {
      if (c.deadlineMs <= now) {
        this.calls.delete(id);
        c.reply(
          c.awaiting || c.superseded
            ? { status: 'timeout' }
            : { status: 'failed', code: ErrorCode.TransactionMustRetry, message: `partition ${c.group} has no leader (no quorum?); nothing was done, retry` },
        );
      } else if (c.retryAtMs <= now) this.attempt(id, c, this.leaderOf(c.group));
    }
  }

  /**
   * Spreads leadership: group g prefers voter g mod N, so P groups over N
   * nodes give each node about P/N of them. A leader hands a group to its
   * preferred node only when that node is caught up and was heard from within
   * the last few heartbeats, so a down or lagging node is simply skipped until
   * it recovers.
   */
  private balance(): void {
    const voters = this.opts.voters;
    const recentMs = 3 * this.opts.tickMs * (this.opts.raft?.heartbeatTicks ?? 2);
    const now = this.io.clock.nowMs();
    for (let g = 0; g < this.replicas.length; g++) {
      const raft = this.replicas[g]!.raft;
      if (raft.role !== 'leader' || raft.transferring !== 0) continue;
      const preferred = voters[g % voters.length]!;
      if (preferred === this.id) continue;
      const pr = raft.progress().get(preferred);
      const heard = this.heardMs.get(preferred);
      if (pr && heard !== undefined && now - heard <= recentMs && pr.match >= raft.log.committed) this.replicas[g]!.transferLeader(preferred);
    }
  }

  private enqueue(to: NodeId, group: number, msgs: readonly Message[]): void {
    let q = this.outbox.get(to);
    if (!q) this.outbox.set(to, (q = []));
    q.push({ group, msgs });
  }

  /**
   * Ends an event: writes every group's queued disk ops as one batch (one
   * fsync for all of them; batches stay in the order written, and each
   * group's callbacks run in order once it is durable), and sends everything
   * queued for the network, one frame per peer. When every op of the event
   * came through writeLazy nobody waits for them, and the batch is lazy too;
   * otherwise the lazy ops ride in the durable batch, in their order.
   */
  protected flush(): void {
    this.flushIo();
    // Deferred work (applying committed entries) runs with the write it
    // follows already under way; what it queues goes out the same way.
    while (this.deferred.length && !this.stopped) {
      const work = this.deferred;
      this.deferred = [];
      for (const fn of work) fn();
      this.flushIo();
    }
  }

  private flushIo(): void {
    if (this.diskDone.length) {
      const done = this.diskDone;
      this.io.disk.write(this.diskOps, () => {
        for (const cb of done) cb();
        this.flush();
      });
      this.diskOps = [];
      this.diskDone = [];
    } else if (this.diskOps.length) {
      this.io.disk.writeLazy(this.diskOps);
      this.diskOps = [];
    }
    if (!this.outbox.size) return;
    const hlc = this.stamp();
    for (const [to, groups] of this.outbox) this.io.network.send(to, { type: 'raft', from: this.id, hlc, groups });
    this.outbox.clear();
  }

  /** The timestamp outgoing messages carry; hosts with a hybrid logical clock override it. */
  protected stamp(): Timestamp | undefined {
    return undefined;
  }

  /** Called with every received message's timestamp before the message is handled. */
  protected witness(_ts: Timestamp): void {}

  /** Called once per tick after every replica ticked; subclasses run periodic work here. */
  protected onTick(_ticks: number): void {}
}
