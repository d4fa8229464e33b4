import type { Decision } from '../mvcc/types.js';
import type { TxnNode } from './node.js';
import { decodeLocator, type DecideResult, type TxnRecord } from './partition.js';

/**
 * Finishes what crashed or cut-off coordinators leave behind, from both ends,
 * run by each partition's leader:
 *
 *  - A transaction prepared here for staleMs is settled from its record: the
 *    record is asked to decide abort, and answers with the decision in force
 *    (a commit, if the coordinator got there first). Then the intents are
 *    resolved that way. Aborting is always allowed: only a coordinator decides
 *    commit, and the record keeps whichever decision came first.
 *  - A record kept here and not yet forgotten for staleMs is driven home: its
 *    decision is sent to every participant, and once all applied it the
 *    record is forgotten.
 *
 * Both are idempotent and may race a live coordinator without harm; the cost
 * of settling too early is an abort, never a partial commit.
 */
export class Recovery {
  /**
   * When this node first saw each stale candidate as leader, by
   * `kind/group/txnId`, in ms of ticks: a monotonic count, since the wall
   * clock can jump back and would postpone a settlement by the jump (sql
   * seed 1476: a setup's CREATE DATABASE met the intent of a stuck prepare
   * until the run ended).
   */
  private firstSeenMs = new Map<string, number>();
  private inflight = new Set<string>();

  constructor(
    private readonly node: TxnNode,
    private readonly tickMs: number,
    private readonly staleMs: number,
  ) {}

  scan(ticks: number): void {
    const now = ticks * this.tickMs;
    const seen = new Set<string>();
    const due = (key: string) => {
      seen.add(key);
      const first = this.firstSeenMs.get(key);
      if (first === undefined) this.firstSeenMs.set(key, now);
      return first !== undefined && now - first >= this.staleMs && !this.inflight.has(key);
    };
    for (let g = 0; g < this.node.partitions; g++) {
      const replica = this.node.replicas[g]!;
      if (replica.raft.role !== 'leader') continue;
      for (const txnId of replica.sm.store.preparedIds()) {
        const key = `p/${g}/${txnId}`;
        if (due(key)) this.settlePrepared(g, txnId, key);
      }
      for (const [txnId, rec] of replica.sm.records) {
        if (rec.forgotten) continue;
        const key = `r/${g}/${txnId}`;
        if (due(key)) this.completeRecord(g, txnId, rec, key);
      }
    }
    for (const key of this.firstSeenMs.keys()) if (!seen.has(key)) this.firstSeenMs.delete(key);
  }

  private settlePrepared(group: number, txnId: string, key: string): void {
    const p = this.node.replicas[group]!.sm.store.preparedTxn(txnId);
    if (!p) return;
    const loc = decodeLocator(p.recordKey ?? '');
    this.inflight.add(key);
    const decide = { type: 'decide', txnId, snapshotTs: p.snapshotTs, decision: 'abort', participants: loc.participants } as const;
    this.node.send(this.node.groupOf(loc.recordKey), decide, (o) => {
      const d: Decision | null = o.status === 'ok' ? (o.result as DecideResult).decision : null;
      if (d === null) return this.inflight.delete(key);
      this.node.send(group, { type: 'resolve', txnId, decision: d }, () => this.inflight.delete(key));
    });
  }

  private completeRecord(group: number, txnId: string, rec: TxnRecord, key: string): void {
    this.inflight.add(key);
    this.node.resolveAll(txnId, rec.participants.filter((g) => g !== group), rec.decision, group, () => this.inflight.delete(key));
  }
}
