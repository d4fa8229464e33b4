// The canonical binary image of an MvccState, for Raft snapshots and replica
// digests. Canonical: every collection is written in sorted order and derived
// structures (intents, read locks, the key set) are rebuilt rather than
// written, so equal states give equal bytes whatever order they were built in.
// Decoding checks the invariants the store relies on and throws DecodeError on
// anything a correct encoder could not have produced.

import { DecodeError, Reader, Writer } from '../util/codec.js';
import { compareTs, readTimestamp, writeTimestamp, type Timestamp } from '../hlc.js';
import { RangeMarks, type RangeMark } from './range-marks.js';
import { compareStrings, emptyState, lockPrepared, noteVersions, type FinishedTxn, type MvccState, type PreparedTxn } from './state.js';
import { CONFLICT_REASONS, type CommitResult, type ConflictReason, type Value, type Version, type Write } from './types.js';

const FORMAT = 1;

const REASONS: ReadonlySet<string> = new Set(CONFLICT_REASONS);

function sortedKeys<V>(m: ReadonlyMap<string, V>): string[] {
  return [...m.keys()].sort(compareStrings);
}

export function writeValue(w: Writer, v: Value): void {
  if (v === null) w.u8(0);
  else w.u8(1).bytes(v);
}

export function readValue(r: Reader): Value {
  const tag = r.u8();
  if (tag === 0) return null;
  if (tag === 1) return r.bytes();
  throw new DecodeError(`bad value tag ${tag}`);
}

export function writeResult(w: Writer, res: CommitResult): void {
  if (res.ok) {
    w.u8(1);
    writeTimestamp(w, res.commitTs);
    return;
  }
  w.u8(0).str(res.reason).str(res.key);
  if (res.txnId === undefined) w.u8(0);
  else w.u8(1).str(res.txnId);
}

export function readResult(r: Reader): CommitResult {
  if (r.u8() === 1) return { ok: true, commitTs: readTimestamp(r) };
  const reason = r.str();
  if (!REASONS.has(reason)) throw new DecodeError(`unknown conflict reason ${reason}`);
  const key = r.str();
  return r.u8() === 1 ? { ok: false, reason: reason as ConflictReason, key, txnId: r.str() } : { ok: false, reason: reason as ConflictReason, key };
}

export function encodeState(s: MvccState): Uint8Array {
  const w = new Writer();
  w.u8(FORMAT);
  writeTimestamp(w, s.gcTs);
  const vkeys = sortedKeys(s.versions);
  w.uvar(vkeys.length);
  for (const k of vkeys) {
    w.str(k);
    writeVersions(w, s.versions.get(k)!);
  }
  const pkeys = sortedKeys(s.pointMarks);
  w.uvar(pkeys.length);
  for (const k of pkeys) {
    w.str(k);
    writeTimestamp(w, s.pointMarks.get(k)!);
  }
  writeRangeMarks(w, s.rangeMarks);
  const pids = sortedKeys(s.prepared);
  w.uvar(pids.length);
  for (const id of pids) {
    w.str(id);
    writePrepared(w, s.prepared.get(id)!);
  }
  const fids = sortedKeys(s.finished);
  w.uvar(fids.length);
  for (const id of fids) {
    w.str(id);
    writeFinished(w, s.finished.get(id)!);
  }
  return w.finish();
}

export function check(cond: boolean, what: string): void {
  if (!cond) throw new DecodeError(`mvcc snapshot: ${what}`);
}

/** Reads n strictly increasing keys' worth of entries through `item`. */
function readSorted(r: Reader, item: (key: string) => void): void {
  let prev: string | null = null;
  for (let n = r.uvar(); n > 0; n--) {
    const k = r.str();
    check(prev === null || prev < k, 'keys out of order');
    prev = k;
    item(k);
  }
}

export function decodeState(bytes: Uint8Array): MvccState {
  const r = new Reader(bytes);
  check(r.u8() === FORMAT, 'unknown format');
  const gcTs = readTimestamp(r);
  const s = emptyState(gcTs);
  const aboveFloor = (t: Timestamp): boolean => compareTs(t, gcTs) > 0;
  readSorted(r, (k) => {
    const vs = readVersions(r);
    s.versions.set(k, vs);
    noteVersions(s, k, vs);
    s.keys.add(k);
  });
  readSorted(r, (k) => {
    const t = readTimestamp(r);
    check(aboveFloor(t), 'point marker at or below the GC floor');
    s.pointMarks.set(k, t);
  });
  s.rangeMarks = readRangeMarks(r, gcTs);
  readSorted(r, (txnId) => lockPrepared(s, readPrepared(r, txnId, s)));
  readSorted(r, (txnId) => {
    const f = readFinished(r, gcTs);
    check(!s.prepared.has(txnId), 'txn both prepared and finished');
    s.finished.set(txnId, f);
  });
  r.end();
  return s;
}

// Item codecs, shared with the materialized form (materialize.ts), which
// keeps each item as its own disk record.

/** A key's versions, newest first. */
export function writeVersions(w: Writer, vs: readonly Version[]): void {
  w.uvar(vs.length);
  for (const v of vs) {
    writeTimestamp(w, v.ts);
    writeValue(w, v.value);
  }
}

/** Reads a non-empty, strictly descending version list; throws DecodeError otherwise. */
export function readVersions(r: Reader): Version[] {
  const vs: Version[] = [];
  for (let n = r.uvar(); n > 0; n--) {
    const v = { ts: readTimestamp(r), value: readValue(r) };
    check(vs.length === 0 || compareTs(vs[vs.length - 1]!.ts, v.ts) > 0, 'versions out of order');
    vs.push(v);
  }
  check(vs.length > 0, 'key without versions');
  return vs;
}

export function writeRangeMarks(w: Writer, rm: RangeMarks): void {
  const marks = rm.entries();
  w.uvar(marks.length);
  for (const m of marks) {
    w.str(m.start).str(m.end);
    writeTimestamp(w, m.ts);
  }
}

/** Reads canonical range markers, each above the floor gcTs; throws DecodeError otherwise. */
export function readRangeMarks(r: Reader, gcTs: Timestamp): RangeMarks {
  const marks: RangeMark[] = [];
  for (let n = r.uvar(); n > 0; n--) {
    const m = { start: r.str(), end: r.str(), ts: readTimestamp(r) };
    check(compareTs(m.ts, gcTs) > 0, 'range marker at or below the GC floor');
    marks.push(m);
  }
  const rm = RangeMarks.fromEntries(marks);
  check(rm !== null, 'range markers not canonical');
  return rm!;
}

/** A prepared txn without its id (the caller writes the id). */
export function writePrepared(w: Writer, p: PreparedTxn): void {
  writeTimestamp(w, p.snapshotTs);
  writeTimestamp(w, p.minCommitTs);
  if (p.recordKey === undefined) w.u8(0);
  else w.u8(1).str(p.recordKey);
  w.uvar(p.writes.length);
  for (const x of p.writes) {
    w.str(x.key);
    writeValue(w, x.value);
  }
  w.uvar(p.readKeys.length);
  for (const k of p.readKeys) w.str(k);
  w.uvar(p.ranges.length);
  for (const x of p.ranges) w.str(x.start).str(x.end);
}

/** Reads txnId's prepared body; its intents must not collide with those already in s. */
export function readPrepared(r: Reader, txnId: string, s: MvccState): PreparedTxn {
  const snapshotTs = readTimestamp(r);
  const minCommitTs = readTimestamp(r);
  const recordKey = r.u8() === 1 ? r.str() : undefined;
  const writes: Write[] = [];
  const written = new Set<string>();
  for (let n = r.uvar(); n > 0; n--) {
    const key = r.str();
    check(!s.intents.has(key) && !written.has(key), 'two intents on one key');
    written.add(key);
    writes.push({ key, value: readValue(r) });
  }
  const readKeys: string[] = [];
  for (let n = r.uvar(); n > 0; n--) readKeys.push(r.str());
  const ranges: { start: string; end: string }[] = [];
  for (let n = r.uvar(); n > 0; n--) ranges.push({ start: r.str(), end: r.str() });
  return { txnId, snapshotTs, minCommitTs, recordKey, writes, readKeys, ranges };
}

export function writeFinished(w: Writer, f: FinishedTxn): void {
  writeTimestamp(w, f.snapshotTs);
  writeResult(w, f.result);
}

/** Reads a finished txn whose snapshot is at or above the floor gcTs. */
export function readFinished(r: Reader, gcTs: Timestamp): FinishedTxn {
  const f: FinishedTxn = { snapshotTs: readTimestamp(r), result: readResult(r) };
  check(compareTs(f.snapshotTs, gcTs) >= 0, 'finished txn below the GC floor');
  return f;
}

