import type { ReplicaObserver } from '../../core/cluster/replica.js';
import type { Raft } from '../../core/raft/raft.js';
import type { ReplicatedStateMachine } from '../../core/cluster/replica.js';
import type { Entry, NodeId, Ready, Role, Snapshot } from '../../core/raft/types.js';
import { Hasher } from '../../core/util/hash.js';

/**
 * Digests are sampled at every DIGEST_EVERY-th index early in a log, then
 * sparser as the log (and with it, usually, the state) grows: a digest is a
 * pass over the whole state, and a divergence persists, so a sparser sample
 * still finds it. The stride depends on the index alone, so every replica
 * samples the same indexes.
 */
const DIGEST_EVERY = 8;

function digestStride(index: number): number {
  return index < 256 ? DIGEST_EVERY : index < 2048 ? 4 * DIGEST_EVERY : 16 * DIGEST_EVERY;
}

/**
 * First-seen chain values by (index, term): per index a short flat list of
 * term, value pairs (one pair unless terms competed for that index).
 */
class ChainRegistry {
  private byIndex: number[][] = [];

  get(index: number, term: number): number | undefined {
    const pairs = this.byIndex[index];
    if (pairs) for (let k = 0; k < pairs.length; k += 2) if (pairs[k] === term) return pairs[k + 1];
    return undefined;
  }

  set(index: number, term: number, h: number): void {
    while (this.byIndex.length <= index) this.byIndex.push([]);
    this.byIndex[index]!.push(term, h);
  }
}

/** One hasher for the checker's short-lived hashes; each use starts with reset() and ends with value(). */
const scratch = new Hasher();

/** Slots of a DataHashes cache; a power of two. */
const DATA_HASH_SLOTS = 1024;

/**
 * Hashes of entry payloads, cached by log index. Entry payloads are
 * immutable and, in the simulator, the very same array on every replica
 * that holds the entry, so each is hashed about once: the slot of an index
 * remembers the last payload hashed there, and a lookup is one identity
 * comparison. A different payload at that index (a conflicting entry, an
 * entry decoded from disk at a restart, an index 1024 further on) is simply
 * hashed and takes the slot; a hit is always right, because the payload is
 * the same object.
 */
class DataHashes {
  private data: (Uint8Array | null)[] = new Array<Uint8Array | null>(DATA_HASH_SLOTS).fill(null);
  private hashes = new Float64Array(DATA_HASH_SLOTS);

  of(index: number, d: Uint8Array): number {
    const k = index & (DATA_HASH_SLOTS - 1);
    if (this.data[k] === d) return this.hashes[k]!;
    const h = scratch.reset().bytes(d).value();
    this.data[k] = d;
    this.hashes[k] = h;
    return h;
  }
}

/** A node's chain values by log index, from `base` on; -1 where unknown. Arrays, not maps: this is on every persist. */
class ChainLog {
  private vals: number[] = [];
  constructor(private base: number) {}

  get(i: number): number {
    const k = i - this.base;
    return k >= 0 && k < this.vals.length ? this.vals[k]! : -1;
  }

  /** Sets the value at i, dropping everything after it (i is at most one past the end). */
  set(i: number, h: number): void {
    const k = i - this.base;
    if (k < 0) return;
    const vals = this.vals;
    while (vals.length < k) vals.push(-1);
    // Appending at the end is the common case; only a rewrite of the tail truncates.
    if (vals.length > k) vals.length = k;
    vals.push(h);
  }

  /** Forgets indexes >= i (a truncation). */
  truncate(i: number): void {
    const k = Math.max(0, i - this.base);
    if (k < this.vals.length) this.vals.length = k;
  }
}

/** One link of a log's hash chain (53-bit values): the chain up to the previous entry, this entry's term and payload hash. */
function chainStep(prev: number, term: number, data: number): number {
  return scratch.reset().num(prev).num(term).num(data).value();
}

/**
 * Checks Raft's safety properties as they happen, standing apart from the
 * code it checks: it only watches what nodes persist, apply and become.
 *
 *  - Election safety: at most one leader per term.
 *  - Log matching: two logs holding an entry with the same index and term hold
 *    the same entries up to it (checked with a hash chain over each node's log).
 *  - Leader completeness: a new leader holds every entry applied anywhere that
 *    was committed in an earlier term than its own.
 *  - State machine safety: every node applies the same entry at an index, in
 *    order, without gaps; and replicas' state digests agree (sampled at indexes spaced by digestStride,
 *    at snapshots, and at the end of the run).
 */
export class RaftSafetyChecker implements ReplicaObserver {
  readonly violations: string[] = [];
  leadersElected = 0;
  campaigns = 0;
  snapshotsInstalled = 0;
  private leaderOfTerm = new Map<number, NodeId>();
  /**
   * Applied entries by index: their term, data hash, and the highest term any
   * node had when the entry was first applied. The entry was committed in a
   * term no later than that, so every leader of a later term must hold it.
   */
  private applied: ({ term: number; hash: number; committedByTerm: number } | undefined)[] = [];
  private maxTerm = 0;
  private maxApplied = 0;
  /** Hash chain value of the log prefix ending at (index, term), as first seen. */
  private chainAt = new ChainRegistry();
  /** Per node: chain value at each index of its log. */
  private chains = new Map<NodeId, ChainLog>();
  private lastApplied = new Map<NodeId, number>();
  private digests = new Map<number, string>();
  private dataHashes = new DataHashes();

  constructor(
    private readonly nodeOf: (id: NodeId) => { readonly raft: Raft } | null,
    private readonly now: () => number,
  ) {}

  private fail(msg: string): void {
    if (this.violations.length < 20) this.violations.push(`t=${this.now().toFixed(1)}ms ${msg}`);
  }

  onRole(id: NodeId, role: Role, term: number): void {
    this.maxTerm = Math.max(this.maxTerm, term);
    if (role === 'candidate') this.campaigns++;
    if (role !== 'leader') return;
    this.leadersElected++;
    const prev = this.leaderOfTerm.get(term);
    if (prev !== undefined && prev !== id) this.fail(`election safety: nodes ${prev} and ${id} both leaders in term ${term}`);
    this.leaderOfTerm.set(term, id);
    const node = this.nodeOf(id);
    if (!node) return;
    const log = node.raft.log;
    for (let i = Math.max(1, log.firstIndex()); i <= this.maxApplied; i++) {
      const want = this.applied[i];
      // A leader of an earlier term than the commit's (a stale one, elected by
      // delayed votes) need not hold the entry: it can commit nothing.
      if (!want || term <= want.committedByTerm) continue;
      const have = log.term(i);
      if (have !== want.term) {
        this.fail(`leader completeness: new leader ${id} (term ${term}) has term ${have} at index ${i}, applied entry has term ${want.term}`);
        return;
      }
    }
  }

  /** A node (re)started from its disk: rebuild what we track of it. */
  onStart(id: NodeId, node: { readonly raft: Raft }): void {
    const log = node.raft.log;
    const base = log.firstIndex() - 1;
    const chain = new ChainLog(base);
    const baseHash = base === 0 ? 0 : this.chainAt.get(base, log.term(base)!);
    if (baseHash !== undefined) chain.set(base, baseHash);
    this.chains.set(id, chain);
    const entries = log.slice(log.firstIndex(), log.lastIndex() + 1) ?? [];
    this.extendChain(id, chain, entries);
    this.lastApplied.set(id, log.applied);
  }

  onPersisted(id: NodeId, rd: Ready): void {
    let chain = this.chains.get(id);
    if (!chain) {
      // A node seen for the first time starts from the empty log, whose chain value is 0.
      this.chains.set(id, (chain = new ChainLog(0)));
      chain.set(0, 0);
    }
    if (rd.snapshot) {
      const m = rd.snapshot.meta;
      this.chains.set(id, (chain = new ChainLog(m.index)));
      const h = this.chainAt.get(m.index, m.term);
      if (h !== undefined) chain.set(m.index, h);
    }
    if (rd.entries.length) {
      chain.truncate(rd.entries[0]!.index);
      this.extendChain(id, chain, rd.entries);
    }
  }

  private extendChain(id: NodeId, chain: ChainLog, entries: readonly Entry[]): void {
    for (const e of entries) {
      const prev = chain.get(e.index - 1);
      if (prev < 0) continue;
      const h = chainStep(prev, e.term, this.dataHashes.of(e.index, e.data));
      chain.set(e.index, h);
      const seen = this.chainAt.get(e.index, e.term);
      if (seen === undefined) this.chainAt.set(e.index, e.term, h);
      else if (seen !== h) this.fail(`log matching: node ${id} holds (index ${e.index}, term ${e.term}) with a different log prefix than another node`);
    }
  }

  onApplied(id: NodeId, e: Entry, sm: ReplicatedStateMachine): void {
    const last = this.lastApplied.get(id) ?? 0;
    if (e.index !== last + 1) this.fail(`apply order: node ${id} applied index ${e.index} after ${last}`);
    this.lastApplied.set(id, e.index);
    const hash = this.dataHashes.of(e.index, e.data);
    const want = this.applied[e.index];
    if (!want) {
      this.applied[e.index] = { term: e.term, hash, committedByTerm: Math.max(this.maxTerm, e.term) };
      this.maxApplied = Math.max(this.maxApplied, e.index);
    } else if (want.term !== e.term || want.hash !== hash) {
      this.fail(`state machine safety: node ${id} applied (index ${e.index}, term ${e.term}) but another node applied term ${want.term} there`);
    }
    if (e.index % digestStride(e.index) === 0) this.checkDigest(id, e.index, sm);
  }

  onSnapshotInstalled(id: NodeId, s: Snapshot, sm: ReplicatedStateMachine): void {
    this.snapshotsInstalled++;
    this.lastApplied.set(id, s.meta.index);
    this.checkDigest(id, s.meta.index, sm);
  }

  private checkDigest(id: NodeId, index: number, sm: ReplicatedStateMachine): void {
    const d = sm.digest();
    const seen = this.digests.get(index);
    if (seen === undefined) this.digests.set(index, d);
    else if (seen !== d) this.fail(`replica divergence: node ${id} state digest at index ${index} differs from another replica's`);
  }
}
