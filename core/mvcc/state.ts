// The replicated state of one partition's multi-version store, shared by the
// store (reads and mutations), validation and the snapshot codec. Everything
// here is a function of the commands applied, in order; nothing depends on the
// host, and no behaviour depends on Map insertion order (restore rebuilds the
// maps in sorted order, which may differ from a replica that applied the log).

import { compareTs, type Timestamp } from '../hlc.js';
import { RangeMarks } from './range-marks.js';
import { SortedKeys } from './sorted-keys.js';
import type { CommitResult, Intent, Version, Write } from './types.js';

/** A transaction prepared here (2PC phase one) and not yet resolved. */
export interface PreparedTxn {
  readonly txnId: string;
  readonly snapshotTs: Timestamp;
  /** The participant's vote: resolve must commit at or above it. Also every intent's writeTs. */
  readonly minCommitTs: Timestamp;
  readonly recordKey: string | undefined;
  /** Its intents, one per key, keys distinct. */
  readonly writes: readonly Write[];
  /** Keys it read, read-locked until resolve (may repeat). */
  readonly readKeys: readonly string[];
  /** Ranges it scanned, range-locked until resolve. */
  readonly ranges: readonly { readonly start: string; readonly end: string }[];
}

/**
 * A transaction this store has decided: its result is replayed to duplicate
 * commands. Kept while snapshotTs >= the GC floor; after that a duplicate is
 * refused as snapshot-too-old anyway, so forgetting it is safe.
 */
export interface FinishedTxn {
  readonly snapshotTs: Timestamp;
  readonly result: CommitResult;
}

export interface MvccState {
  /**
   * The GC floor: reads at ts >= gcTs return what they returned before any GC,
   * every commit from now on gets a ts > gcTs, and read markers <= gcTs have
   * been dropped because the floor itself acts as a marker on every key.
   */
  gcTs: Timestamp;
  /**
   * The newest version's ts or the GC floor, whichever is higher: every
   * version here is at or below it, and every write applied from now on gets a
   * ts above it (validation starts each write's floor here), except the
   * writes of a transaction prepared now, whose vote was taken earlier. So
   * commit timestamps rise in log order per partition, and a read of a
   * replica known current, taken at highTs and meeting no intent, is one no
   * later commit can change (TxnNode's read-only fast path). Not encoded: it
   * is a function of the rest (a dropped version was at or below the floor),
   * kept up to date by install and gc, recomputed on decode.
   */
  highTs: Timestamp;
  /** Keys holding at least one version or an intent. */
  readonly keys: SortedKeys;
  /** Committed versions per key, newest first, strictly decreasing ts, never empty. */
  readonly versions: Map<string, Version[]>;
  /**
   * The keys a GC may have something to drop on: more than one version, or a
   * tombstone newest. Derived from versions (see noteVersions), so that a GC
   * costs what changed since the last one, not the size of the table.
   */
  readonly collectable: Set<string>;
  /** The intent on each key, owned by a txn in prepared. */
  readonly intents: Map<string, Intent>;
  /** Point read markers, each > gcTs. */
  readonly pointMarks: Map<string, Timestamp>;
  /** Range read markers, each > gcTs. */
  rangeMarks: RangeMarks;
  /** key -> ids of prepared txns that read it; derived from prepared. */
  readonly readLocks: Map<string, Set<string>>;
  readonly prepared: Map<string, PreparedTxn>;
  readonly finished: Map<string, FinishedTxn>;
}

export function emptyState(gcTs: Timestamp): MvccState {
  return {
    gcTs,
    highTs: gcTs,
    keys: new SortedKeys(),
    versions: new Map(),
    collectable: new Set(),
    intents: new Map(),
    pointMarks: new Map(),
    rangeMarks: new RangeMarks(),
    readLocks: new Map(),
    prepared: new Map(),
    finished: new Map(),
  };
}

/** Sets s.highTs from the versions and the floor (see MvccState.highTs); O(keys), for decoding. */
export function recomputeHighTs(s: MvccState): void {
  let ts = s.gcTs;
  for (const vs of s.versions.values()) if (compareTs(vs[0]!.ts, ts) > 0) ts = vs[0]!.ts;
  s.highTs = ts;
}

/** Keeps s.collectable in step after key's versions were set or grew to vs. */
export function noteVersions(s: MvccState, key: string, vs: readonly Version[]): void {
  if (vs.length > 1 || vs[0]!.value === null) s.collectable.add(key);
}

/** The newest version with ts <= ts, or undefined. */
export function visibleAt(vs: readonly Version[] | undefined, ts: Timestamp): Version | undefined {
  if (vs === undefined) return undefined;
  for (const v of vs) if (compareTs(v.ts, ts) <= 0) return v;
  return undefined;
}

/** Code-unit string order, for canonical sorting. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lays p's intents and read locks; the caller has checked they do not collide. */
export function lockPrepared(s: MvccState, p: PreparedTxn): void {
  for (const w of p.writes) {
    const intent: Intent =
      p.recordKey === undefined
        ? { txnId: p.txnId, value: w.value, writeTs: p.minCommitTs }
        : { txnId: p.txnId, value: w.value, writeTs: p.minCommitTs, recordKey: p.recordKey };
    s.intents.set(w.key, intent);
    s.keys.add(w.key);
  }
  for (const k of p.readKeys) {
    let holders = s.readLocks.get(k);
    if (holders === undefined) s.readLocks.set(k, (holders = new Set()));
    holders.add(p.txnId);
  }
  s.prepared.set(p.txnId, p);
}

/** Removes p's intents and read locks (not its effects). */
export function unlockPrepared(s: MvccState, p: PreparedTxn): void {
  for (const w of p.writes) {
    s.intents.delete(w.key);
    if (!s.versions.has(w.key)) s.keys.delete(w.key);
  }
  for (const k of p.readKeys) {
    const holders = s.readLocks.get(k);
    if (holders === undefined) continue;
    holders.delete(p.txnId);
    if (holders.size === 0) s.readLocks.delete(k);
  }
  s.prepared.delete(p.txnId);
}
