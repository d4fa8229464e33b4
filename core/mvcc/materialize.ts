// The materialized form of an MvccState: every item as its own disk record,
// so that a node restarts from its disk instead of from the last Raft snapshot
// plus every entry applied since. The store records which items a command
// changed (StateChanges); the replica drains them after applying a batch of
// entries and writes them, with the applied index, as one atomic disk batch.
// The records on disk are therefore always the state at that applied index.
//
// Record keys, relative to the partition's state prefix:
//   m/floor       the GC floor
//   m/ranges      every range read marker (one record: they split and merge)
//   v/{key}       a key's committed versions, newest first
//   k/{key}       a key's point read marker
//   p/{txnId}     a prepared transaction (its intents and read locks are derived)
//   f/{txnId}     a finished transaction's result
// Derived structures (the key set, intents, read locks) are rebuilt on load,
// exactly as the snapshot decoder rebuilds them.

import { compareTs, readTimestamp, writeTimestamp, ZERO_TS, type Timestamp } from '../hlc.js';
import { Reader, Writer } from '../util/codec.js';
import { check, readFinished, readPrepared, readRangeMarks, readVersions, writeFinished, writePrepared, writeRangeMarks, writeVersions } from './snapshot.js';
import { compareStrings, emptyState, lockPrepared, type MvccState } from './state.js';

/** A record to write (payload) or delete (null), keyed relative to the state prefix. */
export type StateRecord = [key: string, payload: Uint8Array | null];

const FLOOR = 'm/floor';
const RANGES = 'm/ranges';
const VERSIONS = 'v/';
const POINTS = 'k/';
const PREPARED = 'p/';
const FINISHED = 'f/';

/** Which items of an MvccState changed since the last drain. Sets, so an item changed twice is written once. */
export class StateChanges {
  readonly versions = new Set<string>();
  readonly points = new Set<string>();
  readonly prepared = new Set<string>();
  readonly finished = new Set<string>();
  floor = false;
  ranges = false;

  /** Marks every item s holds: used around a snapshot install, where the old state's records must go and the new one's be written. */
  addAll(s: MvccState): void {
    for (const k of s.versions.keys()) this.versions.add(k);
    for (const k of s.pointMarks.keys()) this.points.add(k);
    for (const id of s.prepared.keys()) this.prepared.add(id);
    for (const id of s.finished.keys()) this.finished.add(id);
    this.floor = true;
    this.ranges = true;
  }

  /** Adds another change set (changes not yet drained from a state being replaced). */
  merge(o: StateChanges): void {
    for (const k of o.versions) this.versions.add(k);
    for (const k of o.points) this.points.add(k);
    for (const id of o.prepared) this.prepared.add(id);
    for (const id of o.finished) this.finished.add(id);
    this.floor ||= o.floor;
    this.ranges ||= o.ranges;
  }
}

function tsBytes(t: Timestamp): Uint8Array {
  return encoded(t, writeTimestamp);
}

/**
 * Appends the records of the changed items, as s holds them now, to out:
 * a payload for an item present in s, null for one gone. The caller clears
 * the change set afterwards.
 */
export function changedRecords(s: MvccState, c: StateChanges, out: StateRecord[]): void {
  if (c.floor) out.push([FLOOR, tsBytes(s.gcTs)]);
  if (c.ranges) out.push([RANGES, encoded(s.rangeMarks, writeRangeMarks)]);
  emit(out, VERSIONS, c.versions, s.versions, writeVersions);
  emit(out, POINTS, c.points, s.pointMarks, writeTimestamp);
  emit(out, PREPARED, c.prepared, s.prepared, writePrepared);
  emit(out, FINISHED, c.finished, s.finished, writeFinished);
}

function encoded<T>(x: T, write: (w: Writer, x: T) => void): Uint8Array {
  const w = new Writer();
  write(w, x);
  return w.finish();
}

/** One record per changed id of a map: its encoding when present, null (delete) when gone. */
function emit<T>(out: StateRecord[], prefix: string, changed: ReadonlySet<string>, items: ReadonlyMap<string, T>, write: (w: Writer, x: T) => void): void {
  for (const id of changed) {
    const x = items.get(id);
    out.push([prefix + id, x === undefined ? null : encoded(x, write)]);
  }
}

/**
 * Rebuilds a state from its records (as changedRecords wrote them; keys
 * relative to the state prefix). Throws DecodeError on an unknown key, a
 * malformed record, or records that break the store's invariants.
 */
export function loadState(records: ReadonlyMap<string, Uint8Array>): MvccState {
  const floor = records.get(FLOOR);
  let gcTs = ZERO_TS;
  if (floor !== undefined) {
    const r = new Reader(floor);
    gcTs = readTimestamp(r);
    r.end();
  }
  const s = emptyState(gcTs);
  const keys = [...records.keys()].sort(compareStrings);
  const prepared: string[] = [];
  const finished: string[] = [];
  for (const key of keys) {
    const r = new Reader(records.get(key)!);
    if (key === FLOOR) continue;
    if (key === RANGES) s.rangeMarks = readRangeMarks(r, gcTs);
    else if (key.startsWith(VERSIONS)) {
      const k = key.slice(VERSIONS.length);
      s.versions.set(k, readVersions(r));
      s.keys.add(k);
    } else if (key.startsWith(POINTS)) {
      const t = readTimestamp(r);
      check(compareTs(t, gcTs) > 0, 'point marker at or below the GC floor');
      s.pointMarks.set(key.slice(POINTS.length), t);
    } else if (key.startsWith(PREPARED)) {
      prepared.push(key);
      continue;
    } else if (key.startsWith(FINISHED)) {
      finished.push(key);
      continue;
    } else check(false, `unknown record ${JSON.stringify(key)}`);
    r.end();
  }
  // Prepared before finished: a txn must not be both.
  for (const key of prepared) {
    const r = new Reader(records.get(key)!);
    lockPrepared(s, readPrepared(r, key.slice(PREPARED.length), s));
    r.end();
  }
  for (const key of finished) {
    const r = new Reader(records.get(key)!);
    const id = key.slice(FINISHED.length);
    const f = readFinished(r, gcTs);
    r.end();
    check(!s.prepared.has(id), 'txn both prepared and finished');
    s.finished.set(id, f);
  }
  return s;
}
