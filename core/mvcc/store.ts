// The multi-version store one partition's state machine applies. Every method
// is deterministic; the mutating ones (commitDirect, prepare, resolve, gc) are
// the state transitions the Raft log replays, and each either applies fully or,
// when it returns a Conflict, changes nothing (except that a refused commit or
// prepare is remembered, so a duplicate of the command gets the same answer).
//
// Contract with the transaction layer:
// - One txnId names one attempt. A retry after a conflict takes a new id: the
//   store answers a repeated id with the first answer.
// - Timestamps handed in come from HLCs; commit timestamps are chosen here
//   (commitDirect) or by the coordinator from the participants' votes (resolve).
// - gc(belowTs) is applied through the log like any other command, with
//   belowTs below the snapshot of every transaction that should still commit.

import { assert } from '../assert.js';
import { assertTs, compareTs, formatTs, prevTs, tsMax, tsMin, ZERO_TS, type Timestamp } from '../hlc.js';
import { Hasher } from '../util/hash.js';
import { changedRecords, FinishedGroups, loadState, StateChanges, type StateRecord } from './materialize.js';
import { decodeState, encodeState } from './snapshot.js';
import { emptyState, lockPrepared, noteVersions, recomputeHighTs, unlockPrepared, visibleAt, type MvccState, type PreparedTxn } from './state.js';
import type {
  CommitResult,
  Decision,
  Intent,
  ReadResult,
  ResolveOutcome,
  ScanResult,
  ScanRow,
  TxnCheck,
  TxnWrites,
  ValidateResult,
  Version,
  Write,
} from './types.js';
import { hashRow, minWriteTsOf, rangeHashOf, readMarkOf, validateTxn } from './validate.js';

/** The smallest key greater than k in code-unit order. */
function successor(k: string): string {
  return k + '\u0000';
}

function checkOf(t: TxnWrites): TxnCheck {
  return { txnId: t.txnId, snapshotTs: t.snapshotTs, reads: t.reads, ranges: t.ranges, writes: t.writes.map((w) => w.key) };
}

export class MvccStore {
  private s: MvccState = emptyState(ZERO_TS);
  /** What changed since the last drainChanges(), or null while nobody materializes this store. */
  private changes: StateChanges | null = null;
  /** Where the finished transactions are on disk; non-null exactly when changes is. */
  private groups: FinishedGroups | null = null;

  /** The GC floor: reads below it are not guaranteed, commits land above it. ZERO_TS until the first gc. */
  get gcThreshold(): Timestamp {
    return this.s.gcTs;
  }

  /**
   * The newest version's ts or the GC floor, whichever is higher: no version
   * here is above it, and every write applied from now on lands above it,
   * except those of a transaction prepared now (see MvccState.highTs).
   */
  get highTs(): Timestamp {
    return this.s.highTs;
  }

  /**
   * Whether a prepared transaction's intent sits on one of keys or inside one
   * of ranges ([start, end)). A read that met none is final at highTs: see
   * MvccState.highTs.
   */
  intentsTouch(keys: readonly { key: string }[], ranges: readonly { start: string; end: string }[]): boolean {
    const intents = this.s.intents;
    if (intents.size === 0) return false;
    for (const k of keys) if (intents.has(k.key)) return true;
    if (ranges.length === 0) return false;
    for (const key of intents.keys()) for (const r of ranges) if (r.start <= key && key < r.end) return true;
    return false;
  }

  // ---------------------------------------------------------------- reads

  /** The newest committed version of key with ts <= ts (see ReadResult). Intents are ignored. */
  get(key: string, ts: Timestamp): ReadResult {
    const v = visibleAt(this.s.versions.get(key), ts);
    return v === undefined ? { value: null, versionTs: null } : { value: v.value, versionTs: v.ts };
  }

  /**
   * The live keys of [start, end) at ts, in key order, at most `limit` (>= 1)
   * rows; intents are skipped but reported, and the covered range's hash is
   * returned for the read set (see ScanResult). `end` is exclusive and
   * required: '\u0100' lies above every key of the SQL layer.
   */
  scan(start: string, end: string, ts: Timestamp, limit?: number): ScanResult {
    assert(limit === undefined || (Number.isInteger(limit) && limit >= 1), () => `bad scan limit ${limit}`);
    const rows: ScanRow[] = [];
    const intents: { key: string; intent: Intent }[] = [];
    const h = new Hasher();
    const { versions, intents: held } = this.s;
    // Most scans meet no intent at all: skip the per-key lookup then.
    const anyIntent = held.size > 0;
    for (const key of this.s.keys.range(start, end)) {
      const intent = anyIntent ? held.get(key) : undefined;
      if (intent !== undefined) intents.push({ key, intent });
      const v = visibleAt(versions.get(key), ts);
      if (v === undefined || v.value === null) continue;
      rows.push({ key, value: v.value, versionTs: v.ts });
      hashRow(h, key, v.ts);
      if (rows.length === limit) {
        const next = successor(key);
        return { rows, intents, resumeKey: next < end ? next : null, hash: h.hex() };
      }
    }
    return { rows, intents, resumeKey: null, hash: h.hex() };
  }

  /**
   * The hash a range read records: over the visible (key, versionTs) list of
   * [start, end) at ts. Take it at the scan's ts over the range the scan covered.
   */
  rangeHash(start: string, end: string, ts: Timestamp): string {
    return rangeHashOf(this.s, start, end, ts);
  }

  /** The intent on key, or null. */
  intentOn(key: string): Intent | null {
    return this.s.intents.get(key) ?? null;
  }

  /** Every committed version of key, newest first; for diagnostics and tests. */
  versionsOf(key: string): readonly Version[] {
    return this.s.versions.get(key) ?? [];
  }

  /** The highest read marker of key (point, covering range or GC floor). */
  readTs(key: string): Timestamp {
    return readMarkOf(this.s, key);
  }

  /** The smallest commit ts allowed for a write of all of keys: above their versions and read markers. */
  minWriteTs(keys: readonly string[]): Timestamp {
    return minWriteTsOf(this.s, keys);
  }

  /** The prepared txn's vote and record key, or null when txnId is not prepared here. */
  preparedTxn(txnId: string): { minCommitTs: Timestamp; recordKey: string | undefined; snapshotTs: Timestamp } | null {
    const p = this.s.prepared.get(txnId);
    return p === undefined ? null : { minCommitTs: p.minCommitTs, recordKey: p.recordKey, snapshotTs: p.snapshotTs };
  }

  /** Ids of the prepared txns, sorted. */
  preparedIds(): string[] {
    return [...this.s.prepared.keys()].sort();
  }

  // ---------------------------------------------------------- validation

  /**
   * Checks whether t could commit now (see validate.ts for the rules) and, if
   * so, the smallest commit ts. Changes nothing. A txn already prepared or
   * finished here is refused as txn-prepared / txn-finished.
   */
  validate(t: TxnCheck): ValidateResult {
    if (this.s.finished.has(t.txnId)) return { ok: false, reason: 'txn-finished', key: '' };
    if (this.s.prepared.has(t.txnId)) return { ok: false, reason: 'txn-prepared', key: '' };
    return validateTxn(this.s, t);
  }

  // ----------------------------------------------------------- mutations

  /**
   * Commits a single-partition transaction: validates it and, when valid,
   * installs its writes at commitTs = max(proposedTs, minCommitTs) and raises
   * the read markers of its reads and ranges to commitTs. proposedTs lets the
   * proposer keep the commit near its own clock; the floor is recomputed here
   * because other commands may have been applied since it proposed.
   */
  commitDirect(t: TxnWrites, proposedTs?: Timestamp): CommitResult {
    const done = this.s.finished.get(t.txnId);
    if (done !== undefined) return done.result;
    if (this.s.prepared.has(t.txnId)) return { ok: false, reason: 'txn-prepared', key: '' };
    const v = validateTxn(this.s, checkOf(t));
    if (!v.ok) {
      this.remember(t.txnId, t.snapshotTs, v);
      return v;
    }
    if (proposedTs !== undefined) assertTs(proposedTs, 'proposedTs');
    const commitTs = proposedTs === undefined ? v.minCommitTs : tsMax(proposedTs, v.minCommitTs);
    this.install(t.writes, commitTs);
    if (t.writes.length === 0) this.mark(t.reads.map((r) => r.key), t.ranges, commitTs);
    const result: CommitResult = { ok: true, commitTs };
    this.remember(t.txnId, t.snapshotTs, result);
    return result;
  }

  /**
   * 2PC phase one: validates t and, when valid, lays an intent per write and
   * read locks on its reads and ranges, and returns the vote (minCommitTs).
   * While prepared, nothing can change what t read or raise a marker on what
   * it writes, so the vote stays valid until resolve. A duplicate prepare gets
   * the first answer; a prepare of a finished txn is refused as txn-finished
   * (or gets its earlier refusal).
   */
  prepare(t: TxnWrites, recordKey?: string): ValidateResult {
    const done = this.s.finished.get(t.txnId);
    if (done !== undefined) return done.result.ok ? { ok: false, reason: 'txn-finished', key: '' } : done.result;
    const existing = this.s.prepared.get(t.txnId);
    if (existing !== undefined) return { ok: true, minCommitTs: existing.minCommitTs };
    const v = validateTxn(this.s, checkOf(t));
    if (!v.ok) {
      this.remember(t.txnId, t.snapshotTs, v);
      return v;
    }
    const p: PreparedTxn = {
      txnId: t.txnId,
      snapshotTs: t.snapshotTs,
      minCommitTs: v.minCommitTs,
      recordKey,
      writes: t.writes.slice(),
      readKeys: t.reads.map((r) => r.key),
      ranges: t.ranges.map((r) => ({ start: r.start, end: r.end })),
    };
    lockPrepared(this.s, p);
    this.changes?.prepared.add(t.txnId);
    return v;
  }

  /**
   * 2PC phase two: commits the prepared txn's intents at decision.commitTs
   * (which must be >= its vote) and raises its read markers, or drops them;
   * either way releases its locks. Resolving an unknown or already resolved
   * txn is a no-op. A decision contradicting an earlier one (committing an
   * aborted or refused txn, aborting a committed one, or committing at another
   * ts) means the protocol is broken, and is asserted.
   */
  resolve(txnId: string, decision: Decision): ResolveOutcome {
    const p = this.s.prepared.get(txnId);
    if (p === undefined) {
      const done = this.s.finished.get(txnId);
      if (done !== undefined) {
        const r = done.result;
        const consistent = decision === 'abort' ? !r.ok : r.ok && compareTs(r.commitTs, decision.commitTs) === 0;
        assert(consistent, () => `resolve of ${txnId} contradicts its earlier outcome`);
      }
      return 'noop';
    }
    this.changes?.prepared.add(txnId);
    if (decision === 'abort') {
      unlockPrepared(this.s, p);
      this.remember(txnId, p.snapshotTs, { ok: false, reason: 'aborted', key: '' });
      return 'aborted';
    }
    const commitTs = decision.commitTs;
    assertTs(commitTs, 'commitTs');
    assert(
      compareTs(commitTs, p.minCommitTs) >= 0,
      `txn ${txnId} resolved at ${formatTs(commitTs)} below its vote ${formatTs(p.minCommitTs)}`,
    );
    unlockPrepared(this.s, p);
    this.install(p.writes, commitTs);
    if (p.writes.length === 0) this.mark(p.readKeys, p.ranges, commitTs);
    this.remember(txnId, p.snapshotTs, { ok: true, commitTs });
    return 'committed';
  }

  /**
   * Records a txn's outcome so that a duplicate command gets it again. A txn
   * whose snapshot is below the GC floor is not recorded: the floor never goes
   * down, so a duplicate is refused as snapshot-too-old, and every finished
   * entry stays at or above the floor.
   */
  private remember(txnId: string, snapshotTs: Timestamp, result: CommitResult): void {
    if (compareTs(snapshotTs, this.s.gcTs) < 0) return;
    this.s.finished.set(txnId, { snapshotTs, result });
    this.changes?.finished.add(txnId);
  }

  /** Installs writes as versions at ts, which validation has placed above each key's newest version. */
  private install(writes: readonly Write[], ts: Timestamp): void {
    if (writes.length > 0 && compareTs(ts, this.s.highTs) > 0) this.s.highTs = ts;
    for (const w of writes) {
      this.changes?.versions.add(w.key);
      let vs = this.s.versions.get(w.key);
      if (vs === undefined) {
        this.s.versions.set(w.key, (vs = [{ ts, value: w.value }]));
        this.s.keys.add(w.key);
      } else {
        assert(compareTs(vs[0]!.ts, ts) < 0, () => `version of ${JSON.stringify(w.key)} at ${formatTs(ts)} is not the newest`);
        vs.unshift({ ts, value: w.value });
      }
      noteVersions(this.s, w.key, vs);
    }
  }

  /**
   * Raises the read markers of the keys and ranges read to ts. Only for a
   * transaction that wrote nothing here: one that did raised highTs to ts,
   * and every later write already lands above highTs, so its markers would
   * order nothing (and cost a record per key read).
   */
  private mark(keys: readonly string[], ranges: readonly { start: string; end: string }[], ts: Timestamp): void {
    for (const key of keys) {
      const cur = this.s.pointMarks.get(key);
      if (cur === undefined || compareTs(cur, ts) < 0) {
        this.s.pointMarks.set(key, ts);
        this.changes?.points.add(key);
      }
    }
    for (const r of ranges) this.s.rangeMarks.raise(r.start, r.end, ts);
    if (ranges.length && this.changes) this.changes.ranges = true;
  }

  /**
   * Garbage-collects history below belowTs: drops every version shadowed by a
   * newer version that is itself <= the floor, newest versions that are
   * tombstones <= the floor, read markers <= the floor, and finished-txn
   * entries whose snapshot is below it. Reads at ts >= the floor return the
   * same values afterwards (a dropped newest tombstone turns a deleted key's
   * versionTs into null).
   *
   * The floor is belowTs, lowered to just below the vote of every prepared
   * txn (their commits must still land above the floor), and never decreases.
   */
  gc(belowTs: Timestamp): void {
    assertTs(belowTs, 'belowTs');
    let floor = belowTs;
    for (const p of this.s.prepared.values()) if (compareTs(p.minCommitTs, floor) <= 0) floor = tsMin(floor, prevTs(p.minCommitTs));
    if (compareTs(floor, this.s.gcTs) <= 0) return;
    const s = this.s;
    const c = this.changes;
    s.gcTs = floor;
    s.highTs = tsMax(s.highTs, floor);
    for (const key of s.collectable) {
      const vs = s.versions.get(key)!;
      let i = 0;
      while (i < vs.length && compareTs(vs[i]!.ts, floor) > 0) i++;
      if (i >= vs.length - 1 && !(i === 0 && vs[0]!.value === null)) continue; // Nothing shadowed, nothing to drop.
      vs.length = i + 1; // vs[i] is the newest version <= floor; older ones are shadowed.
      c?.versions.add(key);
      if (i === 0 && vs[0]!.value === null) {
        s.versions.delete(key);
        s.collectable.delete(key);
        if (!s.intents.has(key)) s.keys.delete(key);
      } else if (i === 0) s.collectable.delete(key); // One live version left.
    }
    for (const [key, ts] of s.pointMarks)
      if (compareTs(ts, floor) <= 0) {
        s.pointMarks.delete(key);
        c?.points.add(key);
      }
    s.rangeMarks.dropAtOrBelow(floor);
    for (const [id, f] of s.finished)
      if (compareTs(f.snapshotTs, floor) < 0) {
        s.finished.delete(id);
        c?.finished.add(id);
      }
    if (c) c.floor = c.ranges = true;
  }

  // ------------------------------------------------------------ snapshots

  /** Canonical bytes: equal states give equal bytes. */
  snapshot(): Uint8Array {
    return encodeState(this.s);
  }

  /**
   * The store a snapshot describes; throws DecodeError on malformed bytes.
   * When `replacing` is materialized, so is the new store, and its first
   * drain rewrites everything: the old store's records (and its undrained
   * changes) go, the new one's are written.
   */
  static restore(bytes: Uint8Array, replacing?: MvccStore): MvccStore {
    const store = new MvccStore();
    store.s = decodeState(bytes);
    recomputeHighTs(store.s);
    if (replacing?.changes) {
      const c = (store.changes = new StateChanges());
      c.merge(replacing.changes);
      c.addAll(replacing.s);
      c.addAll(store.s);
      store.groups = replacing.groups;
      store.groups!.replaceAll();
    }
    return store;
  }

  // ---------------------------------------------------- materialization

  /**
   * A store rebuilt from its materialized records (see materialize.ts; keys
   * relative to the state prefix) that tracks its changes from now on.
   * Throws DecodeError on malformed records.
   */
  static load(records: ReadonlyMap<string, Uint8Array>): MvccStore {
    const store = new MvccStore();
    const { state, groups } = loadState(records);
    store.s = state;
    recomputeHighTs(store.s);
    store.changes = new StateChanges();
    store.groups = groups;
    return store;
  }

  /** Appends the records changed since the last drain (or load) to out, and forgets them. Only on a loaded store. */
  drainChanges(out: StateRecord[]): void {
    assert(this.changes !== null, 'drainChanges on a store that is not materialized');
    changedRecords(this.s, this.changes, this.groups!, out);
    this.changes = new StateChanges();
  }

  /** 16 hex digits over the canonical snapshot; equal on replicas in the same state. */
  digest(): string {
    return new Hasher().bytes(this.snapshot()).hex();
  }

  /**
   * The newest timestamp the state holds: of a version, a read marker, a
   * finished commit or the GC floor. Every commit applied here is at or
   * below it. O(keys); for recovery, not for a hot path.
   */
  newestTs(): Timestamp {
    const s = this.s;
    let ts = s.gcTs;
    for (const vs of s.versions.values()) ts = tsMax(ts, vs[0]!.ts);
    for (const t of s.pointMarks.values()) ts = tsMax(ts, t);
    for (const m of s.rangeMarks.entries()) ts = tsMax(ts, m.ts);
    for (const f of s.finished.values()) if (f.result.ok) ts = tsMax(ts, f.result.commitTs);
    return ts;
  }

  /** Number of keys holding a version or an intent. */
  get keyCount(): number {
    return this.s.keys.size;
  }
}
