import { assert, assertNever } from '../assert.js';
import { ErrorCode } from '../errors.js';
import type { Io } from '../io.js';
import { encodeCommand, KvStateMachine } from '../kv/state-machine.js';
import type { KvReply, KvRequest } from '../kv/types.js';
import { Raft, type RaftObserver } from '../raft/raft.js';
import { RaftDiskLayout } from '../raft/storage.js';
import { DEFAULT_RAFT_CONFIG, type Entry, type Message, type NodeId, type RaftConfig, type Ready, type Snapshot } from '../raft/types.js';

/** What nodes send each other: all Raft messages of one Ready for one peer, in one frame. */
export type NodeMessage = { type: 'raft'; from: NodeId; msgs: readonly Message[] };

export interface NodeOptions {
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
  /** Builds the Raft instance; tests pass a subclass with a deliberately broken rule. */
  makeRaft?: (cfg: RaftConfig, stored: ConstructorParameters<typeof Raft>[1], randomInt: (n: number) => number, obs: RaftObserver) => Raft;
}

/** Hooks for the simulator's checkers; the node never depends on them. */
export interface NodeObserver extends RaftObserver {
  /** A Ready's snapshot and entries were made durable (before any message depending on them was sent). */
  onPersisted?(id: NodeId, rd: Ready): void;
  onApplied?(id: NodeId, entry: Entry, sm: KvStateMachine): void;
  onSnapshotInstalled?(id: NodeId, s: Snapshot, sm: KvStateMachine): void;
}

interface PendingRequest {
  reply: (r: KvReply) => void;
  deadlineMs: number;
}

/**
 * One replica: a Raft group member and the key/value state machine it applies.
 * Driven by events only: start(), receive(), request(), and the timer and disk
 * callbacks it registers through Io. It answers clients through callbacks.
 */
export class Node {
  readonly id: NodeId;
  readonly raft: Raft;
  readonly sm = new KvStateMachine();
  private readonly layout = new RaftDiskLayout('raft/');
  private writing = false;
  private stopped = false;
  private cancelTick: () => void = () => {};
  private readCtx = 0;
  /** Client writes waiting to be applied here, by "client:seq". */
  private pendingWrites = new Map<string, PendingRequest>();
  /** Reads waiting for their ReadIndex answer, by ctx. */
  private pendingReads = new Map<number, PendingRequest & { key: string }>();
  /** Reads whose read index is known, waiting for apply to reach it; ascending index. */
  private readyReads: { index: number; key: string; req: PendingRequest }[] = [];

  constructor(
    private readonly io: Io<NodeMessage>,
    private readonly opts: NodeOptions,
    private readonly observer: NodeObserver = {},
  ) {
    this.id = opts.id;
    const cfg: RaftConfig = { ...DEFAULT_RAFT_CONFIG, ...opts.raft, id: opts.id, voters: opts.voters };
    // Recovery reads the disk once; a corrupted record throws CorruptionError and the node never starts.
    const stored = this.layout.recover(io.disk.recovered());
    const randomInt = (n: number) => io.random.int(0, n - 1);
    this.raft = opts.makeRaft ? opts.makeRaft(cfg, stored, randomInt, observer) : new Raft(cfg, stored, randomInt, observer);
    if (stored.snapshot) this.sm.restore(stored.snapshot.data);
    assert(this.raft.log.applied === (stored.snapshot?.meta.index ?? 0), 'applied must start at the snapshot');
  }

  start(): void {
    this.scheduleTick();
    this.process();
  }

  /** Stops timers; used for clean shutdown. A crash needs no call: the host simply drops the node. */
  stop(): void {
    this.stopped = true;
    this.cancelTick();
  }

  receive(m: NodeMessage): void {
    if (this.stopped) return;
    switch (m.type) {
      case 'raft':
        for (const msg of m.msgs) this.raft.step(msg);
        break;
      default:
        assertNever(m.type, 'node message');
    }
    this.process();
  }

  /** Serves a client request; `reply` is called exactly once, possibly never if the node crashes. */
  request(req: KvRequest, reply: (r: KvReply) => void): void {
    if (this.stopped) return;
    const deadlineMs = this.io.clock.nowMs() + this.opts.requestTimeoutMs;
    if (req.op.f === 'get') {
      const ctx = ++this.readCtx;
      this.pendingReads.set(ctx, { reply, deadlineMs, key: req.op.key });
      if (!this.raft.readIndex(ctx)) {
        this.pendingReads.delete(ctx);
        reply(noLeader(this.id));
      }
    } else {
      const key = `${req.client}:${req.seq}`;
      if (this.pendingWrites.has(key)) return reply({ status: 'failed', code: ErrorCode.InvalidInput, message: 'duplicate request id' });
      this.pendingWrites.set(key, { reply, deadlineMs });
      if (!this.raft.propose([encodeCommand(req)])) {
        this.pendingWrites.delete(key);
        reply(noLeader(this.id));
      }
    }
    this.process();
  }

  transferLeader(to: NodeId): void {
    this.raft.transferLeader(to);
    this.process();
  }

  private scheduleTick(): void {
    this.cancelTick = this.io.timer.after(this.opts.tickMs, () => {
      if (this.stopped) return;
      this.raft.tick();
      this.expireRequests();
      this.process();
      this.scheduleTick();
    });
  }

  private expireRequests(): void {
    if (!this.pendingWrites.size && !this.pendingReads.size && !this.readyReads.length) return;
    const now = this.io.clock.nowMs();
    for (const [k, p] of this.pendingWrites) {
      if (p.deadlineMs <= now) {
        this.pendingWrites.delete(k);
        p.reply({ status: 'timeout' });
      }
    }
    for (const [k, p] of this.pendingReads) {
      if (p.deadlineMs <= now) {
        this.pendingReads.delete(k);
        p.reply({ status: 'timeout' });
      }
    }
    if (this.readyReads.length) this.readyReads = this.readyReads.filter((r) => {
      if (r.req.deadlineMs > now) return true;
      r.req.reply({ status: 'timeout' });
      return false;
    });
  }

  /**
   * Drains Raft's Ready: persist, then send, then apply, then advance. While a
   * disk write is in flight, new work accumulates in Raft and goes out in the
   * next Ready, so one fsync covers many proposals (group commit).
   */
  private process(): void {
    if (this.writing || this.stopped || !this.raft.hasReady()) return;
    const rd = this.raft.ready();
    if (!this.layout.mustSync(rd)) return this.afterPersist(rd);
    const ops = this.layout.opsForReady(rd, this.raft.hardState());
    this.writing = true;
    this.io.disk.write(ops, () => {
      this.writing = false;
      this.afterPersist(rd);
    });
  }

  private afterPersist(rd: Ready): void {
    if (this.stopped) return;
    if (rd.snapshot || rd.entries.length) this.observer.onPersisted?.(this.id, rd);
    this.sendAll(rd.messages);
    if (rd.snapshot) {
      this.sm.restore(rd.snapshot.data);
      this.observer.onSnapshotInstalled?.(this.id, rd.snapshot, this.sm);
    }
    for (const e of rd.committed) this.applyEntry(e);
    for (const rs of rd.readStates) {
      const p = this.pendingReads.get(rs.ctx);
      if (!p) continue;
      this.pendingReads.delete(rs.ctx);
      this.readyReads.push({ index: rs.index, key: p.key, req: p });
    }
    this.raft.advance(rd);
    this.serveReads();
    this.maybeCompact();
    this.process();
  }

  private applyEntry(e: Entry): void {
    if (e.data.length > 0) {
      const { req, result } = this.sm.apply(e.data);
      const key = `${req.client}:${req.seq}`;
      const p = this.pendingWrites.get(key);
      if (p) {
        this.pendingWrites.delete(key);
        p.reply({ status: 'ok', result });
      }
    }
    this.observer.onApplied?.(this.id, e, this.sm);
  }

  private serveReads(): void {
    const applied = this.raft.log.applied;
    if (!this.readyReads.length) return;
    const keep: typeof this.readyReads = [];
    for (const r of this.readyReads) {
      if (r.index <= applied) r.req.reply({ status: 'ok', result: { f: 'get', value: this.sm.read(r.key) } });
      else keep.push(r);
    }
    this.readyReads = keep;
  }

  /** Sends a Ready's messages as one frame per peer, keeping each peer's messages in order. */
  private sendAll(msgs: readonly Message[]): void {
    if (!msgs.length) return;
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
    for (let k = 0; k < peers.length; k++) this.io.network.send(peers[k]!, { type: 'raft', from: this.id, msgs: frames[k]! });
  }

  private maybeCompact(): void {
    const log = this.raft.log;
    if (this.writing || log.applied - log.firstIndex() + 1 < this.opts.snapshotEntries) return;
    const index = log.applied;
    const term = log.term(index);
    assert(term !== undefined, 'applied entry must be in the log');
    const snap: Snapshot = { meta: { index, term, voters: this.opts.voters }, data: this.sm.snapshot() };
    const compactIndex = Math.max(log.firstIndex() - 1, index - this.opts.keepEntries);
    const compactTerm = log.term(compactIndex)!;
    this.raft.compact(snap, compactIndex);
    this.writing = true;
    this.io.disk.write(this.layout.opsForCompaction(snap, compactIndex, compactTerm), () => {
      this.writing = false;
      this.process();
    });
  }

  /** For status pages and the simulator: the current leader as this node sees it. */
  get leader(): NodeId {
    return this.raft.lead;
  }
}

function noLeader(id: NodeId): KvReply {
  return { status: 'failed', code: ErrorCode.TransactionMustRetry, message: `node ${id}: no leader known, retry` };
}
