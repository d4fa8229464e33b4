// Commit-time validation (optimistic concurrency control over MVCC).
//
// The serial order of committed transactions is commit-timestamp order. A
// transaction that read at snapshotTs may commit at C when everything it read
// is still what a read just below C would return, and nothing it writes
// disturbs a read by a transaction ordered before it:
//
// - Point reads: the key's newest committed version is still the one seen, so
//   no version landed in (versionTs, C). The version itself, not just "nothing
//   newer than snapshotTs", because a transaction may commit below another's
//   snapshot after that one read (a late commit).
// - Range reads: no version newer than snapshotTs in the range, and the visible
//   (key, versionTs) list at snapshotTs hashes as it did at scan time, which
//   catches late commits, late deletes and phantoms below the snapshot.
// - Intents: a prepared transaction may commit at any ts >= its vote, so a read
//   of a key it writes cannot be ordered against it yet: refuse the reader.
// - Writes: C must be above every version and read marker of the key (and
//   above every version of the partition, so that commit timestamps rise in
//   log order: see MvccState.highTs), and no
//   prepared transaction may have read the key (its reads are not marked yet).
//   A committed version newer than snapshotTs is a write-write conflict, which
//   aborts the later writer as the design asks (first committer wins).
//
// After a successful commit at C, the store raises the read markers of the
// transaction's reads to C, so later writers are ordered after it; unless the
// transaction wrote in this partition, which raised highTs to C already.

import { assert } from '../assert.js';
import { assertTs, compareTs, nextTs, tsEquals, tsMax, type Timestamp } from '../hlc.js';
import { Hasher } from '../util/hash.js';
import { compareStrings, visibleAt, type MvccState } from './state.js';
import type { Conflict, ConflictReason, TxnCheck, ValidateResult } from './types.js';

function conflict(reason: ConflictReason, key: string, txnId?: string): Conflict {
  return txnId === undefined ? { ok: false, reason, key } : { ok: false, reason, key, txnId };
}

/** Asserts what TxnCheck promises; a violation is a bug in the txn layer. */
export function checkTxnShape(t: TxnCheck): void {
  assert(t.txnId.length > 0, 'empty txnId');
  assertTs(t.snapshotTs, 'snapshotTs');
  for (const r of t.reads) {
    if (r.versionTs === null) continue;
    assertTs(r.versionTs, 'versionTs');
    assert(compareTs(r.versionTs, t.snapshotTs) <= 0, () => `read of ${JSON.stringify(r.key)} saw a version above the snapshot`);
  }
  assert(new Set(t.writes).size === t.writes.length, 'duplicate key in writes');
}

/** Mixes one visible row into a range hash; the order of calls is key order. */
export function hashRow(h: Hasher, key: string, ts: Timestamp): void {
  h.str(key).num(ts.wall).num(ts.logical);
}

/** Hash of the visible (key, versionTs) list in [start, end) at ts; tombstones are not visible. */
export function rangeHashOf(s: MvccState, start: string, end: string, ts: Timestamp): string {
  const h = new Hasher();
  for (const key of s.keys.range(start, end)) {
    const v = visibleAt(s.versions.get(key), ts);
    if (v !== undefined && v.value !== null) hashRow(h, key, v.ts);
  }
  return h.hex();
}

/** Every read marker of key: point, covering range and the GC floor (which stands for dropped markers). */
export function readMarkOf(s: MvccState, key: string): Timestamp {
  let m = s.gcTs;
  const p = s.pointMarks.get(key);
  if (p !== undefined) m = tsMax(m, p);
  const r = s.rangeMarks.at(key);
  if (r !== null) m = tsMax(m, r);
  return m;
}

/**
 * The smallest ts at which all of keys may be written: above their versions
 * and read markers, and above every version of the partition (highTs), so
 * commit timestamps rise in log order here.
 */
export function minWriteTsOf(s: MvccState, keys: Iterable<string>): Timestamp {
  let m = tsMax(s.gcTs, s.highTs);
  for (const key of keys) {
    m = tsMax(m, readMarkOf(s, key));
    const newest = s.versions.get(key)?.[0];
    if (newest !== undefined) m = tsMax(m, newest.ts);
  }
  return nextTs(m);
}

/** The smallest id among holders other than self, or null. Smallest, so the answer is order-independent. */
function smallestOther(holders: Iterable<string>, self: string): string | null {
  let best: string | null = null;
  for (const id of holders) if (id !== self && (best === null || compareStrings(id, best) < 0)) best = id;
  return best;
}

/** The smallest id of another prepared txn whose scanned ranges cover key, or null. */
function rangeLockHolder(s: MvccState, key: string, self: string): string | null {
  let best: string | null = null;
  for (const p of s.prepared.values()) {
    if (p.txnId === self || (best !== null && compareStrings(p.txnId, best) >= 0)) continue;
    if (p.ranges.some((r) => r.start <= key && key < r.end)) best = p.txnId;
  }
  return best;
}

/**
 * Validates t against the current state (see the file comment). Pure: reports
 * the first conflict found, checking reads, then ranges, then writes, each in
 * the order given. Does not look at whether t is already prepared or finished;
 * the store does that first.
 */
export function validateTxn(s: MvccState, t: TxnCheck): ValidateResult {
  checkTxnShape(t);
  if (compareTs(t.snapshotTs, s.gcTs) < 0) return conflict('snapshot-too-old', '');
  for (const r of t.reads) {
    const intent = s.intents.get(r.key);
    if (intent !== undefined && intent.txnId !== t.txnId) return conflict('read-intent', r.key, intent.txnId);
    const newest = s.versions.get(r.key)?.[0];
    const same = r.versionTs === null ? newest === undefined : newest !== undefined && tsEquals(newest.ts, r.versionTs);
    if (!same) return conflict('read-changed', r.key);
  }
  for (const r of t.ranges) {
    const h = new Hasher();
    for (const key of s.keys.range(r.start, r.end)) {
      const intent = s.intents.get(key);
      if (intent !== undefined && intent.txnId !== t.txnId) return conflict('range-intent', key, intent.txnId);
      const vs = s.versions.get(key);
      if (vs === undefined) continue;
      if (compareTs(vs[0]!.ts, t.snapshotTs) > 0) return conflict('range-changed', key);
      const v = visibleAt(vs, t.snapshotTs);
      if (v !== undefined && v.value !== null) hashRow(h, key, v.ts);
    }
    if (h.hex() !== r.observedHash) return conflict('range-late-commit', r.start);
  }
  for (const key of t.writes) {
    const intent = s.intents.get(key);
    if (intent !== undefined && intent.txnId !== t.txnId) return conflict('write-intent', key, intent.txnId);
    const newest = s.versions.get(key)?.[0];
    if (newest !== undefined && compareTs(newest.ts, t.snapshotTs) > 0) return conflict('write-write', key);
    const reader = smallestOther(s.readLocks.get(key) ?? [], t.txnId);
    if (reader !== null) return conflict('write-read-lock', key, reader);
    const scanner = rangeLockHolder(s, key, t.txnId);
    if (scanner !== null) return conflict('write-range-lock', key, scanner);
  }
  return { ok: true, minCommitTs: tsMax(nextTs(t.snapshotTs), minWriteTsOf(s, t.writes)) };
}
