import { describe, expect, it } from 'vitest';
import type { PartitionStateMachine } from '../../core/txn/partition.js';
import { runSimulation } from '../../sim/run.js';
import { NonAtomicCommit, SnapshotIsolation } from './planted.js';

// The serializability checker has teeth: plant snapshot isolation (validate
// only what a transaction writes, skip what it only read) from the test, and
// write skew must be found; plant a commit that installs each write on its
// own, and the bank's audits must catch it. The plants live in planted.ts.

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
