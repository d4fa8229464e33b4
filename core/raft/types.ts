// The data that one Raft group exchanges and persists. Everything here is plain,
// immutable data: once an Entry or Message is created nobody mutates it, so the
// simulator may hand the same object to several nodes.

export type NodeId = number;

/** No node: a vote not cast, a leader not known. Real ids are >= 1. */
export const NONE: NodeId = 0;

/** One log entry. `data` is opaque to Raft; an empty `data` is the leader's no-op. */
export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly data: Uint8Array;
}

/** What must be durable before any message that depends on it is sent. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
}

export interface SnapshotMeta {
  /** The last log index the snapshot covers, and that entry's term. */
  readonly index: number;
  readonly term: number;
  readonly voters: readonly NodeId[];
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  /** The state machine's image at meta.index, produced and read by the application. */
  readonly data: Uint8Array;
}

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/**
 * Network messages, a union discriminated on `type`. `term` is the sender's
 * term, except for pre-votes, where it is the term the sender would campaign in.
 */
export type Message =
  | { type: 'app'; from: NodeId; to: NodeId; term: number; prevIndex: number; prevTerm: number; entries: readonly Entry[]; commit: number }
  | { type: 'app-resp'; from: NodeId; to: NodeId; term: number; index: number; reject: boolean; hintIndex: number; hintTerm: number }
  | { type: 'heartbeat'; from: NodeId; to: NodeId; term: number; commit: number; ctx: number }
  | { type: 'heartbeat-resp'; from: NodeId; to: NodeId; term: number; ctx: number }
  | { type: 'vote'; from: NodeId; to: NodeId; term: number; pre: boolean; lastIndex: number; lastTerm: number; force: boolean }
  | { type: 'vote-resp'; from: NodeId; to: NodeId; term: number; pre: boolean; reject: boolean }
  | { type: 'snap'; from: NodeId; to: NodeId; term: number; snapshot: Snapshot }
  | { type: 'timeout-now'; from: NodeId; to: NodeId; term: number }
  | { type: 'prop'; from: NodeId; to: NodeId; term: number; entries: readonly Uint8Array[] }
  | { type: 'read-index'; from: NodeId; to: NodeId; term: number; ctx: number }
  | { type: 'read-index-resp'; from: NodeId; to: NodeId; term: number; ctx: number; index: number; reject: boolean }
  /**
   * The leader's commit index for a follower that holds everything sent to it
   * (replicate state, nothing new to append): `commit` <= the follower's
   * acknowledged match, so the follower may commit up to it. Unanswered, unlike
   * an empty append, which cost the follower an acknowledgement that told the
   * leader nothing new.
   */
  | { type: 'commit'; from: NodeId; to: NodeId; term: number; commit: number };

export type MessageType = Message['type'];

/** A linearizable read point: once applied >= index, reads for `ctx` may be served. */
export interface ReadState {
  readonly ctx: number;
  readonly index: number;
}

/**
 * Work Raft hands back to its host. The host must, in order:
 *  1. persist `snapshot`, `entries` and `hardState` (atomically and durably);
 *     a Ready whose only change is the commit index need not wait for this
 *     (commit can always be learned again), only new entries, a snapshot, or a
 *     new term or vote must be durable first;
 *  2. send `messages` (they may depend on what step 1 made durable);
 *  3. install `snapshot` in the state machine if present, then apply
 *     `committed` in order, and serve `readStates` once applied reaches them;
 *  4. call `advance(ready)`. No other Ready is handed out before that.
 */
export interface Ready {
  readonly hardState: HardState | null;
  /** Entries to append; the first may overwrite (truncate) the stored log from its index on. */
  readonly entries: readonly Entry[];
  readonly snapshot: Snapshot | null;
  readonly messages: readonly Message[];
  readonly committed: readonly Entry[];
  readonly readStates: readonly ReadState[];
}

export interface RaftConfig {
  id: NodeId;
  /** Every voter of the group, this node included. */
  voters: readonly NodeId[];
  /** Ticks without hearing from a leader before a follower campaigns; the timeout is randomized in [e, 2e). */
  electionTicks: number;
  /** Ticks between a leader's heartbeats; must be < electionTicks. */
  heartbeatTicks: number;
  /** Upper bound on the entries one append message carries. */
  entriesPerMsgMax: number;
  /** Upper bound on append messages in flight to one follower in the replicate state. */
  inflightMsgsMax: number;
  /**
   * A leader drops proposals while this many entries are appended but not yet
   * committed (admission control, as etcd's MaxUncommittedEntriesSize): when
   * followers fall behind, callers fail fast and retry instead of queueing
   * work that will time out anyway and still has to be replicated.
   */
  uncommittedEntriesMax: number;
  preVote: boolean;
  checkQuorum: boolean;
}

export const DEFAULT_RAFT_CONFIG: Omit<RaftConfig, 'id' | 'voters'> = {
  electionTicks: 10,
  heartbeatTicks: 2,
  entriesPerMsgMax: 64,
  inflightMsgsMax: 16,
  uncommittedEntriesMax: 256,
  preVote: true,
  checkQuorum: true,
};

/** What a node recovers from its disk at start-up. */
export interface RaftStorageState {
  hardState: HardState;
  snapshot: Snapshot | null;
  /** Entries after the compaction point, contiguous, ascending. */
  entries: Entry[];
  /** Index and term of the entry just before entries[0] (the compaction point), 0/0 for a new log. */
  firstIndexMinusOne: number;
  firstTermMinusOne: number;
  /**
   * The index the state machine's durable state already reflects (a
   * materialized state machine), when above the snapshot's; applying resumes
   * after it. At most the last entry's index.
   */
  applied?: number;
}
