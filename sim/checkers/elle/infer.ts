// Dependency inference. Lists only grow, so every committed read of a key is a
// prefix of the key's final value, and the longest read is the most we know of
// the order in which appends were installed (the version order). From that
// order and from who read what, we derive Adya's edges:
//   ww  T1 → T2  T2's append directly follows T1's in the version order;
//   wr  T1 → T2  T2 read a version whose last element T1 appended;
//   rw  T1 → T2  T1 read a version and T2 appended the element after it.
// Each edge means "T1 precedes T2 in every serial order consistent with what
// was observed", so a cycle is a proof that no such order exists.

import { RT, RW, WR, WW, type DepGraph } from './graph.js';
import type { HistoryIndex, ReadRef } from './history.js';
import { name, showList } from './format.js';
import type { Anomaly, Txn } from './types.js';

export interface VersionOrders {
  /** Key → observed version order; keys whose reads disagree are absent. */
  orders: Map<string, readonly number[]>;
  anomalies: Anomaly[];
}

/**
 * Picks, per key, the longest usable read (the earliest such read on ties) and
 * checks that every other usable read is a prefix of it. When one is not, no
 * single order explains the observations; the key gets an 'incompatible-order'
 * report and no order-derived edges, since any choice would be a guess.
 */
export function versionOrders(ix: HistoryIndex): VersionOrders {
  const orders = new Map<string, readonly number[]>();
  const anomalies: Anomaly[] = [];
  for (const key of ix.keys) {
    const reads = ix.readsOf(key).filter((r) => r.usable);
    let longest: ReadRef | undefined;
    for (const r of reads) if (longest === undefined || r.value.length > longest.value.length) longest = r;
    if (longest === undefined) {
      orders.set(key, []);
      continue;
    }
    const L = longest.value;
    const conflicts: ReadRef[] = [];
    for (const r of reads) if (divergence(r.value, L) >= 0) conflicts.push(r);
    if (conflicts.length === 0) {
      orders.set(key, L);
      continue;
    }
    const first = conflicts[0]!;
    const at = divergence(first.value, L);
    const txns: Txn[] = [longest.txn];
    for (const c of conflicts) if (!txns.includes(c.txn)) txns.push(c.txn);
    anomalies.push({
      kind: 'incompatible-order',
      txns,
      explanation:
        `${name(longest.txn)} read ${key} = ${showList(L)}, but ${name(first.txn)} read ${key} = ${showList(first.value)}: ` +
        `at position ${at} ${name(first.txn)} saw ${first.value[at]} where ${name(longest.txn)} saw ${L[at]}, so neither read is a prefix of the other` +
        (conflicts.length > 1 ? ` (${conflicts.length} reads disagree with the longest).` : '.'),
    });
  }
  return { orders, anomalies };
}

/** The first index where `read` departs from `order`, or -1 if it is a prefix of it. */
function divergence(read: readonly number[], order: readonly number[]): number {
  for (let i = 0; i < read.length; i++) if (read[i] !== order[i]) return i;
  return -1;
}

export function addDataEdges(ix: HistoryIndex, g: DepGraph, orders: Map<string, readonly number[]>): void {
  const inGraph = (t: Txn | undefined): t is Txn => t !== undefined && ix.committed.has(t);
  for (const key of ix.keys) {
    const external = ix.readsOf(key).filter((r) => r.external && r.usable);

    // wr needs no version order: the last element names the writer directly.
    // An intermediate read (G1b, reported elsewhere) installs no version, so it
    // yields no wr edge.
    for (const r of external) {
      const last = r.value[r.value.length - 1];
      if (last === undefined) continue;
      const w = ix.writerOf(key, last);
      if (w !== undefined && inGraph(w.txn) && w.isFinal) g.addEdge(w.txn, r.txn, { kind: WR, key, read: r.value });
    }

    const L = orders.get(key);
    if (L === undefined) continue;
    const pos = new Map<number, number>();
    L.forEach((v, i) => pos.set(v, i));
    const writerAt = (i: number): Txn | undefined => {
      const w = ix.writerOf(key, L[i]!);
      return w !== undefined && inGraph(w.txn) ? w.txn : undefined;
    };

    for (let i = 1; i < L.length; i++) {
      const a = writerAt(i - 1);
      const b = writerAt(i);
      if (a === undefined || b === undefined || a === b) continue;
      g.addEdge(a, b, { kind: WW, key, prev: L[i - 1]!, next: L[i]!, via: 'order' });
      // a's appends to the key are interrupted by b's. If a's final append is
      // not already placed earlier (a reordering we leave to other checks), it
      // must land after b's, which orders b before a: with the edge above, a
      // ww cycle, i.e. a non-atomic transaction.
      const final = ix.finalAppend(a, key)!;
      const fp = pos.get(final);
      if (final !== L[i - 1] && (fp === undefined || fp > i)) {
        g.addEdge(b, a, { kind: WW, key, prev: L[i - 1]!, next: L[i]!, final, via: 'split' });
      }
    }

    for (const r of external) {
      if (r.value.length >= L.length) continue;
      const b = writerAt(r.value.length);
      if (b !== undefined) g.addEdge(r.txn, b, { kind: RW, key, read: r.value, next: L[r.value.length]!, via: 'order' });
    }

    // A committed append that no read shows lies beyond the end of the
    // longest read. It therefore follows the longest read's last append, and
    // every transaction that read the longest version (none of which saw it)
    // precedes its writer. Readers of shorter versions reach it through the
    // rw and ww edges above. This is what catches a committed write that later
    // reads silently lost.
    const unobserved: { txn: Txn; value: number }[] = [];
    for (const ap of ix.appendsOf(key)) {
      if (inGraph(ap.txn) && !pos.has(ap.value)) unobserved.push({ txn: ap.txn, value: ap.value });
    }
    if (unobserved.length === 0) continue;
    const tail = L.length > 0 ? writerAt(L.length - 1) : undefined;
    const fullReaders = external.filter((r) => r.value.length === L.length);
    for (const u of unobserved) {
      if (tail !== undefined) g.addEdge(tail, u.txn, { kind: WW, key, prev: L[L.length - 1]!, next: u.value, longest: L, via: 'unobserved' });
      for (const r of fullReaders) g.addEdge(r.txn, u.txn, { kind: RW, key, read: r.value, next: u.value, via: 'unobserved' });
    }
  }
}

/**
 * Real-time edges: T1 → T2 when T1 completed before T2 was invoked. Only 'ok'
 * transactions have outgoing ones: an indeterminate transaction may take
 * effect long after its client gave up on it. To keep the edge count near
 * linear we add only edges not implied by a chain of two others: T1 → T2 is
 * implied when some T3 was invoked after T1 completed and completed before T2
 * was invoked, so the kept predecessors of T2 are those that completed no
 * earlier than the latest invocation among transactions that completed before
 * T2 began. Reachability, hence every cycle, is preserved.
 */
export function addRealtimeEdges(g: DepGraph): void {
  const done = g.nodes.filter((t) => t.status === 'ok').sort((a, b) => a.completeMs - b.completeMs || a.id - b.id);
  const maxInvoke: number[] = [];
  for (const t of done) maxInvoke.push(Math.max(maxInvoke[maxInvoke.length - 1] ?? -Infinity, t.invokeMs));
  for (const t2 of g.nodes) {
    // k = number of transactions that completed strictly before t2's invocation.
    let lo = 0;
    let hi = done.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (done[mid]!.completeMs < t2.invokeMs) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) continue;
    const frontier = maxInvoke[lo - 1]!;
    for (let i = lo - 1; i >= 0 && done[i]!.completeMs >= frontier; i--) g.addEdge(done[i]!, t2, { kind: RT });
  }
}
