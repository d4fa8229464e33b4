// Deliberately broken builds, planted from tests (the shipped code has no
// switch for them): the teeth tests show a sweep finds them, the shrink and
// timeline tests use them to make failing runs.
import type { Timestamp } from '../../core/hlc.js';
import type { MvccStore } from '../../core/mvcc/store.js';
import type { TxnWrites } from '../../core/mvcc/types.js';
import { PartitionStateMachine } from '../../core/txn/partition.js';
import { SimDisk } from '../../sim/disk.js';

function writtenOnly(txn: TxnWrites): TxnWrites {
  const written = new Set(txn.writes.map((w) => w.key));
  return { ...txn, reads: txn.reads.filter((r) => written.has(r.key)), ranges: [] };
}

/**
 * Snapshot isolation in place of serializable validation: validate only
 * what a transaction writes, as first-committer-wins does, and skip the
 * validation of what it only read, in one-partition commits and in 2PC
 * prepares alike. Write skew (G2) follows.
 */
export class SnapshotIsolation extends PartitionStateMachine {
  protected override commit(txn: TxnWrites, proposedTs: Timestamp) {
    return this.store.commitDirect(writtenOnly(txn), proposedTs);
  }

  protected override prepare(txn: TxnWrites, locator: string) {
    return this.store.prepare(writtenOnly(txn), locator);
  }
}

/** A commit that installs each write on its own, so one write of a transfer can conflict while the other lands. */
export class NonAtomicCommit extends PartitionStateMachine {
  protected override commit(txn: Parameters<MvccStore['commitDirect']>[0], proposedTs: Parameters<MvccStore['commitDirect']>[1]) {
    if (!txn.writes.length) return this.store.commitDirect(txn, proposedTs);
    let last = this.store.commitDirect({ ...txn, writes: [] }, proposedTs);
    txn.writes.forEach((w, i) => {
      last = this.store.commitDirect({ ...txn, txnId: `${txn.txnId}#${i}`, reads: txn.reads.filter((r) => r.key === w.key), writes: [w] }, proposedTs);
    });
    return last;
  }
}

/**
 * A disk that acknowledges a write before it is durable (a lying fsync):
 * Raft then acks entries a crash can still drop. Returns the undo.
 */
export function plantLyingFsync(): () => void {
  const write = SimDisk.prototype.write;
  SimDisk.prototype.write = function (this: SimDisk, ops, onDurable) {
    // Acknowledge at once, while the batch is still volatile and a crash can drop it.
    const host = (this as unknown as { host: { now(): number; schedule(at: number, fn: () => void): void } }).host;
    host.schedule(host.now(), onDurable);
    write.call(this, ops, () => {});
  };
  return () => {
    SimDisk.prototype.write = write;
  };
}
