import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../../core/hlc.js';
import type { MvccStore } from '../../core/mvcc/store.js';
import type { TxnWrites } from '../../core/mvcc/types.js';
import { PartitionStateMachine } from '../../core/txn/partition.js';
import { runSimulation } from '../../sim/run.js';

// The serializability checker has teeth: plant snapshot isolation (validate
// only what a transaction writes, as first-committer-wins does, and skip the
// validation of what it only read, in one-partition commits and in 2PC
// prepares alike) from the test, and write skew must be found.
function writtenOnly(txn: TxnWrites): TxnWrites {
  const written = new Set(txn.writes.map((w) => w.key));
  return { ...txn, reads: txn.reads.filter((r) => written.has(r.key)), ranges: [] };
}

class SnapshotIsolation extends PartitionStateMachine {
  protected override commit(txn: TxnWrites, proposedTs: Timestamp) {
    return this.store.commitDirect(writtenOnly(txn), proposedTs);
  }

  protected override prepare(txn: TxnWrites, locator: string) {
    return this.store.prepare(writtenOnly(txn), locator);
  }
}

// A commit that installs each write on its own (so one write of a transfer can
// conflict while the other lands) must be caught by the bank's audits.
class NonAtomicCommit extends PartitionStateMachine {
  protected override commit(txn: Parameters<MvccStore['commitDirect']>[0], proposedTs: Parameters<MvccStore['commitDirect']>[1]) {
    if (!txn.writes.length) return this.store.commitDirect(txn, proposedTs);
    let last = this.store.commitDirect({ ...txn, writes: [] }, proposedTs);
    txn.writes.forEach((w, i) => {
      last = this.store.commitDirect({ ...txn, txnId: `${txn.txnId}#${i}`, reads: txn.reads.filter((r) => r.key === w.key), writes: [w] }, proposedTs);
    });
    return last;
  }
}

function firstFailure(workload: 'list-append' | 'bank' | 'sql', makeStateMachine: () => PartitionStateMachine, seeds = 10) {
  for (let seed = 1; seed <= seeds; seed++) {
    const r = runSimulation({ seed, workload, makeStateMachine });
    if (r.verdict !== 'ok') return r;
  }
  return null;
}

describe('the bank sweep catches a planted non-atomic commit', () => {
  it('finds an audit whose total is not the initial one', () => {
    const found = firstFailure('bank', () => new NonAtomicCommit());
    expect(found, 'no seed in 1..10 found the torn transfer').not.toBeNull();
    expect(found!.verdict).toBe('correctness');
    expect(found!.violations.join('\n')).toMatch(/bank: audit \d+: total/);
  });
});

describe('the list-append sweep catches a planted snapshot-isolation commit rule', () => {
  it('finds write skew (G2)', () => {
    const found = firstFailure('list-append', () => new SnapshotIsolation());
    expect(found, 'no seed in 1..10 found the anomaly').not.toBeNull();
    expect(found!.verdict).toBe('correctness');
    expect(found!.violations.join('\n')).toMatch(/serializability: (G2|G-single)/);
  });
});

describe('the sql sweep catches a planted snapshot-isolation commit rule', () => {
  it('finds the on-call write skew or a dependency cycle', () => {
    const found = firstFailure('sql', () => new SnapshotIsolation(), 5);
    expect(found, 'no seed in 1..5 found the anomaly').not.toBeNull();
    expect(found!.verdict).toBe('correctness');
    expect(found!.violations.join('\n')).toMatch(/on-call|serializability: (G2|G-single)/);
  });
});
