// The public vocabulary of the multi-version store. Keys are JS strings ordered
// by UTF-16 code unit (the SQL layer uses chars U+0000..U+00FF only); a range
// [start, end) holds the keys k with start <= k < end. Values are byte arrays
// the store treats as immutable: it neither copies nor mutates what it is given,
// and callers must not mutate what it returns.

import type { Timestamp } from '../hlc.js';

/** A value, or null for a deletion (a tombstone). */
export type Value = Uint8Array | null;

/** One committed version of a key. */
export interface Version {
  readonly ts: Timestamp;
  readonly value: Value;
}

/** A buffered write of a transaction: a new value, or null to delete the key. */
export interface Write {
  readonly key: string;
  readonly value: Value;
}

/**
 * The provisional write a prepared (2PC) transaction holds on a key. At most
 * one per key. writeTs is the participant's vote (the prepare's minCommitTs):
 * the transaction will commit at or above it, or abort.
 */
export interface Intent {
  readonly txnId: string;
  readonly value: Value;
  readonly writeTs: Timestamp;
  /** Where the transaction's record (its commit/abort decision) lives, if the txn layer gave one. */
  readonly recordKey?: string;
}

/**
 * What a point read returned. value is null when the key is absent or deleted;
 * versionTs is the ts of the version that decided the answer (a tombstone's ts
 * for a deleted key), or null when no version is visible. A transaction puts
 * versionTs, as is, into its read set for validation.
 */
export interface ReadResult {
  readonly value: Value;
  readonly versionTs: Timestamp | null;
}

export interface ScanRow {
  readonly key: string;
  readonly value: Uint8Array;
  readonly versionTs: Timestamp;
}

/**
 * What scan(start, end, ts, limit) returned. rows are the live keys in key
 * order. The scan covered exactly [start, resumeKey ?? end): when the limit
 * stopped it early, resumeKey is the smallest key not yet covered, so a
 * transaction records that range with `hash` in its read set. hash equals
 * rangeHash(start, resumeKey ?? end, ts) at the moment of the scan; taking it
 * in the same step matters, since a hash taken later would bake in any late
 * commit made in between. intents lists every intent on a key in the covered
 * range, in key order.
 */
export interface ScanResult {
  readonly rows: ScanRow[];
  readonly intents: { readonly key: string; readonly intent: Intent }[];
  readonly resumeKey: string | null;
  readonly hash: string;
}

/** A point read in a transaction's read set: the key and the versionTs its read returned. */
export interface PointRead {
  readonly key: string;
  readonly versionTs: Timestamp | null;
}

/**
 * A range read in a transaction's read set: the range a scan covered and the
 * hash it returned (or rangeHash(start, end, snapshotTs) taken in the same
 * step as the reads it stands for). Required: without it, a commit that lands
 * below the snapshot after the scan cannot be detected.
 */
export interface RangeRead {
  readonly start: string;
  readonly end: string;
  readonly observedHash: string;
}

/**
 * What validation needs to know about a transaction. The transaction read at
 * snapshotTs; every versionTs in reads is <= snapshotTs. Keys in writes are
 * distinct.
 */
export interface TxnCheck {
  readonly txnId: string;
  readonly snapshotTs: Timestamp;
  readonly reads: readonly PointRead[];
  readonly ranges: readonly RangeRead[];
  readonly writes: readonly string[];
}

/** A transaction as committed or prepared: TxnCheck with the written values. */
export interface TxnWrites {
  readonly txnId: string;
  readonly snapshotTs: Timestamp;
  readonly reads: readonly PointRead[];
  readonly ranges: readonly RangeRead[];
  readonly writes: readonly Write[];
}

/**
 * Why validation refused a transaction. All are retryable conflicts except
 * txn-finished and txn-prepared, which report a duplicate command for a
 * transaction this store has already decided or prepared.
 */
export type ConflictReason =
  | 'snapshot-too-old' // snapshotTs is below the GC threshold: the reads may have seen collected history.
  | 'read-changed' // a read key's newest committed version is not the one the txn saw.
  | 'read-intent' // another txn's intent is on a read key.
  | 'range-changed' // a version newer than snapshotTs was committed in a scanned range.
  | 'range-late-commit' // the range's visible contents at snapshotTs changed since the scan (hash mismatch).
  | 'range-intent' // another txn's intent is in a scanned range.
  | 'write-write' // a written key has a committed version newer than snapshotTs.
  | 'write-intent' // another txn's intent is on a written key.
  | 'write-read-lock' // a prepared txn read the written key.
  | 'write-range-lock' // a prepared txn scanned a range holding the written key.
  | 'aborted' // the txn was aborted by resolve (reported to duplicate commands).
  | 'txn-finished' // the txn already committed or aborted here.
  | 'txn-prepared'; // the txn is prepared here; only resolve may finish it.

/** Every ConflictReason, for decoders and tests. A Record, so a new reason fails to type-check until it is listed here. */
const CONFLICT_REASON_SET: Readonly<Record<ConflictReason, true>> = {
  'snapshot-too-old': true,
  'read-changed': true,
  'read-intent': true,
  'range-changed': true,
  'range-late-commit': true,
  'range-intent': true,
  'write-write': true,
  'write-intent': true,
  'write-read-lock': true,
  'write-range-lock': true,
  aborted: true,
  'txn-finished': true,
  'txn-prepared': true,
};

export const CONFLICT_REASONS: readonly ConflictReason[] = Object.keys(CONFLICT_REASON_SET) as ConflictReason[];

/** A refusal: nothing changed. key is the offending key ('' when none); txnId the other txn, when one is at fault. */
export interface Conflict {
  readonly ok: false;
  readonly reason: ConflictReason;
  readonly key: string;
  readonly txnId?: string;
}

/** validate() and prepare(): minCommitTs is the smallest timestamp the txn may commit at here. */
export type ValidateResult = { readonly ok: true; readonly minCommitTs: Timestamp } | Conflict;

/** commitDirect(): the timestamp the transaction committed at. */
export type CommitResult = { readonly ok: true; readonly commitTs: Timestamp } | Conflict;

/** The outcome a 2PC coordinator sends to a participant. */
export type Decision = { readonly commitTs: Timestamp } | 'abort';

/** What resolve() did: 'committed'/'aborted' on the first resolution, 'noop' when there was nothing to do. */
export type ResolveOutcome = 'committed' | 'aborted' | 'noop';
