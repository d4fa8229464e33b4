import { assert } from '../assert.js';
import type { Entry, Snapshot } from './types.js';

/**
 * The empty result of entries(), unstableEntries() and nextCommitted(),
 * shared so that the common empty case allocates nothing. Typed readonly: no
 * caller may push to it.
 */
const NO_ENTRIES: readonly Entry[] = [];

/**
 * The in-memory view of one node's Raft log.
 *
 * Invariants:
 *  - ents[k].index === offset + k; entries before `offset` are compacted and
 *    the entry at offset - 1 is known only by its term (`prevTerm`).
 *  - applied <= committed <= lastIndex(), and committed never decreases.
 *  - Entries at index <= stable are durable on this node; a truncation below
 *    `stable` pulls it back, since the rewritten entries are not durable yet.
 *  - `snapshot`, when present, covers at least offset - 1.
 */
export class RaftLog {
  private ents: Entry[];
  private offset: number;
  private prevTerm: number;
  committed: number;
  applied: number;
  stable: number;
  /** The newest snapshot this node holds (sent to lagging followers). */
  snapshot: Snapshot | null;
  /** A snapshot received from the leader that the host has not yet persisted and installed. */
  pendingSnapshot: Snapshot | null = null;

  constructor(init: { entries: Entry[]; prevIndex: number; prevTerm: number; committed: number; applied: number; snapshot: Snapshot | null }) {
    this.ents = init.entries;
    this.offset = init.prevIndex + 1;
    this.prevTerm = init.prevTerm;
    for (let k = 0; k < this.ents.length; k++) assert(this.ents[k]!.index === this.offset + k, 'log entries not contiguous');
    this.stable = this.lastIndex();
    this.committed = init.committed;
    this.applied = init.applied;
    this.snapshot = init.snapshot;
    assert(this.applied <= this.committed && this.committed <= this.lastIndex(), 'bad recovered log indexes');
  }

  firstIndex(): number {
    return this.offset;
  }

  lastIndex(): number {
    return this.offset + this.ents.length - 1;
  }

  lastTerm(): number {
    return this.ents.length ? this.ents[this.ents.length - 1]!.term : this.prevTerm;
  }

  /** The term of entry i, or undefined when i is compacted or beyond the end. */
  term(i: number): number | undefined {
    if (i === this.offset - 1) return this.prevTerm;
    if (i < this.offset - 1 || i > this.lastIndex()) return undefined;
    return this.ents[i - this.offset]!.term;
  }

  matchTerm(i: number, term: number): boolean {
    return this.term(i) === term;
  }

  /** Raft's election restriction: is a log ending at (lastIndex, lastTerm) at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    return lastTerm > this.lastTerm() || (lastTerm === this.lastTerm() && lastIndex >= this.lastIndex());
  }

  /** Entries [lo, hi) clipped to the log's end; null when lo is compacted. */
  slice(lo: number, hi: number): Entry[] | null {
    if (lo < this.offset) return null;
    hi = Math.min(hi, this.lastIndex() + 1);
    if (lo >= hi) return [];
    return this.ents.slice(lo - this.offset, hi - this.offset);
  }

  /** slice() for readers that keep the result as is (an append message): the empty result is shared. */
  entries(lo: number, hi: number): readonly Entry[] | null {
    if (lo < this.offset) return null;
    hi = Math.min(hi, this.lastIndex() + 1);
    if (lo >= hi) return NO_ENTRIES;
    return this.ents.slice(lo - this.offset, hi - this.offset);
  }

  /**
   * The follower side of AppendEntries: if our entry at prevIndex has prevTerm,
   * appends `entries` (dropping those we already have, truncating at the first
   * conflict), advances commit to min(commit, last new index) and returns that
   * last new index; otherwise returns null and changes nothing.
   */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, entries: readonly Entry[]): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNew = prevIndex + entries.length;
    let k = 0;
    while (k < entries.length && this.matchTerm(entries[k]!.index, entries[k]!.term)) k++;
    if (k < entries.length) {
      assert(entries[k]!.index > this.committed, () => `conflict at committed index ${entries[k]!.index}`);
      this.appendFrom(entries, k);
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  /** Appends entries whose first index is at most lastIndex() + 1, truncating anything after it. */
  append(entries: readonly Entry[]): void {
    this.appendFrom(entries, 0);
  }

  /** append(entries.slice(from)) without the copy. */
  private appendFrom(entries: readonly Entry[], from: number): void {
    if (from >= entries.length) return;
    const first = entries[from]!.index;
    assert(first > this.committed && first >= this.offset && first <= this.lastIndex() + 1, 'append out of range');
    const ents = this.ents;
    // Truncate only when the new entries overwrite a tail; appending at the end is the common case.
    if (ents.length !== first - this.offset) ents.length = first - this.offset;
    for (let k = from; k < entries.length; k++) ents.push(entries[k]!);
    if (first <= this.stable) this.stable = first - 1;
  }

  /**
   * For fast log backtracking: the largest index <= i whose term is <= term.
   * A leader uses it with a follower's hint to skip a whole conflicting term.
   */
  findConflictByTerm(i: number, term: number): number {
    i = Math.min(i, this.lastIndex());
    while (i >= this.offset) {
      if (this.ents[i - this.offset]!.term <= term) return i;
      i--;
    }
    return Math.max(i, this.offset - 1);
  }

  commitTo(i: number): void {
    if (i <= this.committed) return;
    assert(i <= this.lastIndex(), () => `commit ${i} beyond last index ${this.lastIndex()}`);
    this.committed = i;
  }

  /** Entries not yet handed to the host for persistence. */
  unstableEntries(): readonly Entry[] {
    const lo = this.stable + 1 - this.offset;
    return lo < this.ents.length ? this.ents.slice(lo) : NO_ENTRIES;
  }

  /** Marks entries up to i durable, unless that entry was replaced in the meantime. */
  stableTo(i: number, term: number): void {
    if (i > this.stable && this.matchTerm(i, term)) this.stable = i;
  }

  hasNextCommitted(): boolean {
    return this.committed > Math.max(this.applied, this.offset - 1);
  }

  /** Committed entries the state machine has not applied yet. */
  nextCommitted(limit = Infinity): readonly Entry[] {
    const lo = Math.max(this.applied + 1, this.offset);
    const hi = Math.min(this.committed + 1, lo + limit);
    return lo < hi ? this.ents.slice(lo - this.offset, hi - this.offset) : NO_ENTRIES;
  }

  appliedTo(i: number): void {
    if (i <= this.applied) return;
    assert(i <= this.committed, () => `applied ${i} beyond commit ${this.committed}`);
    this.applied = i;
  }

  /** Replaces the whole log by a snapshot received from the leader. */
  restore(s: Snapshot): void {
    this.ents = [];
    this.offset = s.meta.index + 1;
    this.prevTerm = s.meta.term;
    this.committed = s.meta.index;
    this.stable = s.meta.index;
    this.snapshot = s;
    this.pendingSnapshot = s;
  }

  /** Discards entries up to i, which must be applied and durable. */
  compact(i: number): void {
    if (i < this.offset) return;
    assert(i <= this.applied && i <= this.stable, 'compaction of unapplied or undurable entries');
    this.prevTerm = this.term(i)!;
    this.ents = this.ents.slice(i + 1 - this.offset);
    this.offset = i + 1;
  }
}
