import { assert } from '../assert.js';
import { crc32 } from '../util/crc32.js';
import { DecodeError, Reader, Writer } from '../util/codec.js';
import type { DiskOp } from '../io.js';
import type { Entry, HardState, Ready, RaftStorageState, Snapshot } from './types.js';

/**
 * A durable record failed its checksum or would not decode. The node must not
 * serve anything from that disk: it stops instead (fail-stop), and an operator
 * (or the simulator) treats it as a lost replica.
 */
export class CorruptionError extends Error {
  override name = 'CorruptionError';
}

/** Frames a payload as [crc32 of payload, 4 bytes big-endian][payload]. */
export function sealRecord(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 4);
  const c = crc32(payload);
  out[0] = c >>> 24;
  out[1] = (c >>> 16) & 0xff;
  out[2] = (c >>> 8) & 0xff;
  out[3] = c & 0xff;
  out.set(payload, 4);
  return out;
}

/** Verifies and strips the frame of sealRecord; throws CorruptionError naming `key` on mismatch. */
export function openRecord(key: string, rec: Uint8Array): Uint8Array {
  if (rec.length < 4) throw new CorruptionError(`record ${key}: truncated`);
  const want = ((rec[0]! << 24) | (rec[1]! << 16) | (rec[2]! << 8) | rec[3]!) >>> 0;
  if (crc32(rec, 4) !== want) throw new CorruptionError(`record ${key}: checksum mismatch`);
  return rec.subarray(4);
}

const INDEX_DIGITS = 15;

/** Zero-padded indexes, memoized for the indexes in use (every replica writes the same ones). */
const padded = new Map<number, string>();
function paddedIndex(i: number): string {
  let s = padded.get(i);
  if (s === undefined) {
    if (padded.size >= 65_536) padded.clear();
    padded.set(i, (s = String(i).padStart(INDEX_DIGITS, '0')));
  }
  return s;
}

/**
 * Maps one Raft group's durable state onto disk keys under `prefix`:
 *   {prefix}hs        hard state (term, vote, commit)
 *   {prefix}first     the compaction point (index, term) of the entry before the first kept entry
 *   {prefix}snap      the newest snapshot (meta and state machine image)
 *   {prefix}e/{index} one entry, index zero-padded so keys sort numerically
 * Every value is sealed with a CRC-32 and verified on recovery.
 *
 * It tracks which entry keys are on disk so that a truncation (a follower
 * overwriting a conflicting tail) also deletes the stale entries past the new end.
 */
export class RaftDiskLayout {
  private firstOnDisk = 1;
  private lastOnDisk = 0;
  /** The hard state written last (durable once that batch completes). */
  private hsOnDisk: HardState = { term: 0, vote: 0, commit: 0 };

  constructor(private readonly prefix: string) {}

  entryKey(i: number): string {
    return `${this.prefix}e/${paddedIndex(i)}`;
  }

  /** Rebuilds the stored state from what the disk recovered; throws CorruptionError. */
  recover(disk: ReadonlyMap<string, Uint8Array>): RaftStorageState {
    const get = (k: string) => {
      const v = disk.get(this.prefix + k);
      return v === undefined ? undefined : openRecord(this.prefix + k, v);
    };
    try {
      const hsBytes = get('hs');
      let hardState: HardState = { term: 0, vote: 0, commit: 0 };
      if (hsBytes) {
        const r = new Reader(hsBytes);
        hardState = { term: r.uvar(), vote: r.uvar(), commit: r.uvar() };
        r.end();
      }
      let firstIndexMinusOne = 0;
      let firstTermMinusOne = 0;
      const firstBytes = get('first');
      if (firstBytes) {
        const r = new Reader(firstBytes);
        firstIndexMinusOne = r.uvar();
        firstTermMinusOne = r.uvar();
        r.end();
      }
      const snapBytes = get('snap');
      const snapshot = snapBytes ? decodeSnapshot(snapBytes) : null;
      const entryPrefix = `${this.prefix}e/`;
      const indexes: number[] = [];
      for (const k of disk.keys()) if (k.startsWith(entryPrefix)) indexes.push(Number(k.slice(entryPrefix.length)));
      indexes.sort((a, b) => a - b);
      const entries: Entry[] = [];
      for (const i of indexes) {
        if (i <= firstIndexMinusOne) continue; // compacted, deletion not yet applied
        const r = new Reader(openRecord(this.entryKey(i), disk.get(this.entryKey(i))!));
        const term = r.uvar();
        const data = r.bytes();
        r.end();
        if (i !== firstIndexMinusOne + 1 + entries.length) throw new CorruptionError(`log gap before entry ${i}`);
        entries.push({ index: i, term, data });
      }
      const last = firstIndexMinusOne + entries.length;
      if (hardState.commit > last) throw new CorruptionError(`commit ${hardState.commit} beyond last entry ${last}`);
      if (snapshot && snapshot.meta.index < firstIndexMinusOne) throw new CorruptionError('snapshot older than the compaction point');
      this.hsOnDisk = hardState;
      this.firstOnDisk = indexes.length ? indexes[0]! : firstIndexMinusOne + 1;
      this.lastOnDisk = Math.max(last, indexes.length ? indexes[indexes.length - 1]! : 0);
      return { hardState, snapshot, entries, firstIndexMinusOne, firstTermMinusOne };
    } catch (e) {
      if (e instanceof DecodeError) throw new CorruptionError(`undecodable raft record: ${e.message}`);
      throw e;
    }
  }

  /**
   * Whether a Ready must be durable before its messages go out and its entries
   * apply: new entries, a snapshot, or a new term or vote. A Ready that only
   * moves the commit index need not be: commit is derived from entries that a
   * quorum already holds durably, and a node that restarts with an older
   * commit index learns it again from the leader (etcd's MustSync).
   */
  mustSync(rd: Ready): boolean {
    if (rd.snapshot || rd.entries.length) return true;
    const hs = rd.hardState;
    return hs !== null && (hs.term !== this.hsOnDisk.term || hs.vote !== this.hsOnDisk.vote);
  }

  /**
   * Whether the Ready's term and vote are already on disk (it changes
   * neither). Ask before opsForReady, which counts its batch as written.
   */
  termAndVoteDurable(rd: Ready): boolean {
    const hs = rd.hardState;
    return hs === null || (hs.term === this.hsOnDisk.term && hs.vote === this.hsOnDisk.vote);
  }

  /**
   * The disk batch that makes a Ready's snapshot, entries and hard state
   * durable. `hs` is the node's current hard state (by default the Ready's):
   * written when it differs from what is on disk, so a commit index skipped by
   * mustSync rides along with the next batch.
   */
  opsForReady(rd: Ready, hs: HardState | null = rd.hardState): DiskOp[] {
    const ops: DiskOp[] = [];
    if (rd.snapshot) {
      // The snapshot replaces the whole log.
      for (let i = this.firstOnDisk; i <= this.lastOnDisk; i++) ops.push({ type: 'del', key: this.entryKey(i) });
      ops.push({ type: 'put', key: this.prefix + 'snap', value: sealRecord(encodeSnapshot(rd.snapshot)) });
      ops.push({ type: 'put', key: this.prefix + 'first', value: sealRecord(new Writer().uvar(rd.snapshot.meta.index).uvar(rd.snapshot.meta.term).finish()) });
      this.firstOnDisk = rd.snapshot.meta.index + 1;
      this.lastOnDisk = rd.snapshot.meta.index;
    }
    if (rd.entries.length) {
      const first = rd.entries[0]!.index;
      assert(first >= this.firstOnDisk && first <= this.lastOnDisk + 1, 'entries do not continue the stored log');
      for (const e of rd.entries) ops.push({ type: 'put', key: this.entryKey(e.index), value: encodeEntry(e) });
      const last = rd.entries[rd.entries.length - 1]!.index;
      for (let i = last + 1; i <= this.lastOnDisk; i++) ops.push({ type: 'del', key: this.entryKey(i) });
      this.lastOnDisk = last;
    }
    const on = this.hsOnDisk;
    if (hs && (hs.term !== on.term || hs.vote !== on.vote || hs.commit !== on.commit)) {
      ops.push({ type: 'put', key: this.prefix + 'hs', value: sealRecord(new Writer().uvar(hs.term).uvar(hs.vote).uvar(hs.commit).finish()) });
      this.hsOnDisk = hs;
    }
    return ops;
  }

  /** The disk batch for a local snapshot at s.meta.index and compaction up to compactIndex (term compactTerm). */
  opsForCompaction(s: Snapshot, compactIndex: number, compactTerm: number): DiskOp[] {
    const ops: DiskOp[] = [
      { type: 'put', key: this.prefix + 'snap', value: sealRecord(encodeSnapshot(s)) },
      { type: 'put', key: this.prefix + 'first', value: sealRecord(new Writer().uvar(compactIndex).uvar(compactTerm).finish()) },
    ];
    for (let i = this.firstOnDisk; i <= compactIndex; i++) ops.push({ type: 'del', key: this.entryKey(i) });
    this.firstOnDisk = Math.max(this.firstOnDisk, compactIndex + 1);
    return ops;
  }
}

/**
 * Sealed entry records by entry. Entries are immutable, and a leader's entry
 * object is what every replica persists when a host shares memory (the
 * simulator), so each is encoded once. Weak keys: the cache keeps nothing alive.
 */
const sealedEntries = new WeakMap<Entry, Uint8Array>();

function encodeEntry(e: Entry): Uint8Array {
  let rec = sealedEntries.get(e);
  if (!rec) sealedEntries.set(e, (rec = sealRecord(new Writer(e.data.length + 12).uvar(e.term).bytes(e.data).finish())));
  return rec;
}

function encodeSnapshot(s: Snapshot): Uint8Array {
  const w = new Writer().uvar(s.meta.index).uvar(s.meta.term).uvar(s.meta.voters.length);
  for (const v of s.meta.voters) w.uvar(v);
  return w.bytes(s.data).finish();
}

function decodeSnapshot(b: Uint8Array): Snapshot {
  const r = new Reader(b);
  const index = r.uvar();
  const term = r.uvar();
  const n = r.uvar();
  const voters: number[] = [];
  for (let k = 0; k < n; k++) voters.push(r.uvar());
  const data = r.bytes();
  r.end();
  return { meta: { index, term, voters }, data };
}
