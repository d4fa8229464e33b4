import { assert, assertNever } from '../assert.js';
import { RaftLog } from './log.js';
import { Progress } from './progress.js';
import { ReadOnly, type PendingRead } from './read-only.js';
import {
  NONE,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type RaftConfig,
  type RaftStorageState,
  type ReadState,
  type Ready,
  type Role,
  type Snapshot,
} from './types.js';

type Campaign = 'pre-election' | 'election' | 'transfer';

/**
 * Shared empty lists for a Ready's empty fields, so that a Ready allocates
 * only what it carries. A Ready's lists are readonly to its host; the live
 * `msgs` and `readStates` arrays are handed out only when non-empty (and then
 * replaced), never shared with a Ready while Raft still appends to them.
 */
const NO_MESSAGES: readonly Message[] = [];
const NO_READ_STATES: readonly ReadState[] = [];
const NO_ENTRIES: readonly Entry[] = [];

/** Observers the simulator's checkers attach; the core never depends on them. */
export interface RaftObserver {
  onRole?(id: NodeId, role: Role, term: number): void;
}

/**
 * One Raft group member as a synchronous step machine in the etcd-raft shape.
 * It owns no I/O, no clock and no timers: the host calls tick(), step(),
 * propose(), readIndex() and transferLeader(), then drains ready() and calls
 * advance() once it has done what the Ready asks (see Ready in types.ts).
 *
 * The role lives in the swappable `stepRole` and `tickRole` functions, which
 * only becomeFollower/PreCandidate/Candidate/Leader set.
 */
export class Raft {
  readonly id: NodeId;
  readonly cfg: RaftConfig;
  readonly log: RaftLog;

  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  role: Role = 'follower';

  private prs = new Map<NodeId, Progress>();
  private votes = new Map<NodeId, boolean>();
  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTicks = 0;
  private leadTransferee: NodeId = NONE;
  private readonly reads = new ReadOnly();
  private readonly matchScratch: number[] = [];
  private prevHardState: HardState;
  /**
   * Where snapshots for lagging followers come from, when the host keeps its
   * state machine on disk as records and compacts without encoding it (see
   * Replica.maybeCompact): called only when a snapshot is about to be sent,
   * it returns the state machine's image at its applied index, which is at
   * least the log's compaction point. Null: send log.snapshot, which the host
   * took at compaction.
   */
  snapshotSource: (() => Snapshot) | null = null;
  private stepRole: (m: Message) => void = () => {};
  private tickRole: () => void = () => {};

  /**
   * @param randomInt returns an integer in [0, n); the only randomness Raft uses (election timeouts).
   */
  constructor(
    cfg: RaftConfig,
    stored: RaftStorageState,
    private readonly randomInt: (n: number) => number,
    private readonly observer: RaftObserver = {},
  ) {
    assert(cfg.voters.includes(cfg.id), 'a node must be one of the voters');
    assert(cfg.heartbeatTicks >= 1 && cfg.heartbeatTicks < cfg.electionTicks, 'need 1 <= heartbeatTicks < electionTicks');
    this.id = cfg.id;
    this.cfg = cfg;
    const snapIndex = stored.snapshot?.meta.index ?? 0;
    // An applied entry was committed, even if the hard state recording that was not yet written.
    const applied = Math.max(snapIndex, stored.applied ?? 0);
    this.log = new RaftLog({
      entries: stored.entries,
      prevIndex: stored.firstIndexMinusOne,
      prevTerm: stored.firstTermMinusOne,
      committed: Math.max(stored.hardState.commit, applied),
      applied,
      snapshot: stored.snapshot,
    });
    this.prevHardState = stored.hardState;
    this.becomeFollower(stored.hardState.term, NONE);
    this.vote = stored.hardState.vote;
  }

  // ---- Public API ----------------------------------------------------------

  tick(): void {
    this.tickRole();
  }

  /** Starts an election now (as a timeout would), through pre-vote when enabled. */
  campaignNow(): void {
    if (this.role !== 'leader') this.campaign(this.cfg.preVote ? 'pre-election' : 'election');
  }

  /**
   * Proposes commands. Returns false when the proposal is dropped for sure
   * (no known leader, a leadership transfer in progress, or uncommittedEntriesMax
   * reached at the leader); true means it was appended or forwarded, not that
   * it will commit.
   */
  propose(data: readonly Uint8Array[]): boolean {
    return this.handleProposal({ type: 'prop', from: this.id, to: this.id, term: 0, entries: data }, true);
  }

  /**
   * Asks for a linearizable read point for `ctx`. The answer arrives later as a
   * ReadState in a Ready (or never, if leadership changes). Returns false when
   * no leader is known to ask.
   */
  readIndex(ctx: number): boolean {
    if (this.role === 'leader') {
      this.leaderReadIndex(ctx, this.id);
      return true;
    }
    if (this.lead === NONE) return false;
    this.send({ type: 'read-index', from: this.id, to: this.lead, term: this.term, ctx });
    return true;
  }

  /** Hands leadership to `to` (leader only): it is caught up, then told to campaign at once. */
  transferLeader(to: NodeId): void {
    if (this.role !== 'leader' || to === this.id || !this.prs.has(to)) return;
    if (this.leadTransferee === to) return;
    this.leadTransferee = to;
    // The transfer must finish within one election timeout or it is abandoned.
    this.electionElapsed = 0;
    const pr = this.prs.get(to)!;
    if (pr.match === this.log.lastIndex()) this.send({ type: 'timeout-now', from: this.id, to, term: this.term });
    else this.sendAppend(to);
  }

  get transferring(): NodeId {
    return this.leadTransferee;
  }

  /** Feeds one message from the network. */
  step(m: Message): void {
    assert(m.to === this.id, 'message for another node');
    if (!this.checkTerm(m)) return;
    switch (m.type) {
      case 'vote':
        this.handleVoteRequest(m);
        return;
      case 'prop':
        // Only local proposals are forwarded; a forwarded one that reaches a
        // non-leader is dropped, so stale leader hints cannot bounce it around.
        this.handleProposal(m, false);
        return;
      default:
        this.stepRole(m);
    }
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  hasReady(): boolean {
    const prev = this.prevHardState;
    return (
      this.msgs.length > 0 ||
      this.readStates.length > 0 ||
      this.log.pendingSnapshot !== null ||
      this.log.stable < this.log.lastIndex() ||
      this.log.hasNextCommitted() ||
      prev.term !== this.term ||
      prev.vote !== this.vote ||
      prev.commit !== this.log.committed
    );
  }

  ready(): Ready {
    const prev = this.prevHardState;
    // The hard state is a new object only when it changed; otherwise the previous one stands for it.
    const changed = prev.term !== this.term || prev.vote !== this.vote || prev.commit !== this.log.committed;
    const hs = changed ? this.hardState() : prev;
    const rd: Ready = {
      hardState: changed ? hs : null,
      entries: this.log.unstableEntries(),
      snapshot: this.log.pendingSnapshot,
      messages: this.msgs.length ? this.msgs : NO_MESSAGES,
      committed: this.log.pendingSnapshot ? NO_ENTRIES : this.log.nextCommitted(),
      readStates: this.readStates.length ? this.readStates : NO_READ_STATES,
    };
    if (this.msgs.length) this.msgs = [];
    if (this.readStates.length) this.readStates = [];
    this.prevHardState = hs;
    return rd;
  }

  /** Acknowledges that the host did everything `rd` asked. */
  advance(rd: Ready): void {
    if (rd.snapshot) {
      if (this.log.pendingSnapshot === rd.snapshot) this.log.pendingSnapshot = null;
      this.log.appliedTo(rd.snapshot.meta.index);
    }
    if (rd.entries.length) {
      const last = rd.entries[rd.entries.length - 1]!;
      this.log.stableTo(last.index, last.term);
    }
    if (rd.committed.length) this.log.appliedTo(rd.committed[rd.committed.length - 1]!.index);
    // The leader counts its own vote for an entry only once the entry is durable here.
    if (this.role === 'leader') {
      this.prs.get(this.id)!.maybeUpdate(this.log.stable);
      if (this.maybeCommit()) this.bcastCommit();
    }
  }

  /**
   * Records a snapshot of the state machine the host took at `s.meta.index`
   * (<= applied) and discards log entries up to `compactIndex` (<= that index),
   * keeping the tail for followers that are only a little behind.
   */
  compact(s: Snapshot, compactIndex: number): void {
    assert(s.meta.index <= this.log.applied && compactIndex <= s.meta.index, 'bad compaction');
    if (!this.log.snapshot || this.log.snapshot.meta.index < s.meta.index) this.log.snapshot = s;
    this.log.compact(compactIndex);
  }

  /** The leader's view of each follower, for status pages and checkers. */
  progress(): ReadonlyMap<NodeId, Readonly<Progress>> {
    return this.prs;
  }

  // ---- Roles ---------------------------------------------------------------

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTicks = this.cfg.electionTicks + this.randomInt(this.cfg.electionTicks);
    this.leadTransferee = NONE;
    this.votes = new Map();
    this.reads.reset();
    this.prs = new Map();
    for (const v of this.cfg.voters) {
      const pr = new Progress(this.log.lastIndex() + 1, this.cfg.inflightMsgsMax);
      if (v === this.id) pr.match = this.log.stable;
      this.prs.set(v, pr);
    }
  }

  private setRole(role: Role): void {
    this.role = role;
    this.observer.onRole?.(this.id, role, this.term);
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.stepRole = this.stepFollower;
    this.tickRole = this.tickElection;
    this.reset(term);
    this.lead = lead;
    this.setRole('follower');
  }

  private becomePreCandidate(): void {
    assert(this.role !== 'leader', 'leader cannot become pre-candidate');
    // A pre-candidate keeps its term and vote: a pre-vote changes no durable state.
    this.stepRole = this.stepCandidate;
    this.tickRole = this.tickElection;
    this.votes = new Map();
    this.lead = NONE;
    this.setRole('pre-candidate');
  }

  private becomeCandidate(): void {
    assert(this.role !== 'leader', 'leader cannot become candidate');
    this.stepRole = this.stepCandidate;
    this.tickRole = this.tickElection;
    this.reset(this.term + 1);
    this.vote = this.id;
    this.setRole('candidate');
  }

  private becomeLeader(): void {
    assert(this.role === 'candidate', 'only a candidate becomes leader');
    this.stepRole = this.stepLeader;
    this.tickRole = this.tickHeartbeat;
    this.reset(this.term);
    this.lead = this.id;
    for (const pr of this.prs.values()) pr.recentActive = true;
    this.prs.get(this.id)!.becomeReplicate();
    this.setRole('leader');
    // An empty entry of the new term lets the leader commit (Figure 8) and learn its commit index.
    this.appendEntries([new Uint8Array(0)]);
  }

  // ---- Ticks ---------------------------------------------------------------

  private tickElection = (): void => {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedElectionTicks) {
      this.electionElapsed = 0;
      this.campaignNow();
    }
  };

  private tickHeartbeat = (): void => {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) {
        if (!this.quorumActive()) {
          this.becomeFollower(this.term, NONE);
          return;
        }
        for (const [id, pr] of this.prs) pr.recentActive = id === this.id;
      }
      this.leadTransferee = NONE;
    }
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue;
      pr.stateTicks++;
      // A snapshot message may be lost: after an election timeout, probe again.
      if (pr.state === 'snapshot' && pr.stateTicks >= this.cfg.electionTicks) pr.becomeProbe();
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  };

  // ---- Elections -----------------------------------------------------------

  private campaign(kind: Campaign): void {
    let voteTerm: number;
    if (kind === 'pre-election') {
      this.becomePreCandidate();
      voteTerm = this.term + 1;
    } else {
      this.becomeCandidate();
      voteTerm = this.term;
    }
    if (this.poll(this.id, true) === 'won') {
      if (kind === 'pre-election') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    for (const v of this.cfg.voters) {
      if (v === this.id) continue;
      this.send({
        type: 'vote',
        from: this.id,
        to: v,
        term: voteTerm,
        pre: kind === 'pre-election',
        lastIndex: this.log.lastIndex(),
        lastTerm: this.log.lastTerm(),
        force: kind === 'transfer',
      });
    }
  }

  private poll(id: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (!this.votes.has(id)) this.votes.set(id, granted);
    let yes = 0;
    let no = 0;
    for (const g of this.votes.values()) g ? yes++ : no++;
    const q = this.quorum();
    if (yes >= q) return 'won';
    if (no > this.cfg.voters.length - q) return 'lost';
    return 'pending';
  }

  private quorum(): number {
    return Math.floor(this.cfg.voters.length / 2) + 1;
  }

  private quorumActive(): boolean {
    let n = 0;
    for (const [id, pr] of this.prs) if (id === this.id || pr.recentActive) n++;
    return n >= this.quorum();
  }

  /**
   * Applies the term rules every message goes through. Returns false when the
   * message must be dropped (it is stale, or disruptive while we have a lease).
   */
  private checkTerm(m: Message): boolean {
    if (m.type === 'prop') return true;
    if (m.term > this.term) {
      if (m.type === 'vote') {
        // With check-quorum, a follower that heard from a leader within the
        // election timeout ignores campaigns: a node rejoining from a partition
        // cannot depose a healthy leader. A transfer forces through.
        const inLease = this.cfg.checkQuorum && this.lead !== NONE && this.electionElapsed < this.cfg.electionTicks;
        if (!m.force && inLease) return false;
        if (m.pre) return true; // a pre-vote never changes our term
      }
      if (m.type === 'vote-resp' && m.pre && !m.reject) return true; // granted pre-vote at our future term
      const lead = m.type === 'app' || m.type === 'heartbeat' || m.type === 'commit' || m.type === 'snap' ? m.from : NONE;
      this.becomeFollower(m.term, lead);
      return true;
    }
    if (m.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === 'app' || m.type === 'heartbeat' || m.type === 'commit')) {
        // A leader cut off by a partition learns of the new term and steps down;
        // without this it could keep a rejoined follower from campaigning.
        this.send({ type: 'app-resp', from: this.id, to: m.from, term: this.term, index: 0, reject: false, hintIndex: 0, hintTerm: 0 });
      } else if (m.type === 'vote' && m.pre) {
        this.send({ type: 'vote-resp', from: this.id, to: m.from, term: this.term, pre: true, reject: true });
      }
      return false;
    }
    return true;
  }

  private handleVoteRequest(m: Extract<Message, { type: 'vote' }>): void {
    const canVote = this.vote === m.from || (this.vote === NONE && this.lead === NONE) || (m.pre && m.term > this.term);
    if (canVote && this.log.isUpToDate(m.lastIndex, m.lastTerm)) {
      // A pre-vote is answered at the term it asks about, so the candidate can count it.
      this.send({ type: 'vote-resp', from: this.id, to: m.from, term: m.term, pre: m.pre, reject: false });
      if (!m.pre) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: 'vote-resp', from: this.id, to: m.from, term: this.term, pre: m.pre, reject: true });
    }
  }

  // ---- Role step functions -------------------------------------------------

  private stepFollower = (m: Message): void => {
    switch (m.type) {
      case 'app':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case 'commit':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.followCommit(m.commit);
        return;
      case 'snap':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case 'timeout-now':
        this.campaign('transfer');
        return;
      case 'read-index':
        if (this.lead !== NONE) this.send({ ...m, to: this.lead });
        return;
      case 'read-index-resp':
        if (!m.reject) this.readStates.push({ ctx: m.ctx, index: m.index });
        return;
      case 'app-resp':
      case 'heartbeat-resp':
      case 'vote':
      case 'vote-resp':
      case 'prop':
        return;
      default:
        assertNever(m, 'message');
    }
  };

  private stepCandidate = (m: Message): void => {
    switch (m.type) {
      case 'app':
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case 'commit':
        this.becomeFollower(m.term, m.from);
        this.followCommit(m.commit);
        return;
      case 'snap':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case 'vote-resp': {
        if (m.pre !== (this.role === 'pre-candidate')) return;
        const result = this.poll(m.from, !m.reject);
        if (result === 'won') {
          if (this.role === 'pre-candidate') this.campaign('election');
          else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (result === 'lost') {
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
      case 'read-index':
      case 'read-index-resp':
      case 'timeout-now':
      case 'app-resp':
      case 'heartbeat-resp':
      case 'vote':
      case 'prop':
        return;
      default:
        assertNever(m, 'message');
    }
  };

  private stepLeader = (m: Message): void => {
    switch (m.type) {
      case 'app-resp':
        this.handleAppendResponse(m);
        return;
      case 'heartbeat-resp':
        this.handleHeartbeatResponse(m);
        return;
      case 'read-index':
        this.leaderReadIndex(m.ctx, m.from);
        return;
      case 'app':
      case 'heartbeat':
      case 'commit':
      case 'snap':
        // Two leaders in one term would break election safety.
        assert(false, () => `leader ${this.id} got ${m.type} from ${m.from} in its own term ${this.term}`);
        return;
      case 'vote-resp':
      case 'read-index-resp':
      case 'timeout-now':
      case 'vote':
      case 'prop':
        return;
      default:
        assertNever(m, 'message');
    }
  };

  // ---- Proposals and replication ------------------------------------------

  private handleProposal(m: Extract<Message, { type: 'prop' }>, local: boolean): boolean {
    if (this.role === 'leader') {
      if (this.leadTransferee !== NONE) return false;
      if (this.log.lastIndex() - this.log.committed >= this.cfg.uncommittedEntriesMax) return false;
      this.appendEntries(m.entries);
      this.bcastAppend();
      return true;
    }
    if (!local || this.lead === NONE || this.role !== 'follower') return false;
    this.send({ type: 'prop', from: this.id, to: this.lead, term: this.term, entries: m.entries });
    return true;
  }

  private appendEntries(data: readonly Uint8Array[]): void {
    let index = this.log.lastIndex();
    this.log.append(data.map((d) => ({ term: this.term, index: ++index, data: d })));
  }

  /**
   * Advances commit to the highest index a quorum holds durably, but only if
   * that entry is of the current term: counting replicas of an older term's
   * entry is unsafe (the Raft paper's Figure 8).
   */
  protected maybeCommit(): boolean {
    const mci = this.quorumMatch();
    if (mci > this.log.committed && this.log.term(mci) === this.term) {
      this.log.commitTo(mci);
      this.onLeaderCommit();
      return true;
    }
    return false;
  }

  /** The highest index that a quorum holds durably: the quorum-th largest match. */
  private quorumMatch(): number {
    const m = this.matchScratch;
    m.length = 0;
    for (const pr of this.prs.values()) {
      // Insertion into a short descending list; groups have a handful of voters.
      let i = m.length;
      m.push(pr.match);
      while (i > 0 && m[i - 1]! < pr.match) {
        m[i] = m[i - 1]!;
        i--;
      }
      m[i] = pr.match;
    }
    return m[this.quorum() - 1]!;
  }

  private sendAppend(to: NodeId, sendIfEmpty = true): boolean {
    const pr = this.prs.get(to)!;
    if (pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const entries = this.log.entries(pr.next, pr.next + this.cfg.entriesPerMsgMax);
    if (prevTerm === undefined || entries === null) return this.sendSnapshot(to, pr);
    if (!entries.length && !sendIfEmpty) return false;
    this.send({ type: 'app', from: this.id, to, term: this.term, prevIndex, prevTerm, entries, commit: this.log.committed });
    pr.commitSent = Math.max(pr.commitSent, Math.min(this.log.committed, prevIndex + entries.length));
    if (entries.length) {
      const last = entries[entries.length - 1]!.index;
      if (pr.state === 'replicate') {
        pr.next = last + 1;
        pr.inflight.push(last);
      } else if (pr.state === 'probe') pr.probeSent = true;
    } else if (pr.state === 'probe') pr.probeSent = true;
    return true;
  }

  /**
   * Tells a follower the commit index, up to what it has acknowledged (it may
   * commit only entries it is known to hold); nothing when it knows already.
   */
  private sendCommit(to: NodeId, pr: Progress): void {
    const commit = this.commitFor(pr);
    if (commit <= pr.commitSent) return;
    this.send({ type: 'commit', from: this.id, to, term: this.term, commit });
    pr.commitSent = commit;
  }

  /** The commit index a follower may be told without an append: it may commit only entries it is known to hold. */
  private commitFor(pr: Progress): number {
    return Math.min(pr.match, this.log.committed);
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    assert(this.log.snapshot !== null, 'log compacted without a snapshot');
    if (!pr.recentActive) return false;
    const snap = this.snapshotSource ? this.snapshotSource() : this.log.snapshot;
    assert(snap.meta.index >= this.log.firstIndex() - 1, 'a snapshot to send must reach the log');
    this.send({ type: 'snap', from: this.id, to, term: this.term, snapshot: snap });
    pr.becomeSnapshot(snap.meta.index);
    return true;
  }

  private bcastAppend(): void {
    for (const id of this.prs.keys()) if (id !== this.id) this.sendAppend(id);
  }

  /** After the commit index moved: each follower gets new entries, or only the commit index (see sendCommitOrAppend). */
  private bcastCommit(): void {
    for (const [id, pr] of this.prs) if (id !== this.id) this.sendCommitOrAppend(id, pr);
  }

  /**
   * A follower in replicate state that has been sent every entry would get an
   * empty append, only to carry the commit index, and its acknowledgement would
   * tell us nothing: it gets a 'commit' message instead, which it does not
   * answer (two of the eight messages of a lone write on three nodes). Any
   * other follower gets an append as before: in probe state its answer is the
   * point, and an empty append is also how a lost append is found (the follower
   * rejects it), which the heartbeat response path still does.
   */
  private sendCommitOrAppend(to: NodeId, pr: Progress): void {
    if (pr.state === 'replicate' && pr.next > this.log.lastIndex()) this.sendCommit(to, pr);
    else this.sendAppend(to);
  }

  private bcastHeartbeat(): void {
    const ctx = this.reads.lastSeq;
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue;
      const commit = this.commitFor(pr);
      this.send({ type: 'heartbeat', from: this.id, to: id, term: this.term, commit, ctx });
      pr.commitSent = Math.max(pr.commitSent, commit);
    }
  }

  private handleAppend(m: Extract<Message, { type: 'app' }>): void {
    if (m.prevIndex < this.log.committed) {
      this.send({ type: 'app-resp', from: this.id, to: m.from, term: this.term, index: this.log.committed, reject: false, hintIndex: 0, hintTerm: 0 });
      return;
    }
    const last = this.log.maybeAppend(m.prevIndex, m.prevTerm, m.commit, m.entries);
    if (last !== null) {
      this.send({ type: 'app-resp', from: this.id, to: m.from, term: this.term, index: last, reject: false, hintIndex: 0, hintTerm: 0 });
      return;
    }
    const hintIndex = this.log.findConflictByTerm(Math.min(m.prevIndex, this.log.lastIndex()), m.prevTerm);
    const hintTerm = this.log.term(hintIndex) ?? 0;
    this.send({ type: 'app-resp', from: this.id, to: m.from, term: this.term, index: m.prevIndex, reject: true, hintIndex, hintTerm });
  }

  private handleHeartbeat(m: Extract<Message, { type: 'heartbeat' }>): void {
    this.followCommit(m.commit);
    this.send({ type: 'heartbeat-resp', from: this.id, to: m.from, term: this.term, ctx: m.ctx });
  }

  /**
   * Commits up to a commit index a heartbeat or a 'commit' message brought:
   * the leader bounds it by what it knows we hold (commitFor), and the end of
   * our log bounds it too. Neither message is answered for this.
   */
  private followCommit(commit: number): void {
    this.log.commitTo(Math.min(commit, this.log.lastIndex()));
  }

  private handleSnapshot(m: Extract<Message, { type: 'snap' }>): void {
    const s = m.snapshot;
    let index: number;
    if (s.meta.index <= this.log.committed) {
      index = this.log.committed;
    } else if (this.log.matchTerm(s.meta.index, s.meta.term)) {
      // We already hold the snapshot's last entry: just commit up to it. The
      // answer names only what is committed, never our whole log: entries past
      // the snapshot may be a stale tail from an older term.
      this.log.commitTo(s.meta.index);
      index = this.log.committed;
    } else {
      this.log.restore(s);
      index = s.meta.index;
    }
    this.send({ type: 'app-resp', from: this.id, to: m.from, term: this.term, index, reject: false, hintIndex: 0, hintTerm: 0 });
  }

  private handleAppendResponse(m: Extract<Message, { type: 'app-resp' }>): void {
    const pr = this.prs.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    if (m.reject) {
      let next = m.index;
      if (m.hintTerm > 0) next = this.log.findConflictByTerm(m.hintIndex, m.hintTerm);
      else next = Math.min(m.index, m.hintIndex);
      if (pr.maybeDecrTo(m.index, next)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) {
      // A stale or duplicate answer; in probe state it still tells us the follower is there.
      if (wasPaused && pr.state === 'probe') this.sendAppend(m.from, false);
      return;
    }
    if (pr.state === 'probe') pr.becomeReplicate();
    else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) pr.becomeProbe();
    else if (pr.state === 'replicate') pr.freeTo(m.index);
    if (this.maybeCommit()) this.bcastCommit();
    while (pr.next <= this.log.lastIndex() && this.sendAppend(m.from, false)) {
      // Keep the pipeline full up to the in-flight bound.
    }
    // A follower whose ack came in after the commit would otherwise learn the
    // commit index only at the next heartbeat; tell it now.
    if (pr.commitSent < this.commitFor(pr)) this.sendCommitOrAppend(m.from, pr);
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
      this.send({ type: 'timeout-now', from: this.id, to: m.from, term: this.term });
    }
  }

  private handleHeartbeatResponse(m: Extract<Message, { type: 'heartbeat-resp' }>): void {
    const pr = this.prs.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    pr.probeSent = false;
    // Appends in flight may all have been lost; free a slot so replication resumes.
    if (pr.state === 'replicate' && pr.inflight.length >= this.cfg.inflightMsgsMax) pr.inflight.shift();
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
    if (m.ctx > 0) for (const r of this.reads.ack(m.from, m.ctx, this.quorum())) this.releaseRead(r);
  }

  // ---- Linearizable reads (ReadIndex) -------------------------------------

  private leaderReadIndex(ctx: number, from: NodeId): void {
    if (this.log.term(this.log.committed) !== this.term) {
      // Until it commits an entry of its term, a new leader does not know the
      // real commit index; the read waits for that.
      this.reads.defer(ctx, from);
      return;
    }
    const index = this.log.committed;
    if (this.quorum() === 1) {
      this.releaseRead({ ctx, from, index });
      return;
    }
    this.reads.add(ctx, from, index, this.id);
    this.bcastHeartbeat();
  }

  private onLeaderCommit(): void {
    if (this.log.term(this.log.committed) !== this.term) return;
    for (const r of this.reads.takeDeferred()) this.leaderReadIndex(r.ctx, r.from);
  }

  private releaseRead(r: PendingRead): void {
    if (r.from === this.id) this.readStates.push({ ctx: r.ctx, index: r.index });
    else this.send({ type: 'read-index-resp', from: this.id, to: r.from, term: this.term, ctx: r.ctx, index: r.index, reject: false });
  }

  private send(m: Message): void {
    this.msgs.push(m);
  }
}

