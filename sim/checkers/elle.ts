// A serializability checker for list-append histories, after Elle (Kingsbury &
// Alvaro, "Elle: Inferring Isolation Anomalies from Experimental
// Observations") with anomaly classes from Adya's thesis. The pieces live in
// ./elle/: the history index, anomalies visible in single reads or
// transactions, dependency inference, and the cycle search.
//
// The result is deterministic: transactions are processed in id order and
// keys in code-unit order, whatever order the caller passes them in, and no
// clock or randomness is consulted.

import { DepGraph } from './elle/graph.js';
import { HistoryIndex } from './elle/history.js';
import { abortedAndIntermediateReads, duplicateElements, internalConsistency, lostUpdates } from './elle/local.js';
import { addDataEdges, addRealtimeEdges, versionOrders } from './elle/infer.js';
import { cycleAnomalies } from './elle/cycles.js';
import type { Anomaly, CheckOptions, ElleResult, Txn } from './elle/types.js';

export type { Anomaly, AnomalyKind, CheckOptions, ElleResult, MicroOp, Txn } from './elle/types.js';
export { formatAnomaly } from './elle/format.js';

export function checkListAppend(history: readonly Txn[], opts: CheckOptions = {}): ElleResult {
  const ix = new HistoryIndex(history);
  // Reads condemned on their own (duplicates, internal inconsistency) are
  // marked unusable first, so the order and edge inference below ignore them.
  const duplicates = duplicateElements(ix);
  const internal = internalConsistency(ix);
  const { orders, anomalies: incompatible } = versionOrders(ix);
  const local: Anomaly[] = [...incompatible, ...duplicates, ...internal, ...abortedAndIntermediateReads(ix), ...lostUpdates(ix)];

  const g = new DepGraph(ix.txns.filter((t) => ix.committed.has(t)));
  addDataEdges(ix, g, orders);
  if (opts.realtime === true) addRealtimeEdges(g);
  const anomalies = [...local, ...cycleAnomalies(g)];
  return { ok: anomalies.length === 0, anomalies, stats: { txns: history.length, edges: g.edgeCount } };
}
