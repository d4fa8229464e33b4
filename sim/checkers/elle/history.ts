// An index over a list-append history: who appended what, what every committed
// transaction read, and which transactions count as committed. Everything here
// is built in a canonical order (transactions by id, keys by code-unit order,
// micro-ops by position) so the checker's output never depends on the order in
// which the caller listed the history.

import { assert } from '../../../core/assert.js';
import type { Txn } from './types.js';

/** One append: the value is unique per key across the whole history (a workload guarantee we check). */
export interface AppendRef {
  txn: Txn;
  key: string;
  value: number;
  opIndex: number;
  /** True when no later append of the same transaction targets the same key. */
  isFinal: boolean;
}

/** One read with a known result, made by an 'ok' transaction. */
export interface ReadRef {
  txn: Txn;
  key: string;
  value: readonly number[];
  opIndex: number;
  /**
   * External: the transaction's first read of the key, made before it appended to
   * the key itself. Only external reads show state produced by other transactions,
   * so only they yield wr and rw edges and take part in lost-update detection.
   */
  external: boolean;
  /**
   * Cleared when the read is already reported as broken on its own (duplicate
   * elements, or inconsistent with the transaction's own earlier operations). A
   * broken read would only add noise to version orders and dependency edges.
   */
  usable: boolean;
}

export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class HistoryIndex {
  /** Every input transaction, sorted by id. */
  readonly txns: Txn[];
  /** Every key that some micro-op touches, sorted. */
  readonly keys: string[];
  /** Transactions that belong in the dependency graph: 'ok' ones, plus 'info' ones whose appends were observed. */
  readonly committed = new Set<Txn>();
  private readonly writers = new Map<string, Map<number, AppendRef>>();
  private readonly appendsByKey = new Map<string, AppendRef[]>();
  private readonly readsByKey = new Map<string, ReadRef[]>();
  private readonly finals = new Map<Txn, Map<string, number>>();

  constructor(history: readonly Txn[]) {
    this.txns = [...history].sort((a, b) => a.id - b.id);
    const keys = new Set<string>();
    for (let i = 1; i < this.txns.length; i++) {
      assert(this.txns[i - 1]!.id !== this.txns[i]!.id, `elle: duplicate transaction id ${this.txns[i]!.id}`);
    }
    for (const txn of this.txns) {
      const last = new Map<string, number>();
      const firstAppend = new Map<string, number>();
      txn.ops.forEach((op, i) => {
        keys.add(op.key);
        if (op.f === 'append') {
          last.set(op.key, op.value);
          if (!firstAppend.has(op.key)) firstAppend.set(op.key, i);
        }
      });
      this.finals.set(txn, last);
      const seenRead = new Set<string>();
      txn.ops.forEach((op, i) => {
        if (op.f === 'append') {
          let byValue = this.writers.get(op.key);
          if (byValue === undefined) this.writers.set(op.key, (byValue = new Map()));
          const prior = byValue.get(op.value);
          assert(
            prior === undefined,
            `elle: value ${op.value} appended to ${op.key} by both T${prior?.txn.id} and T${txn.id}; the workload must append unique values`,
          );
          const ref: AppendRef = { txn, key: op.key, value: op.value, opIndex: i, isFinal: last.get(op.key) === op.value };
          byValue.set(op.value, ref);
          pushTo(this.appendsByKey, op.key, ref);
        } else if (txn.status === 'ok' && op.value !== null) {
          const fa = firstAppend.get(op.key);
          const external = !seenRead.has(op.key) && (fa === undefined || fa > i);
          seenRead.add(op.key);
          pushTo(this.readsByKey, op.key, { txn, key: op.key, value: op.value, opIndex: i, external, usable: true });
        }
      });
    }
    this.keys = [...keys].sort(byCodeUnits);

    // An indeterminate transaction committed if anyone saw one of its appends;
    // one never seen may or may not have committed, and leaving it out is the
    // only choice that cannot invent an anomaly.
    for (const txn of this.txns) if (txn.status === 'ok') this.committed.add(txn);
    for (const key of this.keys) {
      for (const read of this.readsOf(key)) {
        for (const v of read.value) {
          const w = this.writerOf(key, v);
          if (w !== undefined && w.txn.status === 'info') this.committed.add(w.txn);
        }
      }
    }
  }

  writerOf(key: string, value: number): AppendRef | undefined {
    return this.writers.get(key)?.get(value);
  }

  /** Reads by 'ok' transactions with known results, in (txn id, op index) order. */
  readsOf(key: string): readonly ReadRef[] {
    return this.readsByKey.get(key) ?? [];
  }

  /** Appends to the key by any transaction, in (txn id, op index) order. */
  appendsOf(key: string): readonly AppendRef[] {
    return this.appendsByKey.get(key) ?? [];
  }

  /** The last value the transaction appended to the key, if it appended to it at all. */
  finalAppend(txn: Txn, key: string): number | undefined {
    return this.finals.get(txn)?.get(key);
  }
}

function pushTo<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list === undefined) m.set(k, [v]);
  else list.push(v);
}
