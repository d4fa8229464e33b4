import { assertNever } from '../assert.js';
import { readTimestamp, writeTimestamp, type Timestamp } from '../hlc.js';
import type { PointRead, RangeRead, TxnWrites, Write } from '../mvcc/types.js';
import { DecodeError, Reader, Writer } from '../util/codec.js';

/**
 * Commands a partition's Raft log carries. One for now: commit a transaction
 * whose reads and writes all fall in this partition (validate and install in
 * one step). Prepare, resolve and transaction records join for two-phase commit.
 */
export type PartitionCommand =
  | { type: 'commit'; txn: TxnWrites; proposedTs: Timestamp }
  /** Drops history no snapshot at or above belowTs can see (see MvccStore.gc); `id` names the proposal. */
  | { type: 'gc'; id: string; belowTs: Timestamp };

const TAGS = ['commit', 'gc'] as const;

export function encodePartitionCommand(c: PartitionCommand): Uint8Array {
  const w = new Writer(64);
  w.u8(TAGS.indexOf(c.type));
  switch (c.type) {
    case 'commit': {
      const t = c.txn;
      w.str(t.txnId);
      writeTimestamp(w, t.snapshotTs);
      writeTimestamp(w, c.proposedTs);
      w.uvar(t.reads.length);
      for (const r of t.reads) {
        w.str(r.key).u8(r.versionTs ? 1 : 0);
        if (r.versionTs) writeTimestamp(w, r.versionTs);
      }
      w.uvar(t.ranges.length);
      for (const r of t.ranges) w.str(r.start).str(r.end).str(r.observedHash);
      w.uvar(t.writes.length);
      for (const x of t.writes) {
        w.str(x.key).u8(x.value ? 1 : 0);
        if (x.value) w.bytes(x.value);
      }
      return w.finish();
    }
    case 'gc':
      w.str(c.id);
      writeTimestamp(w, c.belowTs);
      return w.finish();
    default:
      return assertNever(c, 'partition command');
  }
}

export function decodePartitionCommand(b: Uint8Array): PartitionCommand {
  const r = new Reader(b);
  const tag = TAGS[r.u8()];
  switch (tag) {
    case 'commit': {
      const txnId = r.str();
      const snapshotTs = readTimestamp(r);
      const proposedTs = readTimestamp(r);
      const reads: PointRead[] = [];
      for (let n = r.uvar(); n > 0; n--) {
        const key = r.str();
        reads.push({ key, versionTs: r.u8() === 1 ? readTimestamp(r) : null });
      }
      const ranges: RangeRead[] = [];
      for (let n = r.uvar(); n > 0; n--) ranges.push({ start: r.str(), end: r.str(), observedHash: r.str() });
      const writes: Write[] = [];
      for (let n = r.uvar(); n > 0; n--) {
        const key = r.str();
        writes.push({ key, value: r.u8() === 1 ? r.bytes() : null });
      }
      r.end();
      return { type: 'commit', txn: { txnId, snapshotTs, reads, ranges, writes }, proposedTs };
    }
    case 'gc': {
      const id = r.str();
      const belowTs = readTimestamp(r);
      r.end();
      return { type: 'gc', id, belowTs };
    }
    case undefined:
      throw new DecodeError('unknown partition command');
    default:
      return assertNever(tag, 'partition command');
  }
}
