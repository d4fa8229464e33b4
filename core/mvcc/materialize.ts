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
//   g/{seq}       the finished transactions' results that one drain added
//   f/{txnId}     one finished transaction's result (written before groups;
//                 still read, and deleted when its transaction goes)
// Derived structures (the key set, intents, read locks) are rebuilt on load,
// exactly as the snapshot decoder rebuilds them.
//
// Finished results go in groups because nearly every command adds one and a
// GC drops it seconds later: one record per drain, deleted once its last
// member has gone, instead of a put and a delete per transaction (see
// FinishedGroups).

import { assert } from '../assert.js';
import { compareTs, readTimestamp, writeTimestamp, ZERO_TS, type Timestamp } from '../hlc.js';
import { Reader, Writer } from '../util/codec.js';
import { check, readFinished, readPrepared, readRangeMarks, readVersions, writeFinished, writePrepared, writeRangeMarks, writeVersions } from './snapshot.js';
import { compareStrings, emptyState, lockPrepared, noteVersions, type FinishedTxn, type MvccState } from './state.js';

/** A record to write (payload) or delete (null), keyed relative to the state prefix. */
export type StateRecord = [key: string, payload: Uint8Array | null];

const FLOOR = 'm/floor';
const RANGES = 'm/ranges';
const VERSIONS = 'v/';
const POINTS = 'k/';
const PREPARED = 'p/';
const FINISHED = 'f/';
const GROUPS = 'g/';

/** Which items of an MvccState changed since the last drain. Sets, so an item changed twice is written once. */
export class StateChanges {
  readonly versions = new Set<string>();
  readonly points = new Set<string>();
  readonly prepared = new Set<string>();
  readonly finished = new Set<string>();
  floor = false;
  ranges = false;

  /**
   * Marks every item s holds: used around a snapshot install, where the old
   * state's records must go and the new one's be written. Not the finished
   * transactions: FinishedGroups.replaceAll rewrites those wholesale.
   */
  addAll(s: MvccState): void {
    for (const k of s.versions.keys()) this.versions.add(k);
    for (const k of s.pointMarks.keys()) this.points.add(k);
    for (const id of s.prepared.keys()) this.prepared.add(id);
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
export function changedRecords(s: MvccState, c: StateChanges, groups: FinishedGroups, out: StateRecord[]): void {
  if (c.floor) out.push([FLOOR, tsBytes(s.gcTs)]);
  if (c.ranges) out.push([RANGES, encoded(s.rangeMarks, writeRangeMarks)]);
  emit(out, VERSIONS, c.versions, s.versions, writeVersions);
  emit(out, POINTS, c.points, s.pointMarks, writeTimestamp);
  emit(out, PREPARED, c.prepared, s.prepared, writePrepared);
  groups.emit(s, c.finished, out);
}

/**
 * Which record holds each finished transaction on disk. A drain writes the
 * transactions finished since the last one as one new group record; a group
 * is deleted in the drain where its last member leaves the state. A member
 * leaves only by GC (snapshotTs below the new floor), and the floor goes to
 * disk in that same drain, so the loader skips such members of a surviving
 * group by the floor alone. A snapshot install replaces every finished
 * transaction at once: all groups go and the new ones are regrouped.
 *
 * This is bookkeeping of one replica's disk, not replicated state: replicas
 * that drain at different points group differently and load the same state.
 */
export class FinishedGroups {
  /** The record holding each finished transaction that is on disk. */
  private readonly groupOf = new Map<string, string>();
  /** Per record on disk: how many of its members are still finished (>= 1). */
  private readonly alive = new Map<string, number>();
  /** Records found on load whose members had all gone: deleted at the next drain. */
  private dead: string[] = [];
  /** The next group record is g/{nextSeq in base 36}; above every one on disk. */
  private nextSeq = 0;
  /** Set by a snapshot install: the next drain deletes every group and regroups all. */
  private reset = false;

  /** Counts a member found on disk in record `key` (called by loadState). */
  loaded(key: string, id: string): void {
    this.groupOf.set(id, key);
    this.alive.set(key, (this.alive.get(key) ?? 0) + 1);
  }

  /** A record found on disk with no live member (called by loadState). */
  loadedDead(key: string): void {
    this.dead.push(key);
  }

  /** Keeps g/{seq} keys unique: called by loadState with every group seq on disk. */
  sawSeq(seq: number): void {
    this.nextSeq = Math.max(this.nextSeq, seq + 1);
  }

  /** The state's finished transactions were replaced wholesale (a snapshot install). */
  replaceAll(): void {
    this.reset = true;
  }

  /** Appends the record changes for the finished transactions whose ids are in `changed`. */
  emit(s: MvccState, changed: ReadonlySet<string>, out: StateRecord[]): void {
    for (const key of this.dead) out.push([key, null]);
    this.dead = [];
    let ids: Iterable<string> = changed;
    if (this.reset) {
      for (const key of this.alive.keys()) out.push([key, null]);
      this.groupOf.clear();
      this.alive.clear();
      this.reset = false;
      ids = s.finished.keys();
    }
    let fresh: string[] | null = null;
    for (const id of ids) {
      const key = this.groupOf.get(id);
      if (key === undefined) {
        // Finished and gone again since the last drain: it never reaches the disk.
        if (s.finished.has(id)) (fresh ??= []).push(id);
        continue;
      }
      // A finished entry never changes while present, so a changed id that is on disk has gone.
      assert(!s.finished.has(id), () => `finished txn ${id} changed on disk`);
      this.groupOf.delete(id);
      const n = this.alive.get(key)! - 1;
      if (n > 0) this.alive.set(key, n);
      else {
        this.alive.delete(key);
        out.push([key, null]);
      }
    }
    if (fresh === null) return;
    const key = GROUPS + (this.nextSeq++).toString(36);
    const w = new Writer(32 * fresh.length);
    w.uvar(fresh.length);
    for (const id of fresh) {
      w.str(id);
      writeFinished(w, s.finished.get(id)!);
      this.groupOf.set(id, key);
    }
    this.alive.set(key, fresh.length);
    out.push([key, w.finish()]);
  }
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
export function loadState(records: ReadonlyMap<string, Uint8Array>): { state: MvccState; groups: FinishedGroups } {
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
  const groups = new FinishedGroups();
  for (const key of keys) {
    const r = new Reader(records.get(key)!);
    if (key === FLOOR) continue;
    if (key === RANGES) s.rangeMarks = readRangeMarks(r, gcTs);
    else if (key.startsWith(VERSIONS)) {
      const k = key.slice(VERSIONS.length);
      const vs = readVersions(r);
      s.versions.set(k, vs);
      noteVersions(s, k, vs);
      s.keys.add(k);
    } else if (key.startsWith(POINTS)) {
      const t = readTimestamp(r);
      check(compareTs(t, gcTs) > 0, 'point marker at or below the GC floor');
      s.pointMarks.set(key.slice(POINTS.length), t);
    } else if (key.startsWith(PREPARED)) {
      prepared.push(key);
      continue;
    } else if (key.startsWith(FINISHED) || key.startsWith(GROUPS)) {
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
  const add = (key: string, id: string, f: FinishedTxn) => {
    check(!s.prepared.has(id), 'txn both prepared and finished');
    check(!s.finished.has(id), 'txn finished twice');
    s.finished.set(id, f);
    groups.loaded(key, id);
  };
  for (const key of finished) {
    const r = new Reader(records.get(key)!);
    if (key.startsWith(FINISHED)) add(key, key.slice(FINISHED.length), readFinished(r, gcTs));
    else {
      const seq = key.slice(GROUPS.length);
      check(/^(0|[1-9a-z][0-9a-z]{0,9})$/.test(seq), `bad group record ${JSON.stringify(key)}`);
      groups.sawSeq(parseInt(seq, 36));
      let live = 0;
      for (let n = r.uvar(); n > 0; n--) {
        const id = r.str();
        const f = readFinished(r, ZERO_TS);
        // Members below the floor went by GC after the group was written (see FinishedGroups).
        if (compareTs(f.snapshotTs, gcTs) < 0) continue;
        add(key, id, f);
        live++;
      }
      if (live === 0) groups.loadedDead(key);
    }
    r.end();
  }
  return { state: s, groups };
}
