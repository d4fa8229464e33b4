import { assertNever } from '../assert.js';
import type { ReplicatedStateMachine } from '../cluster/replica.js';
import { compareTs, tsMax, ZERO_TS, type Timestamp } from '../hlc.js';
import { MvccStore } from '../mvcc/store.js';
import type { CommitResult } from '../mvcc/types.js';
import { decodePartitionCommand } from './commands.js';

/**
 * One partition's replicated state: its multi-version store. Validation runs
 * inside apply, in log order, so every replica reaches the same verdict on a
 * commit and the commit timestamp order is a serial order of the committed
 * transactions (see core/mvcc).
 */
export class PartitionStateMachine implements ReplicatedStateMachine {
  store = new MvccStore();
  /**
   * The newest commit timestamp applied here (since start or restore). It
   * only steers where new snapshots are taken, never what apply decides, so it
   * need not be part of the replicated image.
   */
  maxCommitTs: Timestamp = ZERO_TS;

  apply(command: Uint8Array): { requestId: string; result: CommitResult | null } {
    const c = decodePartitionCommand(command);
    switch (c.type) {
      case 'commit': {
        const result = this.commit(c.txn, c.proposedTs);
        if (result.ok) this.maxCommitTs = tsMax(this.maxCommitTs, result.commitTs);
        return { requestId: c.txn.txnId, result };
      }
      case 'gc':
        // Only ever raise the floor: a delayed or duplicated gc command is harmless.
        if (compareTs(c.belowTs, this.store.gcThreshold) > 0) this.store.gc(c.belowTs);
        return { requestId: c.id, result: null };
      default:
        return assertNever(c, 'partition command');
    }
  }

  /** Validates and installs a single-partition transaction; overridable by tests that plant broken rules. */
  protected commit(txn: Parameters<MvccStore['commitDirect']>[0], proposedTs: Parameters<MvccStore['commitDirect']>[1]): CommitResult {
    return this.store.commitDirect(txn, proposedTs);
  }

  snapshot(): Uint8Array {
    return this.store.snapshot();
  }

  restore(image: Uint8Array): void {
    this.store = MvccStore.restore(image);
    this.maxCommitTs = ZERO_TS;
  }

  digest(): string {
    return this.store.digest();
  }
}
